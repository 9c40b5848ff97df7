"""Where the nbgrader course lives and how to open it (config, gradebook, state files)."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # nbgrader is imported lazily: the grader starts its workers first
    from nbgrader.api import Gradebook
    from traitlets.config import Config

REPO_COURSE = Path(__file__).resolve().parent.parent / "assignments"
STATE_DIR = ".autograder"


class CourseError(Exception):
    """A problem the instructor can fix; the message is Vietnamese."""


def ensure_tools_on_path() -> None:
    """nbgrader runs the `alembic` script by name when it creates a gradebook."""
    bindir = os.path.dirname(sys.executable)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
    _alembic_head_in_process()


def _alembic_head_in_process() -> None:
    """Answer nbgrader's `alembic heads` question in this process.

    A new gradebook asks it through a subprocess: a Python start per grader and worker, and a
    grader killed at that moment left the process running. The answer is a constant of the
    installed nbgrader's migration scripts, read here with alembic's own API.
    """
    import nbgrader.api as api

    if getattr(api.get_alembic_version, "in_process", False):
        return
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from nbgrader import dbutil

    def head() -> str:
        cfg = Config()
        cfg.set_main_option("script_location", dbutil.ALEMBIC_DIR)
        return ScriptDirectory.from_config(cfg).get_current_head()

    head.in_process = True  # type: ignore[attr-defined]
    api.get_alembic_version = head


def default_course_dir() -> Path:
    here = Path.cwd()
    if (here / "nbgrader_config.py").exists():
        return here
    return REPO_COURSE


@dataclass
class Course:
    root: Path

    def __post_init__(self) -> None:
        self.root = Path(self.root).resolve()
        if not self.root.is_dir():
            raise CourseError(f"Không tìm thấy thư mục khóa học: {self.root}")

    def config(self) -> Config:
        """nbgrader's configuration (Jupyter config path + the course's own file), with the
        root pinned to this directory. See ``autograder.nbconfig``."""
        from autograder.nbconfig import load

        return load(self.root)

    @property
    def course_id(self) -> str:
        return str(self.config().CourseDirectory.get("course_id", "")) or "khoa-hoc"

    @property
    def db_path(self) -> Path:
        return self.root / "gradebook.db"

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.db_path}"

    def gradebook(self) -> Gradebook:
        from nbgrader.api import Gradebook

        ensure_tools_on_path()
        return Gradebook(self.db_url, course_id=self.course_id)

    def state_dir(self, *parts: str) -> Path:
        path = self.root.joinpath(STATE_DIR, *parts)
        path.mkdir(parents=True, exist_ok=True)
        return path

    def source_notebook(self, assignment_id: str) -> Path:
        return self.root / "source" / assignment_id / f"{assignment_id}.ipynb"

    def submitted_dir(self, assignment_id: str, student_id: str) -> Path:
        return self.root / "submitted" / student_id / assignment_id

    def autograded_dir(self, assignment_id: str, student_id: str) -> Path:
        return self.root / "autograded" / student_id / assignment_id

    def assignment_ids(self) -> list[str]:
        src = self.root / "source"
        return sorted(p.name for p in src.iterdir() if p.is_dir()) if src.is_dir() else []

    def check_assignment(self, assignment_id: str) -> None:
        if not (self.root / "source" / assignment_id).is_dir():
            known = ", ".join(self.assignment_ids()) or "(chưa có)"
            raise CourseError(
                f"Không có bài tập '{assignment_id}' trong {self.root / 'source'}. "
                f"Các bài tập hiện có: {known}."
            )
