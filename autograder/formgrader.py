"""The instructor's JupyterLab with nbgrader's Formgrader, for hand-grading (bt6_capstone).

`make lab` and Binder start the participants' Lab, where Formgrader is switched off by the
settings in ``course/jupyter_config``. This launch leaves those settings out and opens Lab in
the course folder, where nbgrader finds ``nbgrader_config.py`` and the gradebook.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from autograder.nbconfig import COURSE_JUPYTER_CONFIG


def formgrader_environment(env: dict[str, str]) -> dict[str, str]:
    """Environment without the participants' Jupyter settings."""
    result = dict(env)
    paths = [p for p in result.get("JUPYTER_CONFIG_PATH", "").split(os.pathsep)
             if p and Path(p).resolve() != COURSE_JUPYTER_CONFIG]
    if paths:
        result["JUPYTER_CONFIG_PATH"] = os.pathsep.join(paths)
    else:
        result.pop("JUPYTER_CONFIG_PATH", None)
    return result


def formgrader_command(course_root: Path, extra: list[str]) -> list[str]:
    cmd = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={course_root}",
           "--ServerApp.jpserver_extensions={'nbgrader.server_extensions.formgrader': True}",
           "--LabApp.default_url=/formgrader"]
    if os.geteuid() == 0 and "--allow-root" not in extra:
        cmd.append("--allow-root")
    return cmd + extra
