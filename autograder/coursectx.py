"""Where the nbgrader course lives and how to open it (config, gradebook, state files).

Every folder of the course comes from nbgrader's own ``CourseDirectory`` (its
``source_directory``, ``submitted_directory``… and ``format_path`` with the configured
``directory_structure``), so a course that renames a folder in its ``nbgrader_config.py``
is followed by this tool as by nbgrader itself.
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # nbgrader is imported lazily: the grader starts its workers first
    from nbgrader.api import Gradebook
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config

REPO_COURSE = Path(__file__).resolve().parent.parent / "assignments"
STATE_DIR = ".autograder"
CLASS_LIST = "danh-sach.json"  # in STATE_DIR


class InstructorError(Exception):
    """A problem the instructor can fix; the message is Vietnamese.

    Distinct from ``course.CourseError`` (a participant's input, a ``ValueError``).
    """


def ensure_tools_on_path(gradebooks: bool = True) -> None:
    """nbgrader runs the `alembic` script by name when it creates a gradebook.

    ``gradebooks=False`` only sets PATH: answering alembic's question imports nbgrader (~1 s),
    which `grade` does after its workers have started, so that both imports overlap.
    """
    bindir = os.path.dirname(sys.executable)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
    if gradebooks:
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


# nbgrader's step names, as CourseDirectory traits (the folder names are configurable).
STEPS = ("source", "release", "submitted", "autograded", "feedback", "solution")


@dataclass
class Course:
    root: Path
    _coursedir: CourseDirectory | None = field(default=None, init=False, repr=False,
                                               compare=False)

    def __post_init__(self) -> None:
        self.root = Path(self.root).resolve()
        if not self.root.is_dir():
            raise InstructorError(f"Không tìm thấy thư mục khóa học: {self.root}")

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_coursedir": None}  # rebuilt from the config where unpickled

    def config(self) -> Config:
        """nbgrader's configuration (Jupyter config path + the course's own file), with the
        root pinned to this directory; a fresh copy the caller may change. See
        ``autograder.nbconfig``."""
        from autograder.nbconfig import load

        return load(self.root)

    def coursedir(self) -> CourseDirectory:
        """nbgrader's ``CourseDirectory`` of this course, read from the config once."""
        if self._coursedir is None:
            from nbgrader.coursedir import CourseDirectory

            self._coursedir = CourseDirectory(config=self.config())
        return self._coursedir

    @property
    def course_id(self) -> str:
        return str(self.coursedir().course_id) or "khoa-hoc"

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

    def class_list(self) -> dict[str, dict]:
        """The imported class list (`roster import`, `collect --add-unknown`) by participant
        id; empty when none was imported. Written by ``autograder.roster``."""
        path = self.root / STATE_DIR / CLASS_LIST
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}

    def state_dir(self, *parts: str) -> Path:
        path = self.root.joinpath(STATE_DIR, *parts)
        path.mkdir(parents=True, exist_ok=True)
        return path

    # ------------------------------------------------------------ nbgrader's folders

    def step_folder(self, step: str) -> str:
        """The configured folder name of an nbgrader step ("submitted" -> "submitted")."""
        if step not in STEPS:
            raise ValueError(f"unknown nbgrader step {step!r}; one of {STEPS}")
        return str(getattr(self.coursedir(), f"{step}_directory"))

    def path(self, step: str, student_id: str, assignment_id: str) -> Path:
        """``CourseDirectory.format_path``: ``<root>/<step>/<student>/<assignment>`` by default
        (student "." for the per-assignment steps source and release)."""
        cd = self.coursedir()
        return Path(cd.format_path(self.step_folder(step), student_id, assignment_id))

    def step_root(self, step: str) -> Path:
        """The top folder of a step (``<root>/submitted``)."""
        return self.root / self.step_folder(step)

    def source_dir(self, assignment_id: str) -> Path:
        return self.path("source", ".", assignment_id)

    def release_dir(self, assignment_id: str) -> Path:
        return self.path("release", ".", assignment_id)

    def source_notebook(self, assignment_id: str) -> Path:
        return self.source_dir(assignment_id) / f"{assignment_id}.ipynb"

    def submitted_dir(self, assignment_id: str, student_id: str) -> Path:
        return self.path("submitted", student_id, assignment_id)

    def autograded_dir(self, assignment_id: str, student_id: str) -> Path:
        return self.path("autograded", student_id, assignment_id)

    def feedback_dir(self, assignment_id: str, student_id: str) -> Path:
        return self.path("feedback", student_id, assignment_id)

    def student_ids(self, step: str, assignment_id: str) -> list[str]:
        """Students with a folder of this assignment in this step (e.g. who submitted), sorted.

        Globs ``format_path(step, "*", id)`` and reads the student back with nbgrader's
        escaped form of the same path, as nbgrader's own API does.
        """
        import glob

        cd = self.coursedir()
        folder = self.step_folder(step)
        pattern = cd.format_path(folder, "*", glob.escape(assignment_id))
        regex = re.compile(cd.format_path(folder, "(?P<student_id>[^/]+)",
                                          re.escape(assignment_id), escape=True) + "$")
        found = set()
        for match in glob.glob(pattern):
            m = regex.match(match)
            if m and os.path.isdir(match):
                found.add(m.group("student_id"))
        return sorted(found)

    def assignment_ids(self) -> list[str]:
        src = self.step_root("source")
        return sorted(p.name for p in src.iterdir() if p.is_dir()) if src.is_dir() else []

    def check_assignment(self, assignment_id: str) -> None:
        if not self.source_dir(assignment_id).is_dir():
            known = ", ".join(self.assignment_ids()) or "(chưa có)"
            raise InstructorError(
                f"Không có bài tập '{assignment_id}' trong {self.step_root('source')}. "
                f"Các bài tập hiện có: {known}."
            )
