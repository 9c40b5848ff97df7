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
"""

from __future__ import annotations

import html
import json
import logging
import os
import urllib.request
from pathlib import Path

from jupyterhub.services.auth import HubOAuth, HubOAuthCallbackHandler, HubOAuthenticated
from jupyterhub.utils import url_path_join
from tornado import ioloop, web

from hub.passwords import forget

log = logging.getLogger("hub.password_service")
COURSE_ID = os.environ.get("COURSE_ID", "ai-kinh-doanh")
INSTRUCTORS = f"formgrade-{COURSE_ID}"
PARTICIPANTS = f"nbgrader-{COURSE_ID}"

PAGE = """<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">
<title>Đặt lại mật khẩu học viên</title>
<style>body{{font-family:sans-serif;max-width:720px;margin:2em auto;font-size:18px}}
input{{font-size:18px;padding:4px}} .ok{{color:#060}} .loi{{color:#a00}}</style></head><body>
<h2>Đặt lại mật khẩu học viên</h2>
{message}
<form method="post">
<input type="hidden" name="_xsrf" value="{xsrf}">
<label for="ma">Mã học viên:</label> <input id="ma" name="ma" autofocus required>
<button type="submit">Xóa mật khẩu cũ</button>
</form>
<p>Sau khi xóa, học viên đăng nhập bằng mã của mình và <b>tự đặt mật khẩu mới</b> (như lần đầu).
Bài làm, máy Jupyter và lớp học của họ giữ nguyên.</p>
<p><a href="{home}">← Về trang chủ</a></p></body></html>"""


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

    def _page(self, message: str = "") -> None:
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(PAGE.format(message=message, xsrf=html.escape(self.xsrf_token.decode()),
                                home=html.escape(url_path_join(
                                    os.environ.get("JUPYTERHUB_BASE_URL", "/"), "hub/home"))))

    def write_error(self, status_code: int, **kwargs) -> None:
        self.set_header("Content-Type", "text/html; charset=utf-8")
        text = ("Trang này chỉ dành cho giảng viên." if status_code == 403
                else f"Có lỗi ({status_code}). Hãy thử lại.")
        self.finish(f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"></head>'
                    f"<body><h2>{html.escape(text)}</h2></body></html>")

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
            self._page(f'<p class="loi">Không có học viên mã «{html.escape(name)}» trong lớp. '
                       "Kiểm tra lại mã (giống trong danh sách lớp).</p>")
            return
        gone = forget([name], Path(os.environ["COURSE_HUB_STATE"]) / "passwords.dbm")
        log.info("%s reset the password of %s (%s)", teacher["name"], name,
                 "removed" if gone else "none set")
        if gone:
            message = (f'<p class="ok">Đã xóa mật khẩu của <b>{html.escape(name)}</b>. Lần đăng '
                       "nhập tới, học viên tự đặt mật khẩu mới.</p>")
        else:
            message = (f'<p class="ok"><b>{html.escape(name)}</b> chưa đặt mật khẩu (chưa đăng '
                       "nhập lần nào): học viên chỉ cần đăng nhập và đặt mật khẩu.</p>")
        self._page(message)


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
