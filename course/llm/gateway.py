"""The class AI gateway, seen from a participant's notebook on the workshop hub.

On the hub every single-user server has `JUPYTERHUB_API_TOKEN` (the participant's own hub
token) and, from the spawner, `COURSE_GATEWAY_URL`. With both, the course talks to the class
gateway (hub/gateway) with no key pasted: `discover` turns them into settings, the HTTP client
below adds the token to each request to the gateway (it never sits in the settings, a status
or an error), and `translate` turns the gateway's refusals into the course's errors.

A hub running `jupyterhub-litellm` works the same way: LITELLM_API_BASE + LITELLM_API_KEY.

When the class budget is spent, the instructor pauses AI or the gateway cannot be reached,
the participant gets a Vietnamese message once and the session falls back to the labelled
offline simulation, so the lesson goes on.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from ..i18n import t
from . import errors as E

PROVIDER = "lop-hoc"  # provider name in settings and status
DEFAULT_MODEL = "gpt-4o-mini"
NOTICE_AFTER = 3.0  # seconds before a waiting participant is told why
_FALLBACK_CODES = ("gateway_budget_exceeded", "gateway_class_cap", "gateway_paused")

_found: dict | None = None  # what `discover` saw last (base_url, kind, model)
_fallback: dict | None = None  # why the session went to the simulation, if it did


def discover(env: os._Environ[str] | dict[str, str] | None = None) -> dict | None:
    """The class gateway from the environment: {"base_url", "model", "kind"} or None."""
    global _found
    env = os.environ if env is None else env
    url, token = env.get("COURSE_GATEWAY_URL"), env.get("JUPYTERHUB_API_TOKEN")
    if url and token:
        found = {"base_url": url.rstrip("/"), "kind": "hub",
                 "model": env.get("COURSE_GATEWAY_MODEL") or DEFAULT_MODEL}
    elif env.get("LITELLM_API_BASE") and env.get("LITELLM_API_KEY"):
        base = env["LITELLM_API_BASE"].rstrip("/")
        found = {"base_url": base if base.endswith("/v1") else base + "/v1", "kind": "litellm",
                 "model": env.get("COURSE_GATEWAY_MODEL") or env.get("LITELLM_MODEL")
                 or DEFAULT_MODEL}
    else:
        return None
    _found = found
    _register_provider(found)
    return found


def _register_provider(found: dict) -> None:
    """Offer "AI của lớp học" in the connection panel (only on a hub that has it)."""
    from ..config import PROVIDERS, Provider

    PROVIDERS[PROVIDER] = Provider(PROVIDER, t("gateway.provider_label"), found["base_url"],
                                   found["model"], needs_key=False)


def is_gateway(base_url: str | None) -> bool:
    return bool(_found and base_url and base_url.rstrip("/") == _found["base_url"])


def _token() -> str:
    if _found and _found["kind"] == "litellm":
        return os.environ.get("LITELLM_API_KEY", "")
    return os.environ.get("JUPYTERHUB_API_TOKEN", "")


def lesson_tag() -> str:
    """The notebook being run ("02_viet_prompt"), so the instructor sees lessons, not files."""
    name = os.environ.get("COURSE_LESSON") or os.environ.get("JPY_SESSION_NAME") or ""
    return Path(name).stem[:60] if name else ""


# --------------------------------------------------------------------------- HTTP client
_timers: dict[int, threading.Timer] = {}


def _on_request(request) -> None:  # httpx request hook
    if not is_gateway(str(request.url).split("/chat/")[0].split("/models")[0]):
        return
    request.headers["Authorization"] = f"Bearer {_token()}"
    tag = lesson_tag()
    if tag:
        request.headers["X-Course-Lesson"] = tag.encode("ascii", "ignore").decode() or "lesson"
    if request.url.path.endswith("/chat/completions") and _found and _found["kind"] == "hub":
        timer = threading.Timer(NOTICE_AFTER, _notice)
        timer.daemon = True
        _timers[id(request)] = timer
        timer.start()


def _on_response(response) -> None:  # httpx response hook: headers arrived
    timer = _timers.pop(id(response.request), None)
    if timer is not None:
        timer.cancel()


def http_client(base_url: str | None):  # -> httpx.Client | None
    """An HTTP client for the openai SDK that signs requests to the class gateway."""
    if not is_gateway(base_url):
        return None
    import openai

    return openai.DefaultHttpxClient(
        event_hooks={"request": [_on_request], "response": [_on_response]})


def me(timeout: float = 3.0) -> dict | None:
    """The participant's budget and the class queue from the gateway (None if unreachable)."""
    if not _found or _found["kind"] != "hub":
        return None
    import httpx

    try:
        resp = httpx.get(_found["base_url"] + "/me", timeout=timeout,
                         headers={"Authorization": f"Bearer {_token()}"})
    except httpx.HTTPError:
        return None
    return resp.json() if resp.status_code == 200 else None


def report_quiz(quiz: str, right: int, total: int, *, wait: bool = True) -> bool:
    """Tell the instructors' page a quiz score (on the hub's gateway; elsewhere nothing).

    `wait=False` sends it from a background thread so a click never waits for the network.
    """
    if not _found or _found["kind"] != "hub":
        return False
    if not wait:
        threading.Thread(target=report_quiz, args=(quiz, right, total), daemon=True).start()
        return True
    import httpx

    headers = {"Authorization": f"Bearer {_token()}"}
    if lesson_tag():
        headers["X-Course-Lesson"] = lesson_tag().encode("ascii", "ignore").decode()
    try:
        resp = httpx.post(_found["base_url"] + "/quiz", headers=headers, timeout=5,
                          json={"quiz": quiz, "right": right, "total": total})
    except httpx.HTTPError:
        return False
    return resp.status_code == 200


def _notice() -> None:
    """Tell a participant who has waited NOTICE_AFTER seconds why (queue or provider)."""
    info = me(timeout=2.0) or {}
    queue = info.get("queue") or {}
    if queue.get("you_waiting"):
        text = t("gateway.waiting_queue", waiting=queue.get("waiting", 0),
                 limit=queue.get("limit", 0))
    elif queue.get("upstream_retry_in"):
        text = t("gateway.waiting_upstream", seconds=round(queue["upstream_retry_in"]))
    else:
        text = t("gateway.waiting_slow")
    print(text, flush=True)


# --------------------------------------------------------------------------- errors
def _vnd(x: object) -> str:
    from .. import numbers

    try:
        return numbers.money(float(x or 0))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(x)


def _error_body(body: object) -> dict:
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            return {}
    if not isinstance(body, dict):
        return {}
    err = body.get("error", body)
    return err if isinstance(err, dict) else {}


def translate(exc: Exception, base_url: str | None) -> E.LLMError | None:
    """The course error for a failure talking to the class gateway; None if not ours."""
    if not is_gateway(base_url):
        return None
    for timer in list(_timers.values()):  # a failed call has no waiting to announce
        timer.cancel()
    _timers.clear()
    import openai

    if isinstance(exc, openai.APIConnectionError) and not isinstance(exc, openai.APITimeoutError):
        _fall_back("unreachable")
        return E.LLMConnectionError(t("gateway.unreachable"), detail="gateway unreachable")
    if not isinstance(exc, openai.APIError):
        return None
    err = _error_body(exc.body)
    code = str(err.get("code") or "")
    status = getattr(exc, "status_code", None)
    detail = f"HTTP {status} {code}".strip()
    contact = err.get("contact") or t("gateway.default_contact")
    if code == "gateway_budget_exceeded":
        _fall_back(code, err.get("resets_text"))
        return E.BudgetExceededError(
            t("gateway.budget_exceeded", used=_vnd(err.get("used_vnd")),
              budget=_vnd(err.get("budget_vnd")), resets=err.get("resets_text") or "",
              contact=contact), detail=detail)
    if code == "gateway_class_cap":
        _fall_back(code, err.get("resets_text"))
        return E.BudgetExceededError(
            t("gateway.class_cap", cap=_vnd(err.get("cap_vnd")),
              resets=err.get("resets_text") or "", contact=contact), detail=detail)
    if code == "gateway_paused":
        _fall_back(code)
        return E.LLMError(t("gateway.paused", contact=contact), detail=detail)
    if code == "gateway_rate_limited":
        return E.RateLimitError(t("gateway.rate_limited", seconds=err.get("seconds") or 60,
                                  per_minute=err.get("per_minute") or ""), detail=detail)
    if code == "gateway_busy":
        return E.RateLimitError(t("gateway.busy"), detail=detail)
    if code == "gateway_upstream_rate_limited":
        return E.RateLimitError(t("gateway.upstream_rate_limited"), detail=detail)
    if code == "gateway_upstream_timeout":
        return E.LLMTimeoutError(t("gateway.upstream_timeout"), detail=detail)
    if code in ("gateway_upstream_error", "gateway_upstream_unreachable",
                "gateway_upstream_malformed"):
        return E.ServerError(t("gateway.upstream_error",
                               status=err.get("upstream_status") or status or ""), detail=detail)
    if code == "gateway_upstream_auth":
        return E.AuthError(t("gateway.upstream_auth", contact=contact), detail=detail)
    if status == 403 or code == "gateway_forbidden":
        return E.AuthError(t("gateway.forbidden"), detail=detail)
    return None  # context too long, content refused…: the course's usual mapping


def _fall_back(reason: str, until: str | None = None) -> None:
    """Switch this session to the labelled offline simulation (the lesson goes on)."""
    global _fallback
    _fallback = {"reason": reason, "until": until, "since": time.time()}
    from .. import configure

    configure(backend="offline")


def fallback() -> dict | None:
    return _fallback


def annotate(status: dict) -> dict:
    """Add the class gateway's view to `course.status()`: label, budget left, reset time."""
    global _fallback
    on_gateway = status.get("provider") == PROVIDER and status.get("backend") == "openai"
    if on_gateway:
        _fallback = None  # back on the class AI (course.configure(provider="lop-hoc"))
    if not on_gateway and not _fallback:
        return status
    status = dict(status)
    status["label"] = t("gateway.provider_label")
    if _fallback and not on_gateway:
        status["gateway"] = {"state": "fallback", **_fallback}
        status["note"] = t("gateway.status_fallback")
        return status
    info = me()
    if info is None:
        status["gateway"] = {"state": "unreachable" if _found["kind"] == "hub" else "litellm"}
        status["note"] = t("gateway.status_line_no_budget", model=status.get("model"))
        return status
    status.update(budget_vnd=info["budget_vnd"], spent_vnd=info["spent_vnd"],
                  remaining_vnd=info["remaining_vnd"], resets_at=info["resets_at"],
                  model=info.get("model") or status.get("model"))
    status["gateway"] = {"state": "paused" if info.get("paused") else "on",
                         "user": info.get("user"), "resets_text": info.get("resets_text")}
    status["note"] = t("gateway.status_line", model=status["model"],
                       remaining=_vnd(info["remaining_vnd"]), budget=_vnd(info["budget_vnd"]),
                       resets=info.get("resets_text") or "")
    return status


def gateway_host() -> str | None:
    return urlsplit(_found["base_url"]).netloc if _found else None
