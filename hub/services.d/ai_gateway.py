"""The class AI gateway (hub/gateway): enabled by default, upstream from GATEWAY_* variables.

Loaded by hub/jupyterhub_config.py with JupyterHub's `load_subconfig`: `c` is this file's own
configuration, merged into the hub's afterwards (so it only appends). Without an upstream configured
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

from hub.gateway.hubconf import add_gateway, free_port
from hub.run import DEFAULT_STATE


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


# The hub's state folder (hub/jupyterhub_config.py's STATE: the same setting and default).
_state = Path(os.environ.get("COURSE_HUB_STATE", DEFAULT_STATE))
_port = None
if not (os.environ.get("GATEWAY_PORT") or os.environ.get("COURSE_HUB_GATEWAY_PORT")):
    _port = _kept_port(_state)
# server_token=False: the hub's `server` role inherits the user's scopes (this file cannot
# see it, and a second `server` role would stop the hub).
_service = add_gateway(c, db_path=str(_state / "ai-gateway.sqlite3"), port=_port,  # noqa: F821
                       server_token=False)
if _service:
    _module = _service["command"].index("-m") + 1  # run `hub.gateway` under hub.with_parent
    _service["command"][_module:_module] = ["hub.with_parent", str(os.getpid())]
