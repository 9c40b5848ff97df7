"""nbgrader configuration for the course "ai-kinh-doanh".

Every path is relative to this file, so the course root works from any checkout,
in Binder and in a temporary copy made by tests or by the instructor tool.
"""

import os

c = get_config()  # noqa: F821  (injected by traitlets when nbgrader loads this file)

HERE = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.course_id = "ai-kinh-doanh"
c.CourseDirectory.root = HERE
# gradebook.db lives in the root by default (sqlite:///<root>/gradebook.db); not set here so
# that a tool overriding `root` (e.g. a sandbox copy) also moves the database.

# The exchange (JupyterHub release/collect) keeps nbgrader's default; a hub sets its own path.

# Student code must not hold the grader: each cell gets 30 s, then the kernel is interrupted
# and grading goes on with the next cell (nbgrader's default behaviour, stated explicitly).
c.Execute.timeout = 30
c.Execute.interrupt_on_timeout = True

# Long outputs (e.g. a loop printing megabytes) are cut in the graded copy.
c.LimitOutput.max_lines = 1000
c.LimitOutput.max_traceback = 100

# What learners see in place of the solution: Vietnamese, and it says what to do. The kernel's
# error help (course/notebook.py) turns the NotImplementedError into a Vietnamese "chưa làm";
# autograder/reasons.py counts a part as unfinished by that error name.
c.ClearSolutions.code_stub = {
    "python": '# LÀM BÀI Ở ĐÂY: xóa hai dòng này, viết câu trả lời của bạn theo đề bài phía trên.\n'
              'raise NotImplementedError("Bạn chưa làm phần này")',
}
c.ClearSolutions.text_stub = "NHẬP CÂU TRẢ LỜI CỦA BẠN Ở ĐÂY"
c.ClearSolutions.begin_solution_delimeter = "BEGIN SOLUTION"
c.ClearSolutions.end_solution_delimeter = "END SOLUTION"
c.ClearHiddenTests.begin_test_delimeter = "BEGIN HIDDEN TESTS"
c.ClearHiddenTests.end_test_delimeter = "END HIDDEN TESTS"

# A test cell deleted by a learner is put back and run, so a slip of the mouse costs nothing
# and deleting a failing test gains nothing.
c.OverwriteCells.add_missing_cells = True
c.OverwriteCells.missing_cell_notification = (
    "Ô này (mã {cell_id}) đã bị xóa khỏi bài nộp. nbgrader đã thêm lại để chấm.\n\n"
)


# Late work (deadline per assignment: python -m autograder deadline ID "2026-12-05 23:59").
# "none": late work is only marked in grades, feedback and report; "per_day": minus
# percent_per_day % of the score per started day late; "zero": late work scores 0.
c.AssignLatePenalties.plugin_class = "autograder.late.LatePolicy"
c.LatePolicy.method = "none"
c.LatePolicy.percent_per_day = 10

# Formgrader shows deadlines and submission times in the course's time zone (course.timezone:
# COURSE_TIMEZONE, default Asia/Ho_Chi_Minh) instead of UTC.
try:
    from course.timezone import zone_name
except ImportError:  # a copy of the course folder without the course package
    def zone_name() -> str:
        return os.environ.get("COURSE_TIMEZONE") or "Asia/Ho_Chi_Minh"
c.NbGraderAPI.timezone = zone_name()

# `nbgrader release_feedback`: one person at a time, and submissions that came as files
# (Zalo, e-mail: no submission_secret.txt) get their page in nhan-xet-gui-rieng/ instead of
# stopping the whole class (autograder/feedback_release.py).
c.ExchangeFactory.release_feedback = "autograder.feedback_release.CourseReleaseFeedback"
