"""Late work: deadlines kept in nbgrader's gradebook, penalties through nbgrader's own
late-submission plugin mechanism (``AssignLatePenalties.plugin_class``).

The policy is set in ``assignments/nbgrader_config.py``::

    c.AssignLatePenalties.plugin_class = "autograder.late.LatePolicy"
    c.LatePolicy.method = "per_day"        # "none" (default), "per_day" or "zero"
    c.LatePolicy.percent_per_day = 10      # per started day late, of the notebook's score
"""

from __future__ import annotations

import logging
import math
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from nbgrader.plugins import BasePlugin
from traitlets import Enum, Float

from autograder.coursectx import Course, InstructorError
from course import timezone

log = logging.getLogger(__name__)


class LatePolicy(BasePlugin):
    """none: late work is only marked; per_day: a share of the score per started day; zero."""

    method = Enum(("none", "per_day", "zero"), default_value="none",
                  help="How late work is penalised.").tag(config=True)
    percent_per_day = Float(10.0, help="Per started day late, percent of the notebook's "
                                       "score (method per_day).").tag(config=True)

    def late_submission_penalty(self, student_id: str, score: float,
                                total_seconds_late: float) -> float | None:
        return penalty(self.method, self.percent_per_day, score, total_seconds_late)


def penalty(method: str, percent_per_day: float, score: float, seconds_late: float) -> float:
    if seconds_late <= 0 or method == "none":
        return 0.0
    if method == "zero":
        return score
    days = math.ceil(seconds_late / 86400)
    return min(score, round(score * percent_per_day * days / 100, 2))


def parse_deadline(text: str, tz: str | None = None) -> datetime:
    """'2026-12-05 23:59' in the course's time zone (course.timezone, default Vietnam)
    -> naive UTC (nbgrader's storage)."""
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M", "%Y-%m-%d"):
        try:
            local = datetime.strptime(text.strip(), fmt)
            break
        except ValueError:
            continue
    else:
        raise InstructorError(f"Không hiểu hạn nộp '{text}'. Viết dạng NĂM-THÁNG-NGÀY GIỜ:PHÚT, "
                          f"ví dụ \"2026-12-05 23:59\" ({timezone.label()}).")
    if len(text.strip()) == 10:
        local = local.replace(hour=23, minute=59, second=59)
    zone = ZoneInfo(tz) if tz else timezone.zone()
    return local.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)


def set_deadline(course: Course, assignment_id: str, text: str) -> datetime:
    """Store the deadline in the gradebook; return it in the course's time zone."""
    course.check_assignment(assignment_id)
    due = parse_deadline(text)
    with course.gradebook() as gb:
        gb.update_or_create_assignment(assignment_id, duedate=due)
    log.info("deadline of %s set to %s UTC", assignment_id, due)
    return local_time(due)


def local_time(utc_naive: datetime) -> datetime:
    """nbgrader's naive UTC time in the course's time zone."""
    return timezone.local(utc_naive)


def late_text(seconds: float) -> str:
    """'muộn 5 phút', 'muộn 2 giờ 10 phút', 'muộn 3 ngày' (empty when on time)."""
    if not seconds or seconds <= 0:
        return ""
    minutes = math.ceil(seconds / 60)
    if minutes < 60:
        return f"muộn {minutes} phút"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"muộn {hours} giờ" + (f" {minutes} phút" if minutes else "")
    return f"muộn {math.ceil(seconds / 86400)} ngày"
