"""Plug the class AI gateway into a jupyterhub_config.py with one call.

    import sys; sys.path.insert(0, "<repo>/hub")
    from gateway.hubconf import add_gateway
    add_gateway(c)            # after c.JupyterHub.services / load_roles are set

What it does:
- registers the managed service `ai` (run as `python -m gateway` from hub/), its settings
  passed through its own environment: every GATEWAY_* variable of the hub's environment and
  the one provider key it needs. Nothing of it reaches a participant: spawners pass only
  their `env_keep` list and `Spawner.environment`.
- lets every user's token reach the service (role `user` gets
  `access:services!service=ai`; the single-user server's token gets it through the `server`
  role, or `Spawner.server_token_scopes` when the configuration sets that);
- lets the service read user names and groups (to recognise instructors);
- tells each spawned server where the gateway is (COURSE_GATEWAY_URL, COURSE_GATEWAY_MODEL)
  when an upstream is configured; otherwise participants keep the offline simulation.

Upstream by environment: GATEWAY_UPSTREAM=openai|gemini|ollama|vllm|litellm, optionally
GATEWAY_UPSTREAM_URL, GATEWAY_UPSTREAM_KEY (or OPENAI_API_KEY / GEMINI_API_KEY /
LITELLM_MASTER_KEY, or GATEWAY_UPSTREAM_KEY_FILE: a root-only file), GATEWAY_MODEL.
Every GATEWAY_* may also be spelt COURSE_HUB_GATEWAY_* like the workshop hub's settings.
GATEWAY_ENABLED=0 leaves the hub without it.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path
from typing import Any

from .config import UPSTREAMS

HUB_DIR = Path(__file__).resolve().parent.parent
SERVER_SCOPES = ["users:activity!user", "access:servers!server"]  # JupyterHub's `server` role


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def upstream_configured(env: dict) -> bool:
    name = (env.get("GATEWAY_UPSTREAM") or "openai").lower()
    key_var = UPSTREAMS.get(name, ("", "", None))[2]
    return bool(env.get("GATEWAY_UPSTREAM_URL") or env.get("GATEWAY_UPSTREAM_KEY")
                or env.get("GATEWAY_UPSTREAM_KEY_FILE")
                or (key_var and env.get(key_var)) or name in ("ollama", "vllm"))


def _value(section: Any, name: str, empty: Any) -> Any:
    """The current value of a config entry, materialised so it can be extended in place."""
    if name in section:
        value = section[name]
        if hasattr(value, "get_value"):  # traitlets LazyConfigValue (append/update ops)
            value = value.get_value(empty)
        section[name] = value
        return value
    section[name] = empty
    return empty


def _server_token_reaches(c: Any, roles: list, access: str) -> None:
    """Let the single-user server's own token (JUPYTERHUB_API_TOKEN) call the service."""
    if "server_token_scopes" in c.Spawner:
        scopes = _value(c.Spawner, "server_token_scopes", [])
        if isinstance(scopes, list) and access not in scopes:
            scopes.append(access)
        return
    server = next((r for r in roles if r.get("name") == "server"), None)
    if server is None:
        roles.append({"name": "server", "scopes": [*SERVER_SCOPES, access]})
    elif not {"inherit", access} & set(server.setdefault("scopes", [])):
        server["scopes"].append(access)  # "inherit" already covers it (the user role has it)


def add_gateway(c: Any, *, name: str = "ai", env: dict | None = None, port: int | None = None,
                host: str = "127.0.0.1", db_path: str | None = None) -> dict | None:
    """Add the gateway service to config `c`; returns the service entry (None if disabled)."""
    env = dict(os.environ if env is None else env)
    for var, value in list(env.items()):  # the workshop hub's own spelling of its settings
        if var.startswith("COURSE_HUB_GATEWAY_"):
            env.setdefault(var[len("COURSE_HUB_"):], value)
    if env.get("GATEWAY_ENABLED", "1") == "0":
        return None
    port = port or int(env.get("GATEWAY_PORT") or 0) or free_port()
    service_env = {k: v for k, v in env.items()
                   if k.startswith("GATEWAY_") or k == "COURSE_TIMEZONE"}
    key_var = UPSTREAMS.get((env.get("GATEWAY_UPSTREAM") or "openai").lower(), ("", "", None))[2]
    if key_var and env.get(key_var) and not env.get("GATEWAY_UPSTREAM_KEY"):
        service_env[key_var] = env[key_var]
    roster = env.get("COURSE_HUB_ROSTER", "")
    if not env.get("GATEWAY_BUDGETS_FILE") and roster.endswith(".csv"):
        service_env["GATEWAY_BUDGETS_FILE"] = roster  # a `budget_vnd` column, if it has one
    service_env["GATEWAY_DB"] = db_path or env.get("GATEWAY_DB") or os.path.abspath(
        "ai-gateway.sqlite3")
    # the gateway imports the course library (price table, personal-data masking)
    service_env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(HUB_DIR.parent), env.get("PYTHONPATH", "")) if p)
    service = {
        "name": name,
        "url": f"http://{host}:{port}",
        "command": [sys.executable, "-m", "gateway"],
        "cwd": str(HUB_DIR),
        "environment": service_env,
        "oauth_no_confirm": True,
        "display": True,
        "info": {"vi": "AI của lớp học – trang giảng viên"},
    }
    _value(c.JupyterHub, "services", []).append(service)
    roles = _value(c.JupyterHub, "load_roles", [])
    access = f"access:services!service={name}"
    user_role = next((r for r in roles if r.get("name") == "user"), None)
    if user_role is None:
        roles.append({"name": "user", "scopes": ["self", access]})
    elif access not in user_role.setdefault("scopes", ["self"]):
        user_role["scopes"].append(access)
    roles.append({"name": f"{name}-gateway", "description": "Class AI gateway: who is who",
                  "scopes": ["read:users:name", "read:users:groups"], "services": [name]})
    _server_token_reaches(c, roles, access)
    if upstream_configured(env):
        spawner_env = _value(c.Spawner, "environment", {})
        spawner_env["COURSE_GATEWAY_URL"] = f"http://{host}:{port}/services/{name}/v1"
        spawner_env["COURSE_GATEWAY_MODEL"] = (
            env.get("GATEWAY_MODEL")
            or UPSTREAMS.get((env.get("GATEWAY_UPSTREAM") or "openai").lower(),
                             ("", "gpt-4o-mini", None))[1])
    return service
