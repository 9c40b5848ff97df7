"""Participant server settings, shared by `make lab` (course/lab.py) and Binder (binder/start).

Both put this folder on JUPYTER_CONFIG_PATH, so Jupyter also reads labconfig/ beside it:
default_setting_overrides.json (Vietnamese interface, no news pop-up, larger fonts) and
page_config.json (nbgrader's instructor panels hidden).
"""

c = get_config()  # noqa: F821  (injected by traitlets when it loads this file)

# Scrub API keys from every notebook and text file before it is written to disk: JSON, text
# and base64 saves through the hook, every chunk of a chunked upload through the manager.
c.ContentsManager.pre_save_hook = "course.keyguard.pre_save_hook"
c.ServerApp.contents_manager_class = "course.jupyter_ext.KeyguardContentsManager"

# Participants validate and list assignments; creating, grading and listing courses
# is the instructor's job (python -m autograder) and would only confuse them.
c.ServerApp.jpserver_extensions = {
    "nbgrader.server_extensions.formgrader": False,
    "nbgrader.server_extensions.course_list": False,
    "nbgrader.server_extensions.validate_assignment": True,
    # course.jupyter_ext loads nbgrader's assignment list itself (Vietnamese message when there
    # is no exchange) and adds the Vietnamese interface strings the language pack lacks.
    "nbgrader.server_extensions.assignment_list": False,
    "course.jupyter_ext": True,
    # The app view of every lesson (Voilà: text and widgets, no code; settings in voila.json
    # beside this file, template in data/voila/templates/khoa_hoc) and the lessons' app link.
    "voila.server_extension": True,
    "course.app_links": True,
    # An app page's kernel is shut down 120 s after its page is gone (Voilà 0.5 leaves it
    # running; c.AppKernelCuller.disconnect_grace) or after 1800 s idle with the page still open
    # (c.AppKernelCuller.idle_timeout); notebook kernels never.
    "course.app_culler": True,
    # A phone's side-panel width is not saved into the workspace a computer reopens.
    "course.lab_layout": True,
}

# Course stylesheet and self-hosted Vietnamese fonts (custom/custom.css; custom/fonts/ made by
# `make` through scripts/ensure-fonts.sh): JupyterLab links /custom/custom.css and
# course.jupyter_ext serves that folder, so no font is fetched from a CDN.
c.LabApp.custom_css = True

# The app view (Voilà, read from the server's own config): a failing cell shows the template's
# one Vietnamese sentence (show_tracebacks is off in voila.json) and the rest of the lesson
# still runs, instead of Voilà stopping the page at the first error.
c.VoilaExecutor.allow_errors = True
c.VoilaExecutor.cell_error_instruction = (
    "Phần này chưa chạy được. Hãy tải lại trang hoặc nhờ giảng viên giúp.")


def _mathjax_from_this_server(page_config, **_):
    """Voilà's front end fetches MathJax 2 from cdnjs.cloudflare.com on every app page unless
    both settings are null; null makes it use the MathJax 3 bundled in Voilà's own static files,
    served by this server, so a formula still shows in an offline classroom."""
    return {**page_config, "fullMathjaxUrl": None, "mathjaxConfig": None}


c.VoilaConfiguration.page_config_hook = _mathjax_from_this_server
