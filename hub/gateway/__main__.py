"""`python -m hub.gateway`: what JupyterHub runs as the managed service."""

from .app import main

main()
