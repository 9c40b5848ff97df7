"""One log file per run of the tool, kept in the course folder (``.autograder/nhat-ky/``).

Every ``autograder`` module logs through ``logging.getLogger(__name__)``; this module only
decides where the records go. Grading workers write their own output (nbgrader's log and
any traceback) next to it, so a failed run can be understood after its temporary folder
is gone.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

LOG_DIR = "nhat-ky"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def start_run_log(state_dir: Path, command: str) -> Path:
    """Send the ``autograder`` loggers to a new file for this run; return its path."""
    folder = Path(state_dir) / LOG_DIR
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{datetime.now():%Y%m%d-%H%M%S}-{command}.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter(FORMAT))
    logger = logging.getLogger("autograder")
    for old in [h for h in logger.handlers if getattr(h, "_autograder_run", False)]:
        logger.removeHandler(old)
        old.close()
    handler._autograder_run = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return path
