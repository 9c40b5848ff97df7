"""`/services/mat-khau/`: instructors reset a participant's forgotten password from the hub.

A small JupyterHub managed service (registered by hub/services.d/mat_khau.py). The person
signs in through the hub (OAuth); only members of the instructors' group (formgrade-<course>)
or hub admins see the form. Resetting removes the participant's entry from the password
file (hub.passwords.forget): at their next login they set a new password. Their account,
groups, server and work stay. Instructors' own passwords (and anyone outside the participants'
group) are not reset here: that stays with the server's administrator
(`sudo .venv/bin/python -m hub.passwords MA`).

Deleting the user in the hub's Admin page is no substitute: JupyterHub then drops the user's
groups and their place on the allowed list until the hub restarts.

The pages come from Jinja2 templates (hub/password_templates/) with autoescape, so the id an
instructor typed is shown back as text.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.request
from pathlib import Path

import jinja2
from jupyterhub.services.auth import HubOAuth, HubOAuthCallbackHandler, HubOAuthenticated
from jupyterhub.utils import url_path_join
from tornado import ioloop, web

from hub.passwords import forget

log = logging.getLogger("hub.password_service")
COURSE_ID = os.environ.get("COURSE_ID", "ai-kinh-doanh")
INSTRUCTORS = f"formgrade-{COURSE_ID}"
PARTICIPANTS = f"nbgrader-{COURSE_ID}"

TEMPLATES = Path(__file__).with_name("password_templates")
# Autoescape: the participant id an instructor typed is shown back as text, never as markup.
PAGES = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                           trim_blocks=True, lstrip_blocks=True,
                           undefined=jinja2.StrictUndefined)


def render_page(xsrf: str, home: str, outcome: str = "", name: str = "") -> str:
    """The reset form, with the outcome of the last reset above it: "unknown" (no such
    participant), "removed" (password removed), "none_set" (never logged in), "" (none)."""
    return PAGES.get_template("reset.html").render(xsrf=xsrf, home=home, outcome=outcome,
                                                   name=name)


def render_error(status: int) -> str:
    return PAGES.get_template("error.html").render(status=status)


def _hub_user(name: str) -> dict | None:
    """The hub's model of a user (groups), asked with this service's own token."""
    api = os.environ.get("JUPYTERHUB_API_URL", "")
    token = os.environ.get("JUPYTERHUB_API_TOKEN", "")
    request = urllib.request.Request(url_path_join(api, "users", name),
                                     headers={"Authorization": f"token {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (hub API)
            return json.loads(response.read())
    except OSError:
        return None


class ResetPage(HubOAuthenticated, web.RequestHandler):
    def _instructor(self) -> dict:
        user = self.get_current_user()
        me = _hub_user(user["name"]) or {}
        if not (me.get("admin") or INSTRUCTORS in (me.get("groups") or [])):
            raise web.HTTPError(403, "only instructors reset passwords")
        return user

    def _page(self, outcome: str = "", name: str = "") -> None:
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(render_page(self.xsrf_token.decode(), url_path_join(
            os.environ.get("JUPYTERHUB_BASE_URL", "/"), "hub/home"), outcome, name))

    def write_error(self, status_code: int, **kwargs) -> None:
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(render_error(status_code))

    @web.authenticated
    def get(self) -> None:
        self._instructor()
        self._page()

    @web.authenticated
    def post(self) -> None:
        teacher = self._instructor()
        name = self.get_body_argument("ma", "").strip().lower()
        person = _hub_user(name) if name else None
        if not person or PARTICIPANTS not in (person.get("groups") or []) or \
                INSTRUCTORS in (person.get("groups") or []):
            self._page("unknown", name)
            return
        gone = forget([name], Path(os.environ["COURSE_HUB_STATE"]) / "passwords.dbm")
        log.info("%s reset the password of %s (%s)", teacher["name"], name,
                 "removed" if gone else "none set")
        self._page("removed" if gone else "none_set", name)


def make_app() -> web.Application:
    prefix = os.environ["JUPYTERHUB_SERVICE_PREFIX"]
    return web.Application(
        [(prefix + "oauth_callback", HubOAuthCallbackHandler), (prefix + "?", ResetPage)],
        cookie_secret=os.urandom(32), xsrf_cookies=True,
        hub_auth=HubOAuth.instance(cache_max_age=60))


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="[mat-khau %(levelname)s] %(message)s")
    url = os.environ["JUPYTERHUB_SERVICE_URL"]
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    make_app().listen(port, "127.0.0.1")
    ioloop.IOLoop.current().start()


if __name__ == "__main__":
    main()
