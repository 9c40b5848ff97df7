"""Idle app-view kernels are shut down (issue 25): a Jupyter server extension.

Every app page (Voilà, /voila/render/…) runs the lesson in a kernel of its own, 90–235 MB.
Voilà shuts that kernel down when the page is closed, but a phone rarely says so: a browser tab
left in the background or a locked screen keeps it running for as long as the server lives, and
on the hub the server stays up while the participant works in another tab. Voilà's own culling
settings (voila.json) only apply to its standalone app, not to its server extension used here.

So the server's kernels that belong to no notebook session (JupyterLab opens every notebook
through a session; Voilà's pages do not) are shut down once idle for `idle_timeout` seconds,
checked every `interval` seconds. Notebook kernels are never touched.

    c.AppKernelCuller.idle_timeout = 1800   # jupyter_server_config.py; 0 turns it off
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tornado.ioloop import PeriodicCallback
from traitlets import Int
from traitlets.config import LoggingConfigurable


class AppKernelCuller(LoggingConfigurable):
    idle_timeout = Int(1800, config=True,
                       help="Seconds an app page's kernel may stay idle (0: never shut down).")
    interval = Int(300, config=True, help="Seconds between two checks.")

    def __init__(self, serverapp: Any, **kwargs: Any) -> None:
        super().__init__(parent=serverapp, **kwargs)
        self.serverapp = serverapp

    async def cull(self) -> list[str]:
        """Shut down the idle kernels that no notebook session uses; returns their ids."""
        kernels = self.serverapp.kernel_manager
        sessions = await self.serverapp.session_manager.list_sessions()
        in_notebooks = {s["kernel"]["id"] for s in sessions if s.get("kernel")}
        now = datetime.now(UTC)
        stopped = []
        for kernel_id in list(kernels.list_kernel_ids()):
            if kernel_id in in_notebooks:
                continue
            kernel = kernels.get_kernel(kernel_id)
            last = getattr(kernel, "last_activity", None)
            if last is None or getattr(kernel, "execution_state", "") == "busy":
                continue
            if last.tzinfo is None:
                last = last.replace(tzinfo=UTC)
            if (now - last).total_seconds() < self.idle_timeout:
                continue
            self.log.info("Shutting down idle app-view kernel %s", kernel_id)
            try:
                await kernels.shutdown_kernel(kernel_id)
            except Exception:  # already gone, or the next check will try again
                self.log.warning("Could not shut down kernel %s", kernel_id, exc_info=True)
                continue
            stopped.append(kernel_id)
        return stopped

    def start(self) -> None:
        if self.idle_timeout > 0:
            PeriodicCallback(self.cull, max(self.interval, 1) * 1000).start()


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "course.app_culler"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    AppKernelCuller(serverapp).start()
