"""Plug the class AI gateway into a jupyterhub_config.py with one call.

    from hub.gateway.hubconf import add_gateway
    add_gateway(c)            # after c.JupyterHub.services / load_roles are set

It only adds (list append, dict update), so it also works in a file loaded with JupyterHub's
`load_subconfig` (hub/services.d/), whose `c` is merged into the main configuration later.

What it does:
- registers the managed service `ai` (run as `python -m hub.gateway`), its settings
  passed through its own environment: every GATEWAY_* variable of the hub's environment and
  the one provider key it needs. Nothing of it reaches a participant: spawners pass only
  their `env_keep` list and `Spawner.environment`.
- lets every user's token reach the service (`access:services!service=ai` in the `user` role
  when the configuration defines one, else in `JupyterHub.extra_user_scopes`); the
  single-user server's token gets it through the `server` role, or
  `Spawner.server_token_scopes` when the configuration sets that (`server_token=False`: the
  configuration's own `server` role already inherits the user's scopes);
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
from typing import Any

from .config import UPSTREAMS

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


def _concrete(section: Any, name: str) -> Any:
    """A config entry's value if this configuration has set it, else None.

    Never materialises a traitlets LazyConfigValue: an entry this `c` does not set stays
    lazy, so in a sub-configuration its appends merge into the main configuration's list
    instead of replacing it."""
    if name not in section:
        return None
    value = section[name]
    return None if hasattr(value, "get_value") else value


def _server_token_reaches(c: Any, access: str) -> None:
    """Let the single-user server's own token (JUPYTERHUB_API_TOKEN) call the service."""
    scopes = _concrete(c.Spawner, "server_token_scopes")
    if scopes is not None or "server_token_scopes" in c.Spawner:
        if scopes is None or access not in scopes:
            c.Spawner.server_token_scopes.append(access)
        return
    server = next((r for r in _concrete(c.JupyterHub, "load_roles") or []
                   if r.get("name") == "server"), None)
    if server is None:
        c.JupyterHub.load_roles.append({"name": "server", "scopes": [*SERVER_SCOPES, access]})
    elif not {"inherit", access} & set(server.setdefault("scopes", [])):
        server["scopes"].append(access)  # "inherit" already covers it (the user role has it)


def add_gateway(c: Any, *, name: str = "ai", env: dict | None = None, port: int | None = None,
                host: str = "127.0.0.1", db_path: str | None = None,
                server_token: bool = True) -> dict | None:
    """Add the gateway service to config `c`; returns the service entry (None if disabled).

    `server_token=False` leaves the server token's scopes to the configuration (whose `server`
    role inherits the user's): a sub-configuration cannot see that role, and a second
    `server` role would stop the hub ("Role server multiply defined")."""
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
    service = {  # `hub` and `course` are installed in the hub's Python (make install)
        "name": name,
        "url": f"http://{host}:{port}",
        "command": [sys.executable, "-m", "hub.gateway"],
        "environment": service_env,
        "oauth_no_confirm": True,
        "display": True,
        "info": {"vi": "AI của lớp học – trang giảng viên"},
    }
    c.JupyterHub.services.append(service)
    access = f"access:services!service={name}"
    user_role = next((r for r in _concrete(c.JupyterHub, "load_roles") or []
                      if r.get("name") == "user"), None)
    if user_role is None:  # JupyterHub's default user role, plus this
        c.JupyterHub.extra_user_scopes.add(access)
    elif access not in user_role.setdefault("scopes", ["self"]):
        user_role["scopes"].append(access)
    c.JupyterHub.load_roles.append({
        "name": f"{name}-gateway", "description": "Class AI gateway: who is who",
        "scopes": ["read:users:name", "read:users:groups"], "services": [name]})
    if server_token:
        _server_token_reaches(c, access)
    if upstream_configured(env):
        c.Spawner.environment.update({
            "COURSE_GATEWAY_URL": f"http://{host}:{port}/services/{name}/v1",
            "COURSE_GATEWAY_MODEL": (
                env.get("GATEWAY_MODEL")
                or UPSTREAMS.get((env.get("GATEWAY_UPSTREAM") or "openai").lower(),
                                 ("", "gpt-4o-mini", None))[1])})
    return service
