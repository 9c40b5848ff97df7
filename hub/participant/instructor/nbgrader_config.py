"""Instructors: the course folder in their home (made by hub/users.py from assignments/)."""

import os

c = get_config()  # noqa: F821

c.CourseDirectory.course_id = os.environ.get("COURSE_ID", "ai-kinh-doanh")
c.CourseDirectory.root = os.path.expanduser("~/" + os.environ.get("COURSE_ID", "ai-kinh-doanh"))
