"""The one place that decides nbgrader's configuration, and so the exchange folder.

nbgrader's own loading is used (``NbGrader.load_config_file``): every ``nbgrader_config.py``
on Jupyter's config path (``~/.jupyter``, ``{sys.prefix}/etc/jupyter``, ``/etc/jupyter``,
``JUPYTER_CONFIG_PATH`` — where a JupyterHub puts ``c.Exchange.root``), plus the course
folder's own file. The participants' JupyterLab reads the same Jupyter config path (its
nbgrader extension uses the same loader), with ``course/jupyter_config`` added by ``make lab``
and Binder's ``start``; the tool adds that folder too, so both sides agree on the exchange.
"""

from __future__ import annotations

import copy
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from traitlets.config import Config

log = logging.getLogger(__name__)
COURSE_JUPYTER_CONFIG = Path(__file__).resolve().parent.parent / "course" / "jupyter_config"
_CACHE: dict[tuple, Config] = {}


def _config_files(course_root: Path) -> list[Path]:
    from jupyter_core.paths import jupyter_config_dir, jupyter_config_path

    dirs = [jupyter_config_dir(), *jupyter_config_path()]
    if COURSE_JUPYTER_CONFIG.is_dir():
        dirs.append(str(COURSE_JUPYTER_CONFIG))
    files = [Path(d) / "nbgrader_config.py" for d in dict.fromkeys(dirs)]
    return [f for f in files if f.is_file()] + [course_root / "nbgrader_config.py"]


def load(course_root: Path) -> Config:
    """nbgrader's configuration for this course (a fresh copy the caller may change)."""
    from jupyter_core.application import JupyterApp
    from nbgrader.apps.baseapp import NbGrader

    course_root = Path(course_root).resolve()
    files = _config_files(course_root)
    key = (str(course_root), tuple((str(f), f.stat().st_mtime_ns) for f in files if f.exists()),
           os.environ.get("JUPYTER_CONFIG_PATH", ""), os.environ.get("JUPYTER_CONFIG_DIR", ""))
    if key not in _CACHE:
        app = NbGrader()
        # Quiet "No nbgrader_config.py file found": the course folder's file comes next.
        app.log = logging.getLogger("autograder.nbconfig.nbgrader")
        app.log.setLevel(logging.ERROR)
        app.load_cwd_config = False  # the tool's folder must not change the course
        if COURSE_JUPYTER_CONFIG.is_dir():
            app.config_dir = str(COURSE_JUPYTER_CONFIG)  # searched with the others
        app.load_config_file()
        # Same call nbgrader makes for the course folder (NbGrader.initialize).
        super(JupyterApp, app).load_config_file("nbgrader_config.py", path=str(course_root))
        cfg = copy.deepcopy(app.config)
        cfg.CourseDirectory.root = str(course_root)
        if "collect" not in cfg.ExchangeFactory:
            # Only regular files of the submitter, with size caps (autograder/exchange.py),
            # unless a hub or the instructor configured another collect.
            cfg.ExchangeFactory.collect = "autograder.exchange.SafeCollect"
        log.debug("nbgrader config for %s from %s", course_root, [str(f) for f in files])
        _CACHE.clear()
        _CACHE[key] = cfg
    return copy.deepcopy(_CACHE[key])


def exchange_root(cfg: Config) -> str:
    """The exchange folder nbgrader will use with this configuration."""
    from nbgrader.exchange import ExchangeFactory

    factory = ExchangeFactory(config=cfg)
    return str(factory.exchange(config=cfg).root)
