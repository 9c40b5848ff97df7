"""The class AI gateway, seen from a participant's notebook on the workshop hub.

On the hub every single-user server has `JUPYTERHUB_API_TOKEN` (the participant's own hub
token) and, from the spawner, `COURSE_GATEWAY_URL`. With both, the course talks to the class
gateway (hub/gateway) with no key pasted: `discover` turns them into a `Gateway` value that
the settings carry (`Settings.gateway`), the HTTP client below adds the token to each request
to the gateway (read from the environment at request time: it never sits in the settings, a
status or an error), and `translate` turns the gateway's refusals into the course's errors.

A hub running `jupyterhub-litellm` works the same way: LITELLM_API_BASE + LITELLM_API_KEY.

When the class budget is spent, the instructor pauses AI or the gateway cannot be reached,
`translate` returns a `FallsBack` error; the client pipeline (course/llm/client.py) then moves
the session to the labelled offline simulation, so the lesson goes on. Nothing here keeps
state between calls: every function gets the `Gateway` it works for.

This module imports nothing from course.config or the session (config imports it), so the
import graph has no cycle.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from ..i18n import t
from . import errors as E
from . import provider_errors

PROVIDER = "lop-hoc"  # provider name in settings and status
DEFAULT_MODEL = "gpt-4o-mini"
NOTICE_AFTER = 3.0  # seconds before a waiting participant is told why


@dataclass(frozen=True)
class Gateway:
    """The class AI gateway this notebook found in its environment."""

    base_url: str
    kind: str  # "hub" (hub/gateway) or "litellm" (jupyterhub-litellm)
    model: str
    # The environment it was found in: the token is read from it for each request.
    env: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    def serves(self, base_url: str | None) -> bool:
        return bool(base_url) and str(base_url).rstrip("/") == self.base_url

    def token(self) -> str:
        name = "LITELLM_API_KEY" if self.kind == "litellm" else "JUPYTERHUB_API_TOKEN"
        return self.env.get(name, "")

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).netloc


def discover(env: Mapping[str, str]) -> Gateway | None:
    """The class gateway from the environment `env`, or None. No side effect."""
    url, token = env.get("COURSE_GATEWAY_URL"), env.get("JUPYTERHUB_API_TOKEN")
    if url and token:
        return Gateway(url.rstrip("/"), "hub",
                       env.get("COURSE_GATEWAY_MODEL") or DEFAULT_MODEL, env)
    if env.get("LITELLM_API_BASE") and env.get("LITELLM_API_KEY"):
        base = env["LITELLM_API_BASE"].rstrip("/")
        return Gateway(base if base.endswith("/v1") else base + "/v1", "litellm",
                       env.get("COURSE_GATEWAY_MODEL") or env.get("LITELLM_MODEL")
                       or DEFAULT_MODEL, env)
    return None


def serving(gateway: Gateway | None, base_url: str | None) -> Gateway | None:
    """`gateway` when `base_url` is the class gateway's, else None."""
    return gateway if gateway is not None and gateway.serves(base_url) else None


def lesson_tag(env: Mapping[str, str]) -> str:
    """The notebook being run ("02_viet_prompt"), so the instructor sees lessons, not files."""
    name = env.get("COURSE_LESSON") or env.get("JPY_SESSION_NAME") or ""
    return Path(name).stem[:60] if name else ""


def _headers(gateway: Gateway) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {gateway.token()}"}
    tag = lesson_tag(gateway.env)
    if tag:
        headers["X-Course-Lesson"] = tag.encode("ascii", "ignore").decode() or "lesson"
    return headers


# --------------------------------------------------------------------------- HTTP client
def http_client(gateway: Gateway | None):  # -> httpx.Client | None
    """An HTTP client for the openai SDK that signs each request to `gateway`."""
    if gateway is None:
        return None
    import openai

    def sign(request) -> None:  # httpx request hook
        if gateway.serves(str(request.url).split("/chat/")[0].split("/models")[0]):
            request.headers.update(_headers(gateway))

    return openai.DefaultHttpxClient(event_hooks={"request": [sign]})


def me(gateway: Gateway | None, timeout: float = 3.0) -> dict | None:
    """The participant's budget and the class queue from the gateway (None if unreachable)."""
    if gateway is None or gateway.kind != "hub":
        return None
    import httpx

    try:
        resp = httpx.get(gateway.base_url + "/me", timeout=timeout,
                         headers={"Authorization": f"Bearer {gateway.token()}"})
    except httpx.HTTPError:
        return None
    return resp.json() if resp.status_code == 200 else None


def report_quiz(quiz: str, right: int, total: int, *, wait: bool = True,
                gateway: Gateway | None = None) -> bool:
    """Tell the instructors' page a quiz score (on the hub's gateway; elsewhere nothing).

    `gateway` defaults to the one this process's environment names. `wait=False` sends it
    from a background thread, started here, so a click never waits for the network.
    """
    gateway = gateway or discover(os.environ)
    if gateway is None or gateway.kind != "hub":
        return False
    if not wait:
        threading.Thread(target=report_quiz, args=(quiz, right, total),
                         kwargs={"gateway": gateway}, daemon=True).start()
        return True
    import httpx

    try:
        resp = httpx.post(gateway.base_url + "/quiz", headers=_headers(gateway), timeout=5,
                          json={"quiz": quiz, "right": right, "total": total})
    except httpx.HTTPError:
        return False
    return resp.status_code == 200


def waiting_text(gateway: Gateway) -> str:
    """Why a participant waits (the class queue or the provider), from the gateway's /me."""
    info = me(gateway, timeout=2.0)
    queue = (info.get("queue") if isinstance(info, dict) else None) or {}
    if queue.get("you_waiting"):
        return t("gateway.waiting_queue", waiting=queue.get("waiting", 0),
                 limit=queue.get("limit", 0))
    if queue.get("upstream_retry_in"):
        return t("gateway.waiting_upstream", seconds=round(queue["upstream_retry_in"]))
    return t("gateway.waiting_slow")


class WaitNotice:
    """After NOTICE_AFTER seconds without an answer, `notify(waiting_text(gateway))` once.

    The client pipeline starts one explicitly around a call to a hub's gateway and cancels
    it when the answer starts; `notify` is the pipeline's own way of telling the participant.
    """

    def __init__(self, gateway: Gateway | None, notify: Callable[[str], None],
                 after: float | None = None) -> None:
        self._timer: threading.Timer | None = None
        if gateway is not None and gateway.kind == "hub":
            self._timer = threading.Timer(NOTICE_AFTER if after is None else after,
                                          lambda: notify(waiting_text(gateway)))
            self._timer.daemon = True

    def start(self) -> WaitNotice:
        if self._timer is not None and not self._timer.ident and not self._timer.finished.is_set():
            self._timer.start()  # once; never after a cancel
        return self

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()


# --------------------------------------------------------------------------- errors
class FallsBack(E.LLMError):
    """The class AI refused for now (budget, class cap, pause) or cannot be reached: the
    client pipeline moves the session to the simulation. `reason` is the gateway's code."""

    reason: str = ""
    until: str | None = None  # when the class AI is back ("00:00 ngày 30/11/2026"), if known


class BudgetSpent(FallsBack, E.BudgetExceededError):
    pass


class Paused(FallsBack):
    pass


class Unreachable(FallsBack, E.LLMConnectionError):
    pass


def _falls_back(error: FallsBack, reason: str, until: object = None) -> FallsBack:
    error.reason, error.until = reason, (str(until) if until else None)
    return error


def _vnd(x: object) -> str:
    from ..numbers import money

    try:
        return money(float(x or 0))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(x)


def translate(exc: Exception, gateway: Gateway | None) -> E.LLMError | None:
    """The course error for a failure talking to `gateway`; None if not the gateway's own.

    A pure mapping: the session is left as it is (the pipeline decides on `FallsBack`)."""
    if gateway is None:
        return None
    import openai

    if isinstance(exc, openai.APIConnectionError) and not isinstance(exc, openai.APITimeoutError):
        return _falls_back(Unreachable(t("gateway.unreachable"), detail="gateway unreachable"),
                           "unreachable")
    if not isinstance(exc, openai.APIError):
        return None
    status = getattr(exc, "status_code", None)
    err = provider_errors.parse(exc.body, status).fields  # the gateway's code and figures
    code = str(err.get("code") or "")
    detail = f"HTTP {status} {code}".strip()
    contact = err.get("contact") or t("gateway.default_contact")
    if code == "gateway_budget_exceeded":
        return _falls_back(BudgetSpent(
            t("gateway.budget_exceeded", used=_vnd(err.get("used_vnd")),
              budget=_vnd(err.get("budget_vnd")), resets=err.get("resets_text") or "",
              contact=contact), detail=detail), code, err.get("resets_text"))
    if code == "gateway_class_cap":
        return _falls_back(BudgetSpent(
            t("gateway.class_cap", cap=_vnd(err.get("cap_vnd")),
              resets=err.get("resets_text") or "", contact=contact), detail=detail),
            code, err.get("resets_text"))
    if code == "gateway_paused":
        return _falls_back(Paused(t("gateway.paused", contact=contact), detail=detail), code)
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


_BUDGET_FIELDS = {"budget_vnd", "spent_vnd", "remaining_vnd", "resets_at"}


def annotate(status: dict, gateway: Gateway | None, fallback: dict | None) -> dict:
    """Add the class gateway's view to `course.status()`: label, budget left, reset time.

    `fallback` is the session's record of why it went to the simulation, if it did."""
    on_gateway = status.get("provider") == PROVIDER and status.get("backend") == "openai"
    if status.get("backend") != "offline":
        fallback = None  # on a real model again (the class AI or the participant's own)
    if not on_gateway and not fallback:
        return status
    status = dict(status)
    status["label"] = t("gateway.provider_label")
    if fallback:
        status["gateway"] = {"state": "fallback", **fallback}
        status["note"] = t("gateway.status_fallback")
        return status
    info = me(gateway)
    if not isinstance(info, dict) or not _BUDGET_FIELDS <= set(info):  # unreachable, or not
        hub = gateway is not None and gateway.kind == "hub"
        status["gateway"] = {"state": "unreachable" if hub else "litellm"}
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
