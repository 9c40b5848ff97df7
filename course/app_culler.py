"""App-view kernels that nobody uses are shut down (issue 25): a Jupyter server extension.

Every app page (Voilà, /voila/render/…) runs the lesson in a kernel of its own, 90–235 MB.
Voilà 0.5 as a server extension does NOT shut that kernel down when the page is left or its
tab closed (measured: still running 20 s later), and its own culling settings (voila.json) only
apply to its standalone app. A participant opening 4–5 lessons in half an hour would hold
600–800 MB of idle kernels under the hub's 1024 MB cap.

So the server's kernels that belong to no notebook session (JupyterLab opens every notebook
through a session; Voilà's pages do not) are shut down when either
- no websocket has been connected to them for `disconnect_grace` seconds (120 by default): the
  page was left or closed. The grace lets a phone that loses its connection for a moment (a
  tunnel, a locked screen, switching to a chat app to copy a text) reconnect to the same
  kernel, with what was typed into the lesson; a kernel still executing the page (Voilà runs
  the lesson before any websocket exists) counts as in use through its activity; or
- they have been idle for `idle_timeout` seconds (1800) although a page is still connected:
  a tab left open in the background.
Both are checked every `interval` seconds. Notebook kernels are never touched.

    c.AppKernelCuller.disconnect_grace = 120   # jupyter_server_config.py; 0 turns it off
    c.AppKernelCuller.idle_timeout = 1800      # 0 turns it off
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tornado.ioloop import PeriodicCallback
from traitlets import Int
from traitlets.config import LoggingConfigurable

DISCONNECT_GRACE = 120  # seconds; docs/dang-ung-dung.md says so


class AppKernelCuller(LoggingConfigurable):
    disconnect_grace = Int(
        DISCONNECT_GRACE, config=True,
        help="Seconds an app page's kernel may stay with no page connected (0: never).")
    idle_timeout = Int(1800, config=True,
                       help="Seconds an app page's kernel may stay idle (0: never shut down).")
    interval = Int(15, config=True, help="Seconds between two checks.")

    def __init__(self, serverapp: Any, **kwargs: Any) -> None:
        super().__init__(parent=serverapp, **kwargs)
        self.serverapp = serverapp
        # kernel id -> when a check first saw it with no websocket connected. Counted from
        # our own observation: last_activity says nothing about when the page went away.
        self._unconnected_since: dict[str, datetime] = {}

    def _reason(self, kernel_id: str, kernel: Any, now: datetime) -> str | None:
        """Why this app kernel should be shut down now, or None to keep it."""
        last = getattr(kernel, "last_activity", None)
        if last is None or getattr(kernel, "execution_state", "") == "busy":
            return None
        if last.tzinfo is None:
            last = last.replace(tzinfo=UTC)
        idle = (now - last).total_seconds()
        connections = self.serverapp.kernel_manager.kernel_model(kernel_id).get(
            "connections", 0)
        if connections:
            self._unconnected_since.pop(kernel_id, None)
        else:
            since = self._unconnected_since.setdefault(kernel_id, now)
            alone = (now - since).total_seconds()
            if self.disconnect_grace > 0 and min(alone, idle) >= self.disconnect_grace:
                return f"no page connected for {int(alone)} s"
        if self.idle_timeout > 0 and idle >= self.idle_timeout:
            return f"idle for {int(idle)} s"
        return None

    async def cull(self) -> list[str]:
        """Shut down the idle kernels that no notebook session uses; returns their ids."""
        kernels = self.serverapp.kernel_manager
        sessions = await self.serverapp.session_manager.list_sessions()
        in_notebooks = {s["kernel"]["id"] for s in sessions if s.get("kernel")}
        now = datetime.now(UTC)
        stopped = []
        running = set(kernels.list_kernel_ids())
        for gone in set(self._unconnected_since) - running:
            del self._unconnected_since[gone]
        for kernel_id in running:
            if kernel_id in in_notebooks:
                self._unconnected_since.pop(kernel_id, None)
                continue
            try:
                reason = self._reason(kernel_id, kernels.get_kernel(kernel_id), now)
            except KeyError:  # shut down meanwhile
                continue
            if reason is None:
                continue
            self.log.info("Shutting down idle app-view kernel %s: %s", kernel_id, reason)
            try:
                await kernels.shutdown_kernel(kernel_id)
            except Exception:  # already gone, or the next check will try again
                self.log.warning("Could not shut down kernel %s", kernel_id, exc_info=True)
                continue
            self._unconnected_since.pop(kernel_id, None)
            stopped.append(kernel_id)
        return stopped

    def start(self) -> None:
        if self.idle_timeout > 0 or self.disconnect_grace > 0:
            PeriodicCallback(self.cull, max(self.interval, 1) * 1000).start()


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "course.app_culler"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    culler = AppKernelCuller(serverapp)
    culler.log.info("App-view kernels end %d s after their page is gone, or after %d s idle",
                    culler.disconnect_grace, culler.idle_timeout)
    culler.start()
