"""Tornado application: the chat-completions API for participants, the page for instructors."""

from __future__ import annotations

import asyncio
import fnmatch
import hashlib
import json
import logging
import os
import re
import signal
import time
from itertools import count

import aiohttp
from jupyterhub.services.auth import HubOAuth, HubOAuthCallbackHandler, HubOAuthenticated
from jupyterhub.utils import url_path_join
from tornado import ioloop, web

from . import dashboard, periods
from .config import GatewayConfig, from_env
from .limits import InFlight, RateLimiter
from .store import Store
from .upstream import Upstream, UpstreamError

log = logging.getLogger("ai-gateway")
# Parameters forwarded upstream; anything else (tools, n, logit_bias, user…) is dropped.
FORWARD = ("temperature", "max_tokens", "max_completion_tokens", "top_p", "stop", "seed",
           "response_format", "presence_penalty", "frequency_penalty")
PRICED_UPSTREAMS = ("openai", "gemini", "litellm")
_LESSON = re.compile(r"[^\w.\-]+")


def cost_vnd(cfg: GatewayConfig, model: str, tokens_in: int, tokens_out: int) -> float:
    """Cost in đồng from the course's price table (unlisted local models cost nothing)."""
    from course.llm.usage import cost_vnd as course_cost

    return float(course_cost(tokens_in, tokens_out, model, usd_to_vnd=cfg.usd_to_vnd))


def mask(text: str) -> str:
    """The course's own personal-data masking (phones, ID numbers, bank accounts…)."""
    from course.privacy import mask_pii

    return mask_pii(text)


def has_pii(messages: list[dict]) -> bool:
    from course.privacy import find_pii

    return any(find_pii(m["content"]) for m in messages if m["role"] != "assistant")


def count_tokens(messages: list[dict], text: str, model: str) -> tuple[int, int]:
    from course.llm.tokens import count_message_tokens
    from course.llm.tokens import count_tokens as count

    return count_message_tokens(messages, model), count(text, model)


def cache_key(body: dict) -> str:
    parts = {k: body.get(k) for k in ("model", "messages", *FORWARD)}
    blob = json.dumps(parts, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class Gateway:
    """State shared by the handlers: settings, store, limits, upstream, hub look-ups."""

    def __init__(self, cfg: GatewayConfig) -> None:
        self.cfg = cfg
        self.store = Store(cfg.db_path)
        if cfg.budgets_file and cfg.budgets_file.exists():
            self.store.load_roster_budgets(cfg.budgets_file)
        if not self.store.has_switch("store_prompts"):
            self.store.set_switch("store_prompts", cfg.store_prompts)
        self.limiter = RateLimiter(cfg.rate_per_minute)
        self.inflight = InFlight(cfg.max_in_flight)
        self.upstream = Upstream(cfg, self.inflight)
        self.cache_hits = 0
        self._rotation = count()
        self._people: dict[str, tuple[float, dict]] = {}
        self.pending: dict[str, asyncio.Future] = {}  # cache keys being asked upstream now
        self.hub_api = os.environ.get("JUPYTERHUB_API_URL", "")
        self.hub_token = os.environ.get("JUPYTERHUB_API_TOKEN", "")

    def budget_for(self, user: str) -> float:
        override = self.store.budget_override(user)
        return self.cfg.budget_vnd if override is None else override

    def model_for(self, asked: object) -> str:
        """The class model unless the participant named another allowed one.

        Lessons written for OpenAI ("gpt-4o-mini") must also run on a class that uses a LAN
        Ollama, so an unknown name falls back to the class model instead of failing.
        """
        return asked if isinstance(asked, str) and asked in self.cfg.all_models else self.cfg.model

    async def person(self, name: str) -> dict:
        """The hub's user model (admin flag, groups), asked with the service's own token."""
        cached = self._people.get(name)
        if cached and time.monotonic() - cached[0] < 60:
            return cached[1]
        model: dict = {}
        if self.hub_api and self.hub_token:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as s, \
                    s.get(url_path_join(self.hub_api, "users", name),
                          headers={"Authorization": f"token {self.hub_token}"}) as resp:
                if resp.status == 200:
                    model = await resp.json()
        self._people[name] = (time.monotonic(), model)
        return model

    async def is_instructor(self, user: dict) -> bool:
        person = await self.person(user["name"])
        if person.get("admin") or user.get("admin"):
            return True
        groups = set(person.get("groups") or [])
        return any(fnmatch.filter(groups, pattern) for pattern in self.cfg.instructor_groups)

    def me(self, user: str) -> dict:
        cfg = self.cfg
        pid, resets = periods.period(cfg)
        budget, spent = self.budget_for(user), self.store.spent(pid, user)
        return {
            "user": user, "model": cfg.model, "models": list(cfg.all_models),
            "budget_vnd": budget, "spent_vnd": round(spent, 2),
            "remaining_vnd": round(max(0.0, budget - spent), 2), "period": pid,
            "resets_at": resets, "resets_text": periods.local_text(cfg, resets),
            "paused": self.store.switch("paused"), "contact": cfg.contact,
            "class_cap_reached": bool(cfg.class_cap_vnd
                                      and self.store.class_spent(pid) >= cfg.class_cap_vnd),
            "queue": self.inflight.state_for(user),
        }

    def summary(self, period: str | None) -> dict:
        cfg, store = self.cfg, self.store
        pid, resets = periods.period(cfg)
        rows = store.summary(period)
        overrides = store.overrides()
        quizzes = store.quizzes()
        for user in (overrides.keys() | quizzes.keys()) - {r["user"] for r in rows}:
            rows.append({"user": user, "calls": 0, "cached": 0, "errors": 0, "tokens_in": 0,
                         "tokens_out": 0, "cost_vnd": 0.0, "saved_vnd": 0.0, "last_ts": None,
                         "lessons": ""})
        rows.sort(key=lambda r: r["user"])
        for r in rows:
            r["budget_vnd"] = overrides.get(r["user"], cfg.budget_vnd)
            today = store.spent(pid, r["user"])
            r["spent_today_vnd"] = round(today, 2)
            r["remaining_vnd"] = round(max(0.0, r["budget_vnd"] - today), 2)
            r["quizzes"] = quizzes.get(r["user"], "")
        calls = sum(r["calls"] for r in rows)
        cached = sum(r["cached"] for r in rows)
        return {
            "period": period or "all", "current_period": pid, "resets_at": resets,
            "participants": rows,
            "totals": {"calls": calls, "cached": cached, "errors": sum(r["errors"] for r in rows),
                       "tokens_in": sum(r["tokens_in"] for r in rows),
                       "tokens_out": sum(r["tokens_out"] for r in rows),
                       "cost_vnd": round(sum(r["cost_vnd"] for r in rows), 2),
                       "saved_vnd": round(sum(r["saved_vnd"] for r in rows), 2),
                       "cache_hit_rate": round(cached / calls, 4) if calls else 0.0,
                       "class_spent_today_vnd": round(store.class_spent(pid), 2),
                       "class_cap_vnd": cfg.class_cap_vnd},
            "in_flight": {"limit": self.inflight.limit, "peak": self.inflight.peak,
                          "active": self.inflight.active, "waiting": self.inflight.waiting},
            "upstream_calls": self.upstream.calls, "usage_records": store.count_usage(),
            "paused": store.switch("paused"), "store_prompts": store.switch("store_prompts"),
            "prompts_stored": store.prompt_count(), "model": cfg.model,
            "upstream": cfg.upstream, "budget_vnd": cfg.budget_vnd,
        }


class Base(HubOAuthenticated, web.RequestHandler):
    """Identifies the hub user asynchronously (token header or the OAuth cookie)."""

    def initialize(self, gw: Gateway) -> None:
        self.gw = gw

    async def prepare(self) -> None:
        model = await self.hub_auth.get_user(self, sync=False)
        if model:
            try:
                model = self.check_hub_user(model)
            except Exception:  # UserNotAllowed: a valid token without access to this service
                model = None
        self.current_user = model

    def log_exception(self, typ, value, tb) -> None:  # type: ignore[override]
        # Tornado's default prints the request with its headers (the participant's token).
        if isinstance(value, web.HTTPError):
            return
        log.error("uncaught %s on %s %s", typ.__name__ if typ else "?", self.request.method,
                  self.request.path)


class API(Base):
    """JSON errors in the chat-completions shape; never a redirect to a login page."""

    def get_login_url(self) -> str:
        raise web.HTTPError(403)

    def fail(self, status: int, code: str, message: str, retry_after: float | None = None,
             retry: bool = True, **extra: object) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        if retry_after is not None:
            self.set_header("Retry-After", str(max(1, round(retry_after))))
        if not retry:
            self.set_header("x-should-retry", "false")  # the openai SDK then does not retry
        self.finish(json.dumps({"error": {"message": message, "type": "gateway", "code": code,
                                          **extra}}, ensure_ascii=False))

    def write_error(self, status_code: int, **kwargs: object) -> None:
        code = "gateway_forbidden" if status_code == 403 else "gateway_error"
        self.fail(status_code, code, "not allowed" if status_code == 403 else "error",
                  retry=False)

    def participant(self) -> str:
        user = self.current_user
        if not user or user.get("kind", "user") != "user":
            raise web.HTTPError(403)
        return user["name"]


class Models(API):
    def get(self) -> None:
        self.participant()
        self.finish({"object": "list", "data": [
            {"id": m, "object": "model", "owned_by": "class-gateway"}
            for m in self.gw.cfg.all_models]})


class Me(API):
    def get(self) -> None:
        self.finish(self.gw.me(self.participant()))


class Quiz(API):
    """A lesson's quiz reports the participant's score (shown on the instructors' page)."""

    def post(self) -> None:
        user = self.participant()
        try:
            body = json.loads(self.request.body or b"{}")
            quiz = str(body["quiz"]).strip()[:80]
            right, total = int(body["right"]), int(body["total"])
            assert quiz and 0 <= right <= total <= 500
        except (ValueError, KeyError, TypeError, AssertionError):
            return self.fail(400, "gateway_bad_request", "quiz, right, total", retry=False)
        lesson = _LESSON.sub("", self.request.headers.get("X-Course-Lesson", ""))[:60]
        self.gw.store.add_quiz(user, lesson, quiz, right, total)
        self.finish({"ok": True})


class Chat(API):
    async def post(self) -> None:
        user = self.participant()
        gw, cfg = self.gw, self.gw.cfg
        started = time.perf_counter()
        try:
            body = json.loads(self.request.body or b"{}")
            messages = [{"role": str(m["role"]), "content": str(m["content"])}
                        for m in body["messages"]]
            assert messages
        except (ValueError, KeyError, TypeError, AssertionError):
            return self.fail(400, "gateway_bad_request", "messages missing", retry=False)
        lesson = _LESSON.sub("", self.request.headers.get("X-Course-Lesson", ""))[:60]
        if gw.store.switch("paused"):
            return self.fail(503, "gateway_paused", "paused by the instructor", retry=False,
                             contact=cfg.contact)
        wait = gw.limiter.check(user)
        if wait:
            return self.fail(429, "gateway_rate_limited", "too many requests", retry_after=wait,
                             retry=False, seconds=round(wait), per_minute=cfg.rate_per_minute)
        pid, resets = periods.period(cfg)
        spent, budget = gw.store.spent(pid, user), gw.budget_for(user)
        if spent >= budget:
            return self.fail(402, "gateway_budget_exceeded", "budget spent", retry=False,
                             used_vnd=round(spent), budget_vnd=round(budget), resets_at=resets,
                             resets_text=periods.local_text(cfg, resets), contact=cfg.contact)
        if cfg.class_cap_vnd and gw.store.class_spent(pid) >= cfg.class_cap_vnd:
            return self.fail(402, "gateway_class_cap", "class budget spent", retry=False,
                             cap_vnd=round(cfg.class_cap_vnd), resets_at=resets,
                             resets_text=periods.local_text(cfg, resets), contact=cfg.contact)

        model = gw.model_for(body.get("model"))
        up = {"model": model, "messages": messages,
              **{k: body[k] for k in FORWARD if body.get(k) is not None}}
        stream = bool(body.get("stream"))
        if gw.store.switch("store_prompts"):
            gw.store.add_prompt(user, lesson, [{"role": m["role"], "content": mask(m["content"])}
                                               for m in messages])
        record = {"period": pid, "user": user, "lesson": lesson, "model": model,
                  "stream": int(stream)}
        key = cache_key(up)
        creative = (up.get("temperature") or 0) > 0
        if key and not creative and key in gw.pending:
            # the same request is on its way for someone else (a whole class running the
            # same cell): wait for that answer instead of paying for it again
            await asyncio.shield(gw.pending[key])
        variants = gw.store.cache_variants(key) if key else []
        if variants and (not creative or len(variants) >= cfg.cache_variants):
            hit = variants[next(gw._rotation) % len(variants)]
            gw.cache_hits += 1
            self.set_header("X-Gateway-Cache", "hit")
            await self._answer_cached(hit, model, stream)
            return self._record(record, started, hit["tokens_in"], hit["tokens_out"], 0.0,
                                hit["cost_vnd"], cached=1)
        if has_pii(messages):  # never kept nor shared: a personal request goes on its own
            key = ""
        leader = bool(key) and not creative and key not in gw.pending
        if leader:
            gw.pending[key] = asyncio.get_running_loop().create_future()
        try:
            await self._forward(up, record, started, key, stream)
        finally:
            if leader:
                gw.pending.pop(key).set_result(None)

    async def _forward(self, up: dict, record: dict, started: float, key: str,
                       stream: bool) -> None:
        gw, cfg, user = self.gw, self.gw.cfg, record["user"]
        try:
            queued = await gw.inflight.acquire(user, cfg.queue_timeout)
        except TimeoutError:
            self._record(record, started, 0, 0, 0.0, 0.0, status=503, error="gateway_busy")
            return self.fail(503, "gateway_busy", "class queue full", retry_after=10,
                             retry=False)
        record["queued"] = round(queued, 4)
        self.set_header("X-Gateway-Cache", "miss")
        try:
            if stream:
                await self._stream(up, record, started, key)
            else:
                await self._complete(up, record, started, key)
        except UpstreamError as err:
            self._record(record, started, 0, 0, 0.0, 0.0, status=err.status, error=err.code)
            log.warning("upstream failure user=%s code=%s upstream_status=%s", user, err.code,
                        err.upstream_status)
            if self._headers_written:
                self.write("data: " + json.dumps({"error": {"message": "upstream failed",
                                                            "code": err.code}}) + "\n\n")
                return self.finish()
            return self.fail(err.status, err.code, "upstream failed",
                             upstream_status=err.upstream_status, retry=False)
        finally:
            gw.inflight.release()

    def _record(self, record: dict, started: float, tokens_in: int, tokens_out: int,
                cost: float, saved: float, cached: int = 0, status: int = 200,
                error: str = "") -> None:
        rec = {**record, "ts": time.time(), "tokens_in": tokens_in, "tokens_out": tokens_out,
               "cost_vnd": cost, "saved_vnd": saved, "cached": cached, "status": status,
               "error": error, "seconds": round(time.perf_counter() - started, 4)}
        rec.setdefault("queued", 0.0)
        self.gw.store.add_usage(**rec)
        log.info("chat user=%s lesson=%s model=%s in=%d out=%d cost=%.2f cached=%d status=%d%s",
                 rec["user"], rec["lesson"] or "-", rec["model"], tokens_in, tokens_out, cost,
                 cached, status, f" error={error}" if error else "")

    def _finish_call(self, record: dict, started: float, up: dict, key: str, text: str,
                     usage: dict | None) -> None:
        model = up["model"]
        if usage and usage.get("prompt_tokens") is not None:
            t_in, t_out = int(usage["prompt_tokens"]), int(usage.get("completion_tokens") or 0)
        else:
            t_in, t_out = count_tokens(up["messages"], text, model)
        cost = cost_vnd(self.gw.cfg, model, t_in, t_out)
        self._record(record, started, t_in, t_out, cost, 0.0)
        if key and text:
            self.gw.store.cache_put(key, text, model, t_in, t_out, cost,
                                    self.gw.cfg.cache_variants if (up.get("temperature") or 0) > 0
                                    else 1)

    async def _complete(self, up: dict, record: dict, started: float, key: str) -> None:
        data = await self.gw.upstream.complete(up, record["user"])
        try:
            text = data["choices"][0]["message"]["content"] or ""
        except (KeyError, IndexError, TypeError):
            text = ""
        self._finish_call(record, started, up, key, text, data.get("usage"))
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(data, ensure_ascii=False))

    async def _stream(self, up: dict, record: dict, started: float, key: str) -> None:
        body = dict(up, stream=True)
        if self.gw.cfg.upstream in PRICED_UPSTREAMS:
            body["stream_options"] = {"include_usage": True}  # exact tokens for the budget
        pieces: list[str] = []
        usage = None
        async for line in self.gw.upstream.stream(body, record["user"]):
            if not self._headers_written:
                self._sse_headers()
            if line.startswith("data:") and line[5:].strip() != "[DONE]":
                try:
                    chunk = json.loads(line[5:])
                    usage = chunk.get("usage") or usage
                    for choice in chunk.get("choices") or []:
                        pieces.append((choice.get("delta") or {}).get("content") or "")
                except (ValueError, AttributeError):
                    pass
            self.write(line + "\n")
            if not line:
                await self.flush()
        self._finish_call(record, started, up, key, "".join(pieces), usage)
        self.finish()

    def _sse_headers(self) -> None:
        self.set_header("Content-Type", "text/event-stream; charset=utf-8")
        self.set_header("Cache-Control", "no-cache")
        self.set_header("X-Accel-Buffering", "no")

    async def _answer_cached(self, hit: dict, model: str, stream: bool) -> None:
        usage = {"prompt_tokens": hit["tokens_in"], "completion_tokens": hit["tokens_out"],
                 "total_tokens": hit["tokens_in"] + hit["tokens_out"]}
        created = int(time.time())
        if not stream:
            self.set_header("Content-Type", "application/json")
            return self.finish(json.dumps({
                "id": "chatcmpl-class-cache", "object": "chat.completion", "created": created,
                "model": model, "usage": usage,
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": hit["text"]}}]},
                ensure_ascii=False))
        self._sse_headers()
        base = {"id": "chatcmpl-class-cache", "object": "chat.completion.chunk",
                "created": created, "model": model}
        for chunk in (
                {**base, "choices": [{"index": 0, "delta": {"role": "assistant",
                                                            "content": hit["text"]},
                                      "finish_reason": None}]},
                {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
                {**base, "choices": [], "usage": usage}):
            self.write("data: " + json.dumps(chunk, ensure_ascii=False) + "\n\n")
        self.write("data: [DONE]\n\n")
        self.finish()


class Instructor(Base):
    """The instructors' page: admins and members of the instructor groups only."""

    async def prepare(self) -> None:
        await super().prepare()
        if not self.current_user:
            # not logged in: send the browser through the hub's OAuth login
            if self.request.method == "GET" and not self.request.headers.get("Authorization"):
                self.redirect(self.get_login_url())
                return
            raise web.HTTPError(403)
        if not await self.gw.is_instructor(self.current_user):
            raise web.HTTPError(403, "instructors only")

    def write_error(self, status_code: int, **kwargs: object) -> None:
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(dashboard.error_page(status_code))


class Dashboard(Instructor):
    def get(self) -> None:
        period = self.get_argument("period", "today")
        summary = self.gw.summary(None if period == "all" else self.gw.me("-")["period"])
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(dashboard.page(summary, self.gw.cfg, self.xsrf_token.decode(), period,
                                   self.gw.store.switch("paused"),
                                   self.gw.store.switch("store_prompts")))

    def post(self) -> None:
        if not getattr(self, "_token_authenticated", False):
            self.hub_auth.check_xsrf_cookie(self)
        action = self.get_argument("action", "")
        store = self.gw.store
        if action in ("pause", "resume"):
            store.set_switch("paused", action == "pause")
        elif action in ("prompts_on", "prompts_off"):
            store.set_switch("store_prompts", action == "prompts_on")
        elif action == "budget":
            user = self.get_argument("user", "").strip()
            raw = self.get_argument("budget_vnd", "").strip().replace(".", "").replace(" ", "")
            if not user or not raw.isdigit():
                raise web.HTTPError(400)
            store.set_budget(user, float(raw))
        else:
            raise web.HTTPError(400)
        log.info("instructor %s: %s", self.current_user["name"], action)
        if self.get_argument("json", ""):
            return self.finish({"ok": True})
        self.redirect(self.gw.cfg.prefix)


class Summary(Instructor):
    def get(self) -> None:
        period = self.get_argument("period", "today")
        self.finish(self.gw.summary(None if period == "all" else self.gw.me("-")["period"]))


class Export(Instructor):
    def get(self, ext: str) -> None:
        period = self.get_argument("period", "all")
        summary = self.gw.summary(None if period == "all" else self.gw.me("-")["period"])
        data, mime = dashboard.export(summary, ext, self.gw.cfg)
        self.set_header("Content-Type", mime)
        self.set_header("Content-Disposition", f'attachment; filename="ai-lop-hoc.{ext}"')
        self.finish(data)


def make_app(cfg: GatewayConfig) -> web.Application:
    gw = Gateway(cfg)
    p = cfg.prefix
    args = {"gw": gw}
    app = web.Application(
        [
            (p + "v1/chat/completions", Chat, args),
            (p + "v1/models", Models, args),
            (p + "v1/me", Me, args),
            (p + "v1/quiz", Quiz, args),
            (p + "oauth_callback", HubOAuthCallbackHandler),
            (p + "api/summary", Summary, args),
            (p + r"export\.(csv|xlsx)", Export, args),
            (p + "?", Dashboard, args),
        ],
        cookie_secret=os.urandom(32),
        hub_auth=HubOAuth.instance(cache_max_age=cfg.auth_cache_seconds),
        log_function=_log_request,
    )
    app.gateway = gw  # type: ignore[attr-defined]
    return app


def _log_request(handler: web.RequestHandler) -> None:
    status = handler.get_status()
    if status >= 400:  # the path only: never the headers (tokens) or the body (prompts)
        log.warning("%d %s %s", status, handler.request.method, handler.request.path)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="[ai-gateway %(levelname)s] %(message)s")
    cfg = from_env()
    app = make_app(cfg)
    app.listen(cfg.port, cfg.ip, xheaders=True)
    log.info("class AI gateway on %s:%d%s, upstream %s, model %s, budget %.0f đ/day",
             cfg.ip, cfg.port, cfg.prefix, cfg.upstream, cfg.model, cfg.budget_vnd)
    loop = ioloop.IOLoop.current()
    for sig in (signal.SIGTERM, signal.SIGINT):  # the hub stops its services with these
        signal.signal(sig, lambda *_: loop.add_callback_from_signal(loop.stop))
    loop.start()
    loop.run_sync(app.gateway.upstream.close)  # type: ignore[attr-defined]
    log.info("class AI gateway stopped")
