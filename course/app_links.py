"""One link to a lesson's app view (Voilà) that works wherever the course runs.

A lesson's first cell links to `/hub/user-redirect/ung-dung/NN_….ipynb`. Its Markdown cannot
know the server's base URL (`/` under `make lab`, `/user/<name>/` on the workshop hub and on
Binder) nor where the course folder is (`notebooks/` under `make lab` and on Binder,
`khoa-hoc/notebooks/` on the hubs), so:

1. `/hub/user-redirect/…` is JupyterHub's own redirect to the participant's server (hub,
   Z2JH, Binder). Under `make lab` there is no hub: this extension answers that path itself.
   On a hub such requests never reach the participant's server, so this changes nothing there.
2. `<base_url>/ung-dung/NN_….ipynb` finds the lesson in `notebooks/` or one folder below the
   server's root and redirects to `<base_url>/voila/render/<that path>`.

Only lesson names are accepted (two digits, lower-case letters, digits and `_`), and a
symbolic link is never followed: a participant's own files cannot steer the redirect.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join
from tornado import web

APP_PATH = "ung-dung"
START_LESSON = "00_bat_dau.ipynb"
LESSON_NAME = re.compile(r"^[0-9]{2}_[a-z0-9_]{1,60}\.ipynb$")


def find_lesson(root: Path, name: str) -> str | None:
    """Path of lesson `name` relative to `root`: notebooks/NAME, else */notebooks/NAME."""
    if not LESSON_NAME.match(name):
        return None
    candidates = [root / "notebooks" / name]
    try:
        folders = sorted(p for p in root.iterdir() if not p.name.startswith("."))
    except OSError:
        folders = []
    candidates += [folder / "notebooks" / name for folder in folders[:200]]
    for path in candidates:
        relative = path.relative_to(root)
        steps = [root.joinpath(*relative.parts[:i + 1]) for i in range(len(relative.parts))]
        if not any(step.is_symlink() for step in steps) and path.is_file():
            return relative.as_posix()
    return None


# The app view's own error pages (Voilà's handlers use them too): Vietnamese, no CDN.
PAGES = Path(__file__).parent / "jupyter_config" / "data" / "voila" / "templates" / "khoa_hoc"


class _VietnameseErrors(JupyterHandler):
    """A wrong or old app link gets the app view's Vietnamese page, not Jupyter's English one."""

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        from jinja2 import Environment, FileSystemLoader, select_autoescape

        pages = Environment(loader=FileSystemLoader(PAGES), autoescape=select_autoescape())
        name = "404.html" if status_code == 404 else "error.html"
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.finish(pages.get_template(name).render(base_url=self.base_url,
                                                    status_code=status_code))


class LessonAppHandler(_VietnameseErrors):
    """`<base>/ung-dung/NN_….ipynb` -> `<base>/voila/render/<where that lesson is>`."""

    @web.authenticated
    def get(self, name: str) -> None:
        root = Path(self.settings["server_root_dir"]).expanduser()
        found = find_lesson(root, name or START_LESSON)
        if found is None:
            raise web.HTTPError(404, "Không tìm thấy bài học này.")
        self.redirect(url_path_join(self.base_url, "voila/render", quote(found)))


class UserRedirectHandler(_VietnameseErrors):
    """`make lab` only (no hub): `/hub/user-redirect/ung-dung/…` -> `<base>/ung-dung/…`."""

    @web.authenticated
    def get(self, name: str) -> None:
        if name and not LESSON_NAME.match(name):
            raise web.HTTPError(404)
        self.redirect(url_path_join(self.base_url, APP_PATH, name))


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "course.app_links"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    web_app = serverapp.web_app
    base = web_app.settings["base_url"]
    web_app.add_handlers(".*$", [
        (url_path_join(base, APP_PATH, "?([^/]*)"), LessonAppHandler),
        (url_path_join(base, "hub/user-redirect", APP_PATH, "?([^/]*)"), UserRedirectHandler),
    ])
