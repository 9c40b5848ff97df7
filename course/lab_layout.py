"""A phone's JupyterLab layout is not carried back to a computer.

JupyterLab saves the side panel's share of the window width in the workspace ("relativeSizes"
of the main area). On a 412 px phone the file panel keeps its 250 px minimum, about 70 % of the
width, and the same workspace opened on a computer then showed a file panel two-thirds of the
screen wide. This server extension drops a saved width share that gives either side panel more
than MAX_SIDE_SHARE of the window before the workspace is written; JupyterLab then restores its
default widths. Everything else in the workspace (open lessons, panel open or closed) is kept.
"""

from __future__ import annotations

import json
from typing import Any

MAX_SIDE_SHARE = 0.4
RESTORER = "layout-restorer:data"


def without_phone_widths(raw: str) -> str:
    """The workspace JSON, minus a side-panel width share no computer layout would have."""
    try:
        workspace = json.loads(raw)
        layout = workspace["data"][RESTORER]
        sizes = layout["relativeSizes"]
        too_wide = len(sizes) == 3 and (float(sizes[0]) > MAX_SIDE_SHARE
                                        or float(sizes[2]) > MAX_SIDE_SHARE)
    except (ValueError, TypeError, KeyError, IndexError):
        return raw  # not the shape we know: JupyterLab's own checks decide
    if not too_wide:
        return raw
    del layout["relativeSizes"]
    return json.dumps(workspace)


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "course.lab_layout"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    # jupyterlab_server builds its WorkspacesManager inside its handler setup and offers no
    # setting for it, so the filter wraps the class's save() once, in this server only.
    from jupyterlab_server.workspaces_handler import WorkspacesManager

    if getattr(WorkspacesManager.save, "_course_filter", False):
        return
    original = WorkspacesManager.save

    def save(self, space_name: str, raw: str):
        return original(self, space_name, without_phone_widths(raw))

    save._course_filter = True  # type: ignore[attr-defined]
    WorkspacesManager.save = save  # type: ignore[method-assign]
