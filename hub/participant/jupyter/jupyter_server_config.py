"""Every hub server (participants and instructors): only the server extensions a participant
uses are loaded (on JUPYTER_CONFIG_PATH before course/jupyter_config, whose list it keeps).

The participants' environment installs more than a participant's server needs, and each
loaded extension costs CPU at every server start (benchmarks/README.md, "Participant server
start"). Switched off here:

* jupyter_lsp: runs `npm prefix -g` (Node.js, ~0.2 s CPU) at each start to look for
  language servers, and none is installed;
* nbgitpuller: its /git-pull link is not used on the hub (start.sh syncs the edition);
* notebook, notebook_shim: the classic-style Notebook 7 pages; the hub opens JupyterLab
  (its "open in Notebook" button is hidden by labconfig/page_config.json beside this file).

Kept: jupyterlab, jupyter_server_terminals, nbgrader's assignment list and validation (loaded
by course.jupyter_ext), Voilà (the lessons' app view) and the course's own extensions.
"""

import os

from jupyter_core.paths import jupyter_runtime_dir

c = get_config()  # noqa: F821  (injected by traitlets)

# .update(): only these entries change; the rest of the list comes from the other config files.
c.ServerApp.jpserver_extensions.update({
    "jupyter_lsp": False,
    "nbgitpuller": False,
    "notebook": False,
    "notebook_shim": False,
})
# Participants cannot install into the shared, root-owned environment: no extension manager
# that would ask PyPI.
c.LabApp.extension_manager = "readonly"

# Kernels talk to their server over unix sockets, not TCP ports: jupyter_client picks a port
# that is free when it looks and the kernel binds it a moment later, and with a class starting
# together another connection took such a port in between ("Address already in use" in a
# 40-participant load run; the lesson lost its kernel). The spawner gives each participant a
# short private runtime folder (hub/spawner.py); a socket path must fit in 107 bytes, so TCP
# stays where the longest one would not.
_longest_socket = os.path.join(jupyter_runtime_dir(), f"kernel-{'0' * 36}-ipc-99")
if len(_longest_socket.encode()) < 100:
    c.KernelManager.transport = "ipc"
