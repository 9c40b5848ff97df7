"""Instructors' servers only: Formgrader and the course list come back on.

This folder is first on the instructors' JUPYTER_CONFIG_PATH, before the participant settings
in course/jupyter_config, which it otherwise keeps (Vietnamese UI, key scrubbing, the course's
own extension): `.update()` changes only these two entries of the participant setting.
"""

c = get_config()  # noqa: F821

c.ServerApp.jpserver_extensions.update({
    "nbgrader.server_extensions.formgrader": True,
    "nbgrader.server_extensions.course_list": True,
})
