"""`python -m gateway` (cwd: hub/): what JupyterHub runs as the managed service."""

from .app import main

main()
