"""The workshop hub: JupyterHub configuration and helpers for one course server (see README.md)."""
