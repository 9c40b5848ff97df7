"""Tornado application: the chat-completions API for participants, the page for instructors."""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import hashlib
import importlib.util
import json
import logging
import os
import re
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path

import aiohttp
from jupyterhub.services.auth import HubOAuth, HubOAuthCallbackHandler, HubOAuthenticated
from jupyterhub.utils import url_path_join
from tornado import ioloop, web
from tornado.iostream import StreamClosedError

from . import dashboard, periods
from .config import GatewayConfig, from_env
from .limits import InFlight, RateLimiter, Reservation, Reservations
from .store import Store
from .upstream import Upstream, UpstreamError
from .validate import BadRequest, parse_json
from .work import Examined, Examiner, count_tokens

log = logging.getLogger("ai-gateway")
# Parameters forwarded upstream; anything else (tools, n, logit_bias, user…) is dropped.
FORWARD = ("temperature", "max_tokens", "max_completion_tokens", "top_p", "stop", "seed",
           "response_format", "presence_penalty", "frequency_penalty")
PRICED_UPSTREAMS = ("openai", "gemini", "litellm")
_LESSON = re.compile(r"[^\w.\-]+")
DRAIN_BYTES = 64 * 1024 * 1024  # an oversized body is read and dropped up to this, then cut
QUIZ_BODY_BYTES = 4096
# models that take `max_completion_tokens` and refuse `max_tokens`
_COMPLETION_TOKENS_MODELS = re.compile(r"^(o\d|gpt-5)")
# the course's quizzes, from the installed `course` package (found, not imported)
QUIZ_DIR = Path(importlib.util.find_spec("course").submodule_search_locations[0],
                "data", "quizzes")
Clock = Callable[[], float]  # seconds since the epoch: time.time, or a test's own clock


def cost_vnd(cfg: GatewayConfig, model: str, tokens_in: int, tokens_out: int) -> float:
    """Cost in đồng from the course's price table (unlisted local models cost nothing)."""
    from course.llm.usage import cost_vnd as course_cost

    return float(course_cost(tokens_in, tokens_out, model, usd_to_vnd=cfg.usd_to_vnd))


def held_prompt_tokens(tokens_in: int, model: str) -> int:
    """Prompt tokens to hold: the count itself where tiktoken is the model's own tokenizer
    (OpenAI's), with a margin where it only stands in for another one (Gemini, Qwen…)."""
    from course.llm.tokens import encoding_name_for

    return tokens_in if encoding_name_for(model)[1] else int(tokens_in * 1.5) + 16


def max_output(params: dict, cfg: GatewayConfig) -> int:
    return int(params.get("max_completion_tokens") or params.get("max_tokens")
               or cfg.default_max_tokens)


def cache_key(body: dict) -> str:
    parts = {k: body.get(k) for k in ("model", "messages", *FORWARD)}
    blob = json.dumps(parts, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def creative(up: dict) -> bool:
    """A request asking for variety (temperature > 0): the cache keeps several answers."""
    return (up.get("temperature") or 0) > 0


def upstream_body(seen: Examined, cfg: GatewayConfig) -> dict:
    """What the provider gets: the class model, the checked messages, the allowed parameters
    and always a cap on the answer's tokens (the worst case held must be a real cap)."""
    model = seen.model
    up = {"model": model, "messages": seen.request.messages, **seen.request.params}
    if "max_tokens" not in up and "max_completion_tokens" not in up:
        cap = ("max_completion_tokens" if _COMPLETION_TOKENS_MODELS.match(model)
               else "max_tokens")
        up[cap] = cfg.default_max_tokens
    if seen.messages_json is not None:
        up["messages_json"] = seen.messages_json  # encoded by the worker (upstream.encode)
    return up


def worst_case_vnd(cfg: GatewayConfig, seen: Examined, up: dict) -> float:
    """The most this call can cost: its prompt (with a margin where tiktoken only stands in
    for the model's tokenizer) and the answer's token cap, at the model's price."""
    return cost_vnd(cfg, seen.model, held_prompt_tokens(seen.tokens_in, seen.model),
                    max_output(up, cfg))


@dataclass(frozen=True)
class Refusal:
    """A request turned away before it costs anything, as the API error it is answered with."""

    status: int
    code: str
    message: str
    fields: dict = field(default_factory=dict)
    retry_after: float | None = None


class Gateway:
    """State shared by the handlers: settings, store, limits, upstream, hub look-ups.

    `clock` (seconds since the epoch) decides the class period and stamps the records: the
    service uses time.time; tests pass their own to cross a class day without waiting."""

    def __init__(self, cfg: GatewayConfig, clock: Clock = time.time) -> None:
        self.cfg = cfg
        self.clock = clock
        self.store = Store(cfg.db_path, clock=clock)
        if cfg.budgets_file and cfg.budgets_file.exists():
            self.store.load_roster_budgets(cfg.budgets_file)
        if not self.store.has_switch("store_prompts"):
            self.store.set_switch("store_prompts", cfg.store_prompts)
        self.limiter = RateLimiter(cfg.rate_per_minute)
        self.quiz_limiter = RateLimiter(cfg.quiz_per_minute)
        self.inflight = InFlight(cfg.max_in_flight)
        self.holds = Reservations()
        self.examiner = Examiner(cfg.scan_workers)  # large bodies: parsed, counted elsewhere
        self.quizzes = load_quizzes(QUIZ_DIR)
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

    def period(self) -> tuple[str, float]:
        """The class period now: its id and when it ends (epoch seconds)."""
        return periods.period(self.cfg, self.clock())

    def next_variant(self, variants: list[dict]) -> dict:
        """One of a cached request's answers, each in turn (a class asking for variety gets
        different answers, not the same one forty times)."""
        return variants[next(self._rotation) % len(variants)]

    def gate(self, user: str) -> Refusal | None:
        """The instructor's pause and the participant's rate limit (before any budget)."""
        cfg = self.cfg
        if self.store.switch("paused"):
            return Refusal(503, "gateway_paused", "paused by the instructor",
                           {"contact": cfg.contact})
        wait = self.limiter.check(user)
        if wait:
            return Refusal(429, "gateway_rate_limited", "too many requests",
                           {"seconds": round(wait), "per_minute": cfg.rate_per_minute},
                           retry_after=wait)
        return None

    def admit(self, user: str, worst_vnd: float, pid: str, resets: float
              ) -> Reservation | Refusal:
        """Check the participant's and the class's budget for period `pid` and hold the
        call's worst case against both, in one synchronous step: no other call can be
        admitted between this one's check and its hold."""
        cfg = self.cfg
        spent, held = self.store.spent(pid, user), self.holds.held(pid, user)
        budget = self.budget_for(user)
        when = {"resets_at": resets, "resets_text": periods.local_text(cfg, resets),
                "contact": cfg.contact}
        if spent + held >= budget:
            return Refusal(402, "gateway_budget_exceeded", "budget spent",
                           {"used_vnd": round(spent + held), "budget_vnd": round(budget),
                            **when})
        if cfg.class_cap_vnd and (self.store.class_spent(pid) + self.holds.held_class(pid)
                                  >= cfg.class_cap_vnd):
            return Refusal(402, "gateway_class_cap", "class budget spent",
                           {"cap_vnd": round(cfg.class_cap_vnd), **when})
        return self.holds.hold(pid, user, worst_vnd)

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
        pid, resets = self.period()
        budget, spent = self.budget_for(user), self.store.spent(pid, user)
        held = self.holds.held(pid, user)  # calls on their way, at their worst case
        return {
            "user": user, "model": cfg.model, "models": list(cfg.all_models),
            "budget_vnd": budget, "spent_vnd": round(spent, 2), "held_vnd": round(held, 2),
            "remaining_vnd": round(max(0.0, budget - spent - held), 2), "period": pid,
            "resets_at": resets, "resets_text": periods.local_text(cfg, resets),
            "paused": self.store.switch("paused"), "contact": cfg.contact,
            "class_cap_reached": bool(cfg.class_cap_vnd
                                      and self.store.class_spent(pid) >= cfg.class_cap_vnd),
            "queue": self.inflight.state_for(user),
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

    def refuse(self, refusal: Refusal) -> None:
        self.fail(refusal.status, refusal.code, refusal.message,
                  retry_after=refusal.retry_after, retry=False, **refusal.fields)

    def write_error(self, status_code: int, **kwargs: object) -> None:
        code = "gateway_forbidden" if status_code == 403 else "gateway_error"
        self.fail(status_code, code, "not allowed" if status_code == 403 else "error",
                  retry=False)

    def participant(self) -> str:
        user = self.current_user
        if not user or user.get("kind", "user") != "user":
            raise web.HTTPError(403)
        return user["name"]

    def lesson(self) -> str:
        """The lesson the course library names in X-Course-Lesson, as a short plain tag
        (the participant's input: letters, digits, '.', '-' and '_' only)."""
        return _LESSON.sub("", self.request.headers.get("X-Course-Lesson", ""))[:60]


class Models(API):
    def get(self) -> None:
        self.participant()
        self.finish({"object": "list", "data": [
            {"id": m, "object": "model", "owned_by": "class-gateway"}
            for m in self.gw.cfg.all_models]})


class Me(API):
    def get(self) -> None:
        self.finish(self.gw.me(self.participant()))


class BoundedBody(API):
    """A body read in pieces and never kept beyond `limit` bytes: above it, a 413 in
    Vietnamese that says how to shorten, sent as soon as the headers announce the size (the
    rest is read and dropped, so the participant's client sees the answer, not a reset)."""

    def body_limit(self) -> int:
        return self.gw.cfg.max_body_bytes

    async def prepare(self) -> None:
        self._chunks: list[bytes] = []
        self._size = 0
        self._too_big = False
        limit = self.body_limit()
        self.request.connection.set_max_body_size(DRAIN_BYTES)
        self.request.connection.set_body_timeout(120)
        try:
            length = int(self.request.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        if length > limit:
            self._too_big = True
            return self.refuse_size(length)
        await super().prepare()

    def data_received(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._too_big:
            return  # dropped: read only so the connection can deliver our answer
        if self._size > self.body_limit():
            self._too_big = True
            self._chunks = []
            return
        self._chunks.append(chunk)

    def body(self) -> bytes:
        return b"".join(self._chunks)

    def refuse_size(self, size: int) -> None:
        limit = self.body_limit()
        self.fail(413, "gateway_body_too_large", size_text(size, limit), retry=False,
                  limit_bytes=limit)


def size_text(size: int, limit: int) -> str:
    def kb(n: int) -> str:
        if n < 1024 * 1024:
            return f"{max(1, round(n / 1024))} KB"
        return f"{n / 1024 / 1024:.1f}".replace(".", ",").removesuffix(",0") + " MB"

    got = f"({kb(size)}) " if size else ""
    return (f"Yêu cầu quá lớn {got}— AI của lớp nhận tối đa {kb(limit)} mỗi lần. Hãy rút "
            "ngắn: chỉ dán phần văn bản cần hỏi, chia tài liệu dài thành nhiều phần và hỏi "
            "từng phần, hoặc bắt đầu cuộc trò chuyện mới thay vì gửi lại cả lịch sử dài.")


def load_quizzes(folder: Path) -> dict[str, int]:
    """The course's quizzes: title (and file name, e.g. "02") → number of questions."""
    known: dict[str, int] = {}
    for path in sorted(folder.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            n = len(data["questions"])
        except (OSError, ValueError, KeyError, TypeError):
            log.warning("quiz file %s unreadable", path.name)
            continue
        known[path.stem] = n
        if isinstance(data.get("title"), str):
            known[data["title"].strip()[:80]] = n
    return known


@web.stream_request_body
class Quiz(BoundedBody):
    """A lesson's quiz reports the participant's score (shown on the instructors' page).

    The score is the participant's own claim, so the server checks what it can: the quiz is
    one of the course's, its number of questions is the quiz's own, and a participant
    reports at most `quiz_per_minute` results a minute.
    """

    def body_limit(self) -> int:
        return QUIZ_BODY_BYTES

    def post(self) -> None:
        if self._too_big:
            return self.refuse_size(self._size)
        user = self.participant()
        wait = self.gw.quiz_limiter.check(user)
        if wait:
            return self.fail(429, "gateway_rate_limited", "too many quiz results",
                             retry_after=wait, retry=False, seconds=round(wait),
                             per_minute=self.gw.cfg.quiz_per_minute)
        try:
            body = parse_json(self.body())
            if not isinstance(body, dict):
                raise BadRequest("Kết quả trắc nghiệm phải là một đối tượng JSON.")
            quiz, right, total = body.get("quiz"), body.get("right"), body.get("total")
            if not isinstance(quiz, str) or not quiz.strip():
                raise BadRequest("Thiếu tên bài trắc nghiệm ('quiz').", "quiz")
            quiz = quiz.strip()[:80]
            most = self.gw.quizzes.get(quiz)
            if most is None:
                raise BadRequest("Bài trắc nghiệm này không có trong khoá học.", "quiz")
            if any(isinstance(v, bool) or not isinstance(v, int) for v in (right, total)) \
                    or total != most or not 0 <= right <= total:
                raise BadRequest(f"Điểm không hợp lệ: bài này có {most} câu.", "right")
        except BadRequest as err:
            return self.fail(400, "gateway_bad_request", err.message, retry=False,
                             field=err.field)
        self.gw.store.add_quiz(user, self.lesson(), quiz, right, total)
        self.finish({"ok": True})


@web.stream_request_body
class Chat(BoundedBody):
    """One chat completion: checked, held against the budgets, answered, settled.

    Budget by reservation: before a call goes upstream its worst case (prompt tokens plus
    the answer's token cap, at the model's price) is held against the participant's and the
    class's budget; the hold becomes the real cost when the answer ends, however it ends
    (finished, client gone, upstream error, timeout): `_settle` runs exactly once per call.
    """

    async def post(self) -> None:
        self._hold: Reservation | None = None
        self._settled = False
        self._record_base: dict = {}
        self._tokens_in = 0
        self._pieces: list[str] = []
        self._started = time.perf_counter()
        try:
            await self._post()
        finally:
            if self._record_base and not self._settled:
                # cancelled or an unexpected exception: what was received is what it cost
                self._settle(*self._estimate(), status=499, error="gateway_interrupted")
            if self._hold is not None:
                self._hold.release()

    async def _post(self) -> None:
        """The request's path, top to bottom: each step answers and stops, or hands on."""
        # 1. read: a body within its limit, from a participant
        if self._too_big:
            return self.refuse_size(self._size)
        user = self.participant()
        gw = self.gw
        # 2. examine: parse, check the schema, count tokens, scan for personal data
        seen = await self._examine(user)
        if seen is None:
            return
        # 3. gate: the instructor's pause, the participant's rate
        refusal = gw.gate(user)
        if refusal is not None:
            return self.refuse(refusal)
        # 4. upstream body: the class model, allowed parameters, a real cap on the answer
        up = upstream_body(seen, gw.cfg)
        # 5. admit: both budgets checked and the worst case held, with no await between
        pid, resets = gw.period()
        admitted = gw.admit(user, worst_case_vnd(gw.cfg, seen, up), pid, resets)
        if isinstance(admitted, Refusal):
            return self.refuse(admitted)
        self._hold = admitted
        lesson = self.lesson()
        self._record_base = {"period": pid, "user": user, "lesson": lesson,
                             "model": seen.model, "stream": int(seen.request.stream)}
        if seen.stored is not None:  # masked, and only when the instructor turned it on
            gw.store.add_prompt(user, lesson, seen.stored)
        # 6. cache: the class's earlier answer (a personal request is never kept nor shared)
        key = "" if seen.personal else cache_key(up)
        if await self._from_cache(up, key, seen.request.stream):
            return
        # 7. forward: the provider answers; `_settle` records the real cost exactly once
        await self._forward_once(up, key, seen.request.stream)

    async def _examine(self, user: str) -> Examined | None:
        """The checked request, or None after answering 400. Large bodies are parsed,
        counted and scanned in a worker process, never on the event loop (work.py)."""
        gw, cfg = self.gw, self.gw.cfg
        raw, self._chunks = self.body(), []
        seen = await gw.examiner.examine(user, raw, cfg.all_models, cfg.scan_chars,
                                         gw.store.switch("store_prompts"))
        del raw
        if seen.request is None:
            message, field_name = seen.error or ("", "")
            self.fail(400, "gateway_bad_request", message, retry=False, field=field_name)
            return None
        self._tokens_in = seen.tokens_in
        return seen

    async def _from_cache(self, up: dict, key: str, stream: bool) -> bool:
        """Answer from the class cache if it can (True), settling at no cost."""
        if not key:
            return False
        gw = self.gw
        if not creative(up) and key in gw.pending:
            # the same request is on its way for someone else (a whole class running the
            # same cell): wait for that answer instead of paying for it again
            await asyncio.shield(gw.pending[key])
        variants = gw.store.cache_variants(key)
        if not variants or (creative(up) and len(variants) < gw.cfg.cache_variants):
            return False
        hit = gw.next_variant(variants)
        gw.cache_hits += 1
        self.set_header("X-Gateway-Cache", "hit")
        self._settle(hit["tokens_in"], hit["tokens_out"], 0.0, saved=hit["cost_vnd"],
                     cached=1)
        with contextlib.suppress(StreamClosedError):
            await self._answer_cached(hit, up["model"], stream)
        return True

    async def _forward_once(self, up: dict, key: str, stream: bool) -> None:
        """Forward; the first of identical requests tells the others when its answer is in."""
        gw = self.gw
        leader = bool(key) and not creative(up) and key not in gw.pending
        if leader:
            gw.pending[key] = asyncio.get_running_loop().create_future()
        try:
            await self._forward(up, key, stream)
        finally:
            if leader:
                gw.pending.pop(key).set_result(None)

    async def _forward(self, up: dict, key: str, stream: bool) -> None:
        gw, cfg, user = self.gw, self.gw.cfg, self._record_base["user"]
        try:
            queued = await gw.inflight.acquire(user, cfg.queue_timeout)
        except TimeoutError:
            self._settle(0, 0, 0.0, status=503, error="gateway_busy")
            return self.fail(503, "gateway_busy", "class queue full", retry_after=10,
                             retry=False)
        self._record_base["queued"] = round(queued, 4)
        self.set_header("X-Gateway-Cache", "miss")
        try:
            if stream:
                await self._stream(up, key)
            else:
                await self._complete(up, key)
        except UpstreamError as err:
            # received so far is what the provider bills; a timeout had the prompt read
            t_in, t_out, cost = self._estimate(prompt=err.code == "gateway_upstream_timeout")
            self._settle(t_in, t_out, cost, status=err.status, error=err.code)
            log.warning("upstream failure user=%s code=%s upstream_status=%s", user, err.code,
                        err.upstream_status)
            with contextlib.suppress(StreamClosedError):
                if self._headers_written:
                    self.write("data: " + json.dumps({"error": {"message": "upstream failed",
                                                                "code": err.code}}) + "\n\n")
                    return self.finish()
                return self.fail(err.status, err.code, "upstream failed",
                                 upstream_status=err.upstream_status, retry=False)
        except StreamClosedError:  # the participant hung up part way: settle what was sent
            self._settle(*self._estimate(), status=499, error="client_gone")
            log.info("client gone mid-stream user=%s", user)
        finally:
            gw.inflight.release()

    def _estimate(self, prompt: bool = True) -> tuple[int, int, float]:
        """Tokens and cost of an answer that ended early: the prompt and what arrived."""
        model = self._record_base["model"]
        text = "".join(self._pieces)
        if not text and not prompt:
            return 0, 0, 0.0
        t_out = count_tokens([], text, model)[1] if text else 0
        return self._tokens_in, t_out, cost_vnd(self.gw.cfg, model, self._tokens_in, t_out)

    def _settle(self, tokens_in: int, tokens_out: int, cost: float, saved: float = 0.0,
                cached: int = 0, status: int = 200, error: str = "") -> None:
        """Record the call's real cost and give its hold back, in one step, once."""
        if self._settled:
            return
        self._settled = True
        rec = {**self._record_base, "ts": self.gw.clock(), "tokens_in": tokens_in,
               "tokens_out": tokens_out, "cost_vnd": cost, "saved_vnd": saved,
               "cached": cached, "status": status, "error": error,
               "seconds": round(time.perf_counter() - self._started, 4)}
        rec.setdefault("queued", 0.0)
        self.gw.store.add_usage(**rec)
        if self._hold is not None:
            self._hold.release()
        log.info("chat user=%s lesson=%s model=%s in=%d out=%d cost=%.2f cached=%d status=%d%s",
                 rec["user"], rec["lesson"] or "-", rec["model"], tokens_in, tokens_out, cost,
                 cached, status, f" error={error}" if error else "")

    def _finish_call(self, up: dict, key: str, text: str, usage: dict | None) -> None:
        model = up["model"]
        if usage and usage.get("prompt_tokens") is not None:
            t_in, t_out = int(usage["prompt_tokens"]), int(usage.get("completion_tokens") or 0)
        else:
            t_in, t_out = self._tokens_in, count_tokens([], text, model)[1]
        cost = cost_vnd(self.gw.cfg, model, t_in, t_out)
        self._settle(t_in, t_out, cost)
        if key and text:
            self.gw.store.cache_put(key, text, model, t_in, t_out, cost,
                                    self.gw.cfg.cache_variants if creative(up) else 1)

    async def _complete(self, up: dict, key: str) -> None:
        data = await self.gw.upstream.complete(up, self._record_base["user"])
        try:
            text = data["choices"][0]["message"]["content"] or ""
        except (KeyError, IndexError, TypeError):
            text = ""
        self._pieces.append(text if isinstance(text, str) else "")
        self._finish_call(up, key, self._pieces[0], data.get("usage"))
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(data, ensure_ascii=False))

    async def _stream(self, up: dict, key: str) -> None:
        body = dict(up, stream=True)
        if self.gw.cfg.upstream in PRICED_UPSTREAMS:
            body["stream_options"] = {"include_usage": True}  # exact tokens for the budget
        usage = None
        # aclosing: leaving early (client gone) closes the upstream response at once, so
        # the provider stops generating what nobody will read
        async with contextlib.aclosing(
                self.gw.upstream.stream(body, self._record_base["user"])) as lines:
            async for line in lines:
                if not self._headers_written:
                    self._sse_headers()
                if line.startswith("data:") and line[5:].strip() != "[DONE]":
                    try:
                        chunk = json.loads(line[5:])
                        usage = chunk.get("usage") or usage
                        for choice in chunk.get("choices") or []:
                            piece = (choice.get("delta") or {}).get("content")
                            if isinstance(piece, str):
                                self._pieces.append(piece)
                    except (ValueError, AttributeError, TypeError):
                        pass
                self.write(line + "\n")
                if not line:
                    await self.flush()
        self._finish_call(up, key, "".join(self._pieces), usage)
        await self.finish()

    def _sse_headers(self) -> None:
        self.set_header("Content-Type", "text/event-stream; charset=utf-8")
        self.set_header("Cache-Control", "no-cache")
        self.set_header("X-Accel-Buffering", "no")

    async def _answer_cached(self, hit: dict, model: str, stream: bool) -> None:
        usage = {"prompt_tokens": hit["tokens_in"], "completion_tokens": hit["tokens_out"],
                 "total_tokens": hit["tokens_in"] + hit["tokens_out"]}
        created = int(self.gw.clock())
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

    def summary(self, period: str) -> dict:
        """The instructors' figures for "all" days or for today's class period."""
        return dashboard.summary(self.gw, None if period == "all" else self.gw.period()[0])


class Dashboard(Instructor):
    def get(self) -> None:
        period = self.get_argument("period", "today")
        summary = self.summary(period)
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
        self.finish(self.summary(self.get_argument("period", "today")))


class Export(Instructor):
    def get(self, ext: str) -> None:
        summary = self.summary(self.get_argument("period", "all"))
        data, mime = dashboard.export(summary, ext, self.gw.cfg)
        self.set_header("Content-Type", mime)
        self.set_header("Content-Disposition", f'attachment; filename="ai-lop-hoc.{ext}"')
        self.finish(data)


def make_app(cfg: GatewayConfig, clock: Clock = time.time) -> web.Application:
    gw = Gateway(cfg, clock)
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
    # bodies are read in pieces by the handlers, which refuse them above their own limit
    app.listen(cfg.port, cfg.ip, xheaders=True, max_body_size=DRAIN_BYTES,
               idle_connection_timeout=300)
    log.info("class AI gateway on %s:%d%s, upstream %s, model %s, budget %.0f đ/day",
             cfg.ip, cfg.port, cfg.prefix, cfg.upstream, cfg.model, cfg.budget_vnd)
    app.gateway.examiner.warm()  # type: ignore[attr-defined]
    loop = ioloop.IOLoop.current()
    for sig in (signal.SIGTERM, signal.SIGINT):  # the hub stops its services with these
        # the event loop never runs a large body's work itself (work.py), so it sees this
        # at once
        signal.signal(sig, lambda *_: loop.add_callback_from_signal(loop.stop))
    loop.start()
    gw = app.gateway  # type: ignore[attr-defined]
    gw.examiner.shutdown()
    loop.run_sync(gw.upstream.close)
    log.info("class AI gateway stopped")
