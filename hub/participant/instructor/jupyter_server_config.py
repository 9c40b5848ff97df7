"""Instructors' servers only: Formgrader, course list and assignment creation come back on.

This folder is first on the instructors' JUPYTER_CONFIG_PATH, so it wins over the participant
settings in course/jupyter_config (which it otherwise keeps: Vietnamese UI, key scrubbing).
"""

c = get_config()  # noqa: F821

c.ContentsManager.pre_save_hook = "course.keyguard.pre_save_hook"
c.ServerApp.jpserver_extensions = {
    "nbgrader.server_extensions.formgrader": True,
    "nbgrader.server_extensions.course_list": True,
    "nbgrader.server_extensions.validate_assignment": True,
    "nbgrader.server_extensions.assignment_list": True,
    "nbgitpuller": True,
}
