"""Feedback back to every participant, however their work arrived; one failure stops nobody.

nbgrader's ``release_feedback`` files each page in the exchange under a hash of the
submission's ``submission_secret.txt``, which only exchange submissions have. A submission
collected from a zip or a folder (Zalo, e-mail, LMS) has none, so nbgrader stopped the whole
class with a raw ``FileNotFoundError`` at the first such person, and nobody got feedback.

Here each person is handled alone:

* exchange submission: the page goes to the exchange exactly as nbgrader does it, so the
  participant's "Fetch Feedback" finds it;
* zip/folder submission (no secret): nobody can fetch it through the exchange (the
  participant's side never recorded a submission), so the page is copied to
  ``nhan-xet-gui-rieng/<assignment>/`` for the instructor to send back the way it came;
* any error for one person is reported with the person's id and the others go on.

The same class serves the bare ``nbgrader release_feedback ID`` command through nbgrader's
plugin setting ``c.ExchangeFactory.release_feedback`` (assignments/nbgrader_config.py), and
``python -m autograder release-feedback ID`` prints a Vietnamese summary.
"""

from __future__ import annotations

import glob
import logging
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.exchange.default.release_feedback import ExchangeReleaseFeedback
from nbgrader.utils import notebook_hash

from autograder.coursectx import Course, InstructorError

log = logging.getLogger(__name__)
DIRECT = "nhan-xet-gui-rieng"
SECRET = "submission_secret.txt"


@dataclass
class FeedbackRelease:
    released: list[str] = field(default_factory=list)       # ids, through the exchange
    direct: dict[str, list[Path]] = field(default_factory=dict)  # id -> pages to send
    failed: dict[str, str] = field(default_factory=dict)     # id -> reason (Vietnamese)


def _release_person(pages: list[str], folder: Path, exchange_feedback: Path,
                    direct_dir: Path, student: str, result: FeedbackRelease) -> None:
    secret_path = folder / SECRET
    if not secret_path.exists():
        direct_dir.mkdir(parents=True, exist_ok=True)
        copies = []
        for page in pages:
            target = direct_dir / f"{student}-{Path(page).name}"
            shutil.copyfile(page, target)
            copies.append(target)
        result.direct[student] = copies
        return
    secret = secret_path.read_text(encoding="utf-8")
    for page in pages:
        checksum = notebook_hash(secret=secret, notebook_id=Path(page).stem)
        tmp = exchange_feedback / f"{checksum}-tmp.html"
        shutil.copy(page, tmp)
        shutil.move(tmp, exchange_feedback / f"{checksum}.html")  # atomic for the reader
    result.released.append(student)


class CourseReleaseFeedback(ExchangeReleaseFeedback):
    """nbgrader's exchange release of feedback, one person at a time (see module doc)."""

    def ensure_directory(self, path, mode):
        # The workshop hub's exchange (hub/exchange.py) is prepared by root: its feedback
        # folder is root's, writable by the instructors' group. Accept a real folder that root
        # or this user owns, as the hub's own exchange classes do; make it as nbgrader would.
        if os.path.isdir(path) and not os.path.islink(path) and \
                os.stat(path).st_uid in (0, os.getuid()):
            return
        super().ensure_directory(path, mode)

    def copy_files(self):
        self.result = FeedbackRelease()
        exclude = set(filter(None, (self.coursedir.student_id_exclude or "").split(",")))
        by_student: dict[str, list[str]] = {}
        for page in sorted(glob.glob(os.path.join(self.src_path, "*.html"))):
            folder = Path(page).parent
            student = folder.parent.name  # feedback/<student>/<assignment>/<notebook>.html
            if student not in exclude:
                by_student.setdefault(student, []).append(page)
        direct_dir = (Path(self.coursedir.root) / DIRECT / self.coursedir.assignment_id)
        for student, pages in sorted(by_student.items()):
            try:
                _release_person(pages, Path(pages[0]).parent, Path(self.dest_path), direct_dir,
                                student, self.result)
            except Exception as exc:  # one person's broken folder must not stop the class
                self.result.failed[student] = f"{type(exc).__name__}: {exc}"
                self.log.error("Không trả được nhận xét cho %s: %s", student, exc)
                continue
            if student in self.result.direct:
                self.log.warning(
                    "%s nộp bài qua tệp (zip/thư mục), không qua thẻ Assignments: nhận xét được "
                    "chép vào %s để gửi lại cho họ (Zalo, e-mail).", student, direct_dir)
            else:
                self.log.info("Đã trả nhận xét cho %s (học viên bấm Fetch Feedback).", student)
        if self.result.failed:
            self.fail(f"Chưa trả được nhận xét cho {len(self.result.failed)} người: "
                      + "; ".join(f"{s} ({why})" for s, why in sorted(self.result.failed.items()))
                      + ". Những người khác đã được trả.")


def release_feedback(course: Course, assignment_id: str) -> FeedbackRelease:
    """Release every feedback page of the assignment; never raises for one person."""
    from nbgrader.coursedir import CourseDirectory

    from autograder.distribute import _api

    course.check_assignment(assignment_id)
    if not any(any(course.feedback_dir(assignment_id, sid).glob("*.html"))
               for sid in course.student_ids("feedback", assignment_id)):
        raise InstructorError(f"Chưa có trang nhận xét nào của '{assignment_id}'. Hãy chạy trước: "
                              f"python -m autograder feedback {assignment_id}")
    api = _api(course)
    coursedir = CourseDirectory(config=api.config)
    coursedir.assignment_id = assignment_id
    app = CourseReleaseFeedback(coursedir=coursedir, authenticator=api.authenticator,
                                parent=api)
    try:
        app.start()
    except Exception as exc:  # the summary below says who; anything else is the exchange's
        if not getattr(app, "result", None) or not app.result.failed:
            raise InstructorError(f"Không trả được nhận xét lên thư mục trao đổi: {exc}") from exc
    return app.result
