"""The class AI gateway (hub/gateway): enabled by default, upstream from GATEWAY_* variables.

Run by hub/jupyterhub_config.py with `c` in scope. Without an upstream configured
(GATEWAY_UPSTREAM_KEY / OPENAI_API_KEY, or GATEWAY_UPSTREAM=ollama|vllm with
GATEWAY_UPSTREAM_URL…) the service still runs (its page says so) and participants keep the
offline simulation. GATEWAY_ENABLED=0 turns it off. See docs/ai-lop-hoc.md.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # hub/: `gateway` package

from gateway.hubconf import add_gateway  # noqa: E402

_db_url = str(c.JupyterHub.get("db_url") or "")  # noqa: F821 (c: the hub's config)
_state = Path(_db_url[len("sqlite:///"):]).parent if _db_url.startswith("sqlite:///") else None
add_gateway(c, db_path=str(_state / "ai-gateway.sqlite3") if _state else None)  # noqa: F821
