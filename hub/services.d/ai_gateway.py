"""The class AI gateway (hub/gateway): enabled by default, upstream from GATEWAY_* variables.

Run by hub/jupyterhub_config.py with `c` in scope. Without an upstream configured
(GATEWAY_UPSTREAM_KEY / OPENAI_API_KEY, or GATEWAY_UPSTREAM=ollama|vllm with
GATEWAY_UPSTREAM_URL…) the service still runs (its page says so) and participants keep the
offline simulation. GATEWAY_ENABLED=0 turns it off. See docs/ai-lop-hoc.md.

Across a hub restart the participants' servers keep running with the gateway's address in
their environment (COURSE_GATEWAY_URL), so the gateway keeps its port: chosen once, kept in
the hub's state folder. It runs under hub.with_parent, so it never outlives the hub.
"""

import os
import socket
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # hub/: `gateway` package

from gateway.hubconf import add_gateway, free_port  # noqa: E402


def _port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _kept_port(state: Path) -> int:
    """The gateway's port of the previous start (servers still use it), or a new one."""
    path = state / "ai-gateway.port"
    try:
        port = int(path.read_text().strip())
    except (OSError, ValueError):
        port = 0
    if port:
        for _ in range(20):  # a gateway that is just stopping frees it in a moment
            if _port_is_free(port):
                return port
            time.sleep(0.5)
        print(f"[hub] the class AI's port {port} is held by another program: a new port is "
              "used; servers started before must be restarted to reach the class AI",
              file=sys.stderr)
    port = free_port()
    path.write_text(f"{port}\n")
    return port


_db_url = str(c.JupyterHub.get("db_url") or "")  # noqa: F821 (c: the hub's config)
_state = Path(_db_url[len("sqlite:///"):]).parent if _db_url.startswith("sqlite:///") else None
_port = None
if _state and not (os.environ.get("GATEWAY_PORT") or os.environ.get("COURSE_HUB_GATEWAY_PORT")):
    _port = _kept_port(_state)
_service = add_gateway(c, db_path=str(_state / "ai-gateway.sqlite3") if _state else None,  # noqa: F821
                       port=_port)
if _service:
    _module = _service["command"].index("-m") + 1  # run `gateway` under hub.with_parent
    _service["command"][_module:_module] = ["hub.with_parent", str(os.getpid())]
