"""Zero to JupyterHub (Kubernetes) files for the course; see README.md beside this file."""
