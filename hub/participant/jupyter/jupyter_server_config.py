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
