"""Instructors: the course folder in their home (made by hub/users.py from assignments/), and
the instructor's side of the hub's hardened exchange (hub/exchange.py): release into folders
root prepared, and a collect that copies only regular files of the participant who submitted
(autograder/exchange.py; refusals are printed by `python -m autograder collect` and listed in
the class report)."""

import os

c = get_config()  # noqa: F821

c.CourseDirectory.course_id = os.environ.get("COURSE_ID", "ai-kinh-doanh")
c.CourseDirectory.root = os.path.expanduser("~/" + os.environ.get("COURSE_ID", "ai-kinh-doanh"))
# course_hub_exchange is importable once ../jupyter/nbgrader_config.py (also on the
# instructors' config path) has run; the classes are resolved when nbgrader first uses them.
c.ExchangeFactory.release_assignment = "course_hub_exchange.HubReleaseAssignment"
c.ExchangeFactory.release_feedback = "course_hub_exchange.HubReleaseFeedback"
c.ExchangeFactory.collect = "autograder.exchange.SafeCollect"
