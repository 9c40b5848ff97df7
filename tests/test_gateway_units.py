"""The class AI gateway's pieces on their own: class days, limits, settings, discovery."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from multidict import CIMultiDict

from hub.gateway import config, hubconf, periods
from hub.gateway.limits import InFlight, RateLimiter
from hub.gateway.store import Store
from hub.gateway.upstream import retry_after


def ts(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def test_class_day_starts_at_midnight_in_vietnam():
    cfg = config.GatewayConfig()
    # 16:59 UTC is 23:59 in Vietnam: still the 29th; 17:00 UTC is midnight of the 30th.
    assert periods.period(cfg, ts("2026-11-29T16:59:00"))[0] == "2026-11-29"
    pid, resets = periods.period(cfg, ts("2026-11-29T17:00:00"))
    assert pid == "2026-11-30"
    assert resets == ts("2026-11-30T17:00:00")
    assert periods.local_text(cfg, resets) == "00:00 ngày 01/12/2026"


def test_class_day_can_start_at_another_hour():
    cfg = config.from_env({"GATEWAY_RESET_HOUR": "6"})
    # 05:59 local (22:59 UTC the day before) still belongs to the previous class day
    assert periods.period(cfg, ts("2026-11-29T22:59:00"))[0] == "2026-11-29"
    assert periods.period(cfg, ts("2026-11-29T23:00:00"))[0] == "2026-11-30"



class Clock:
    """The gateway's injectable clock, moved by the test (no waiting for a class day)."""

    def __init__(self, when: str) -> None:
        self.now = ts(when)

    def __call__(self) -> float:
        return self.now


def _gateway(tmp_path, clock: Clock, **settings: float):
    from hub.gateway.app import Gateway

    cfg = config.GatewayConfig()
    cfg.db_path = tmp_path / "ai-gateway.sqlite3"
    for name, value in settings.items():
        setattr(cfg, name, value)
    return Gateway(cfg, clock)


def _spend(gw, pid: str, user: str, cost: float) -> None:
    gw.store.add_usage(ts=gw.clock(), period=pid, user=user, lesson="", model="gpt-4o-mini",
                       tokens_in=1, tokens_out=1, cost_vnd=cost, saved_vnd=0.0, cached=0,
                       stream=0, status=200, error="", seconds=0.1, queued=0.0)


def test_budget_turns_with_the_class_day_on_the_gateway_clock(tmp_path):
    from hub.gateway.app import Refusal
    from hub.gateway.limits import Reservation

    clock = Clock("2026-11-29T16:00:00")  # 23:00 in Vietnam
    gw = _gateway(tmp_path, clock, budget_vnd=500)
    pid, resets = gw.period()
    assert (pid, resets) == ("2026-11-29", ts("2026-11-29T17:00:00"))
    calls = [gw.admit("an", 400, pid, resets), gw.admit("an", 400, pid, resets)]
    assert all(isinstance(c, Reservation) for c in calls)  # the second: 400 held < 500
    refused = gw.admit("an", 400, pid, resets)  # 800 held: no third call on its way
    assert isinstance(refused, Refusal) and refused.code == "gateway_budget_exceeded"
    _spend(gw, pid, "an", 600)  # the calls end and cost more than the budget
    for call in calls:
        call.release()
    refused = gw.admit("an", 1, *gw.period())
    assert (refused.status, refused.fields["used_vnd"], refused.fields["budget_vnd"]) == (
        402, 600, 500)
    assert refused.fields["resets_text"] == "00:00 ngày 30/11/2026"
    assert gw.me("an")["remaining_vnd"] == 0
    clock.now = resets  # midnight in Vietnam: a new class day, the budget is back
    assert gw.period()[0] == "2026-11-30"
    fresh = gw.admit("an", 1, *gw.period())
    assert isinstance(fresh, Reservation) and gw.me("an")["remaining_vnd"] == 499
    fresh.release()
    assert gw.me("an")["remaining_vnd"] == 500 and gw.me("an")["period"] == "2026-11-30"


def test_class_cap_stops_everyone_until_the_next_class_day(tmp_path):
    from hub.gateway import dashboard
    from hub.gateway.app import Refusal
    from hub.gateway.limits import Reservation

    clock = Clock("2026-11-30T02:00:00")
    gw = _gateway(tmp_path, clock, budget_vnd=5_000, class_cap_vnd=2_000)
    pid, resets = gw.period()
    _spend(gw, pid, "binh", 1_170)
    _spend(gw, pid, "cuong", 1_170)
    refused = gw.admit("dung", 10, pid, resets)  # dung spent nothing, but the class has
    assert isinstance(refused, Refusal) and refused.code == "gateway_class_cap"
    assert refused.fields["cap_vnd"] == 2_000 and gw.me("dung")["class_cap_reached"]
    today = dashboard.summary(gw, gw.period()[0])
    assert today["totals"]["class_spent_today_vnd"] == 2_340
    clock.now += 86_400
    assert isinstance(gw.admit("dung", 10, *gw.period()), Reservation)
    assert dashboard.summary(gw, gw.period()[0])["totals"]["calls"] == 0  # a new day
    assert dashboard.summary(gw, None)["totals"]["calls"] == 2


def test_gates_pause_then_rate_limit(tmp_path):
    gw = _gateway(tmp_path, Clock("2026-11-30T02:00:00"), rate_per_minute=2)
    gw.limiter = type(gw.limiter)(2)
    gw.store.set_switch("paused", True)
    assert gw.gate("an").code == "gateway_paused"
    gw.store.set_switch("paused", False)
    assert gw.gate("an") is None and gw.gate("an") is None
    slowed = gw.gate("an")
    assert (slowed.status, slowed.code, slowed.fields["per_minute"]) == (
        429, "gateway_rate_limited", 2) and slowed.retry_after > 0


def test_cached_answers_are_served_in_turn(tmp_path):
    gw = _gateway(tmp_path, Clock("2026-11-30T02:00:00"))
    variants = [{"text": "một"}, {"text": "hai"}, {"text": "ba"}]
    assert [gw.next_variant(variants)["text"] for _ in range(4)] == ["một", "hai", "ba", "một"]

def test_rate_limit_per_participant():
    limiter = RateLimiter(3)
    assert [limiter.check("an", now=t) for t in (0, 1, 2)] == [0, 0, 0]
    assert limiter.check("an", now=3) == pytest.approx(57)
    assert limiter.check("binh", now=3) == 0  # someone else is not slowed down
    assert limiter.check("an", now=60.5) == 0  # the window moved on


def test_in_flight_limit_is_held_and_waiting_is_visible():
    async def run() -> tuple[int, dict]:
        flight = InFlight(2)
        states = []

        async def one(user: str) -> None:
            await flight.acquire(user, 5)
            states.append(flight.state_for("cuong"))
            await asyncio.sleep(0.05)
            flight.release()

        await asyncio.gather(*(one(u) for u in ("an", "binh", "cuong", "dung", "em")))
        return flight.peak, states

    peak, states = asyncio.run(run())
    assert peak == 2
    assert any(s["you_waiting"] for s in states[:2])  # cuong queued behind the first two


def test_queue_timeout():
    async def run() -> None:
        flight = InFlight(1)
        await flight.acquire("an", 1)
        with pytest.raises(TimeoutError):
            await flight.acquire("binh", 0.05)
        assert flight.waiting == 0

    asyncio.run(run())


def test_retry_after_header_forms():
    assert retry_after(CIMultiDict({"Retry-After": "3"}), 0, 20) == 3
    assert retry_after(CIMultiDict({"retry-after-ms": "250"}), 0, 20) == 0.25
    assert retry_after(CIMultiDict({"retry-after": "120"}), 0, 20) == 20  # capped
    assert retry_after(CIMultiDict({}), 2, 20) == 4  # no header: 1, 2, 4 s…
    date = "Wed, 21 Oct 2015 07:28:00 GMT"  # a date in the past: no waiting beyond back-off
    assert retry_after(CIMultiDict({"retry-after": date}), 0, 20) == 1


def test_upstream_from_environment_and_key_hidden():
    cfg = config.from_env({"GATEWAY_UPSTREAM": "gemini", "GEMINI_API_KEY": "AIza-secret-123"})
    assert cfg.upstream_url.startswith("https://generativelanguage.googleapis.com")
    assert cfg.model == "gemini-2.5-flash" and cfg.upstream_key == "AIza-secret-123"
    assert "AIza" not in repr(cfg)
    lan = config.from_env({"GATEWAY_UPSTREAM": "ollama",
                           "GATEWAY_UPSTREAM_URL": "http://192.168.1.20:11434/v1/"})
    assert lan.upstream_url == "http://192.168.1.20:11434/v1" and lan.upstream_key == "not-needed"


def test_upstream_key_from_a_file(tmp_path):
    key_file = tmp_path / "openai.key"
    key_file.write_text("sk-from-file-777\n", encoding="utf-8")
    cfg = config.from_env({"GATEWAY_UPSTREAM_KEY_FILE": str(key_file)})
    assert cfg.upstream_key == "sk-from-file-777" and cfg.upstream == "openai"
    assert hubconf.upstream_configured({"GATEWAY_UPSTREAM_KEY_FILE": str(key_file)})


def test_roster_budgets_and_instructor_raise(tmp_path):
    roster = tmp_path / "budgets.csv"
    roster.write_text("username,budget_vnd\nan,50.000\nbinh,abc\n", encoding="utf-8")
    store = Store(tmp_path / "g.sqlite3")
    assert store.load_roster_budgets(roster) == 1  # "abc" is skipped, not a crash
    assert store.budget_override("an") == 50_000
    store.set_budget("an", 80_000)
    store.load_roster_budgets(roster)  # a restart must not undo the instructor's raise
    assert store.budget_override("an") == 80_000
    course_roster = tmp_path / "lop.csv"  # the hub's roster with an extra column
    course_roster.write_text("id,ho_ten,han_muc_vnd\nhv001,Nguyễn Văn An,30.000\n"
                             "hv002,Trần Thị Bé,\n", encoding="utf-8")
    assert store.load_roster_budgets(course_roster) == 1
    assert store.budget_override("hv001") == 30_000 and store.budget_override("hv002") is None


def test_class_day_follows_the_course_time_zone():
    """One time-zone setting: the gateway's day turns over with COURSE_TIMEZONE's midnight."""
    assert config.from_env({}).tz_offset_hours == 7  # default: Vietnam
    tokyo = config.from_env({"COURSE_TIMEZONE": "Asia/Tokyo"})
    assert tokyo.tz_offset_hours == 9
    assert periods.period(tokyo, ts("2026-11-29T14:59:00"))[0] == "2026-11-29"
    assert periods.period(tokyo, ts("2026-11-29T15:00:00"))[0] == "2026-11-30"
    assert config.from_env({"COURSE_TIMEZONE": "Sao/Hoa"}).tz_offset_hours == 7  # a typo
    explicit = config.from_env({"COURSE_TIMEZONE": "Asia/Tokyo", "GATEWAY_TZ_OFFSET_HOURS": "8"})
    assert explicit.tz_offset_hours == 8
    from traitlets.config import Config

    service = hubconf.add_gateway(Config(), env={"COURSE_TIMEZONE": "Asia/Tokyo"}, port=18766,
                                  db_path="/tmp/x.sqlite3")
    assert service["environment"]["COURSE_TIMEZONE"] == "Asia/Tokyo"


def test_hub_config_gets_service_roles_and_spawner_environment():
    from traitlets.config import Config

    c = Config()
    c.JupyterHub.load_roles = [{"name": "user", "scopes": ["self"]}]
    env = {"GATEWAY_UPSTREAM": "ollama", "GATEWAY_UPSTREAM_URL": "http://10.0.0.5:11434/v1",
           "GATEWAY_MODEL": "qwen2.5:7b", "OPENAI_API_KEY": "sk-not-for-ollama"}
    service = hubconf.add_gateway(c, env=env, port=18765, db_path="/tmp/x.sqlite3")
    assert service["environment"]["GATEWAY_UPSTREAM_URL"] == "http://10.0.0.5:11434/v1"
    assert "OPENAI_API_KEY" not in service["environment"]  # only the key the upstream needs
    assert c.JupyterHub.load_roles[0]["scopes"] == ["self", "access:services!service=ai"]
    assert {"name": "server", "scopes": ["users:activity!user", "access:servers!server",
                                         "access:services!service=ai"]} in c.JupyterHub.load_roles
    assert "server_token_scopes" not in c.Spawner
    spawner_env = c.Spawner.environment.get_value({})  # added lazily: merged into the hub's
    assert spawner_env["COURSE_GATEWAY_URL"] == "http://127.0.0.1:18765/services/ai/v1"
    assert "sk-" not in str(spawner_env)
    # no upstream configured: the service runs, participants stay on the simulation
    c2 = Config()
    hubconf.add_gateway(c2, env={}, port=18766)
    assert "COURSE_GATEWAY_URL" not in (c2.Spawner.get("environment") or {})
    assert hubconf.add_gateway(Config(), env={"GATEWAY_ENABLED": "0"}) is None
    # the workshop hub's server role inherits the user's scopes: left as it is
    c3 = Config()
    c3.JupyterHub.load_roles = [{"name": "server", "scopes": ["inherit"]}]
    hubconf.add_gateway(c3, env=env, port=18767)
    assert c3.JupyterHub.load_roles[0] == {"name": "server", "scopes": ["inherit"]}
    # no `user` role in the configuration: JupyterHub's default one gets the access
    assert c3.JupyterHub.extra_user_scopes.get_value(set()) == {"access:services!service=ai"}


def test_services_d_file_loaded_with_load_subconfig_only_adds(tmp_path, monkeypatch):
    """hub/services.d/ai_gateway.py as the workshop hub loads it (traitlets' load_subconfig):
    its `c` is merged into the hub's, which keeps its services, roles and spawner settings."""
    from traitlets.config.loader import PyFileConfigLoader

    repo = Path(__file__).resolve().parent.parent
    monkeypatch.setenv("COURSE_HUB_STATE", str(tmp_path))
    monkeypatch.setenv("GATEWAY_UPSTREAM", "ollama")
    monkeypatch.delenv("GATEWAY_PORT", raising=False)
    (tmp_path / "main.py").write_text(
        'c.JupyterHub.services = [{"name": "idle-culler"}]\n'
        'c.JupyterHub.load_roles = [{"name": "server", "scopes": ["inherit"]}]\n'
        'c.Spawner.environment = {"KEEP": "1"}\n'
        f'load_subconfig({str(repo / "hub" / "services.d" / "ai_gateway.py")!r})\n')
    c = PyFileConfigLoader("main.py", str(tmp_path)).load_config()
    assert [s["name"] for s in c.JupyterHub.services] == ["idle-culler", "ai"]
    gateway = c.JupyterHub.services[1]
    assert gateway["command"][1:3] == ["-m", "hub.with_parent"] and "hub.gateway" in gateway[
        "command"]
    assert [r["name"] for r in c.JupyterHub.load_roles] == ["server", "ai-gateway"]
    assert c.JupyterHub.load_roles[0] == {"name": "server", "scopes": ["inherit"]}
    assert "access:services!service=ai" in c.JupyterHub.extra_user_scopes.get_value(set())
    assert c.Spawner.environment["KEEP"] == "1"
    assert c.Spawner.environment["COURSE_GATEWAY_MODEL"]
    port = int((tmp_path / "ai-gateway.port").read_text())  # kept for the next start
    assert gateway["url"] == f"http://127.0.0.1:{port}"


def test_holds_admit_while_below_the_budget_and_settle_exactly():
    from hub.gateway.limits import Reservations

    book = Reservations()
    budget, worst, spent = 20.0, 15.0, 0.0
    admitted = []
    for _ in range(20):  # twenty calls arrive before any answer: each checks, then holds
        if spent + book.held("p", "an") >= budget:
            continue
        admitted.append(book.hold("p", "an", worst))
    assert len(admitted) == 2 and book.held("p", "an") == 30 == book.held_class("p")
    assert book.held("p", "an") <= budget + worst
    for r in admitted:
        r.release()
        r.release()  # settling twice gives nothing back twice
    assert book.held("p", "an") == 0 and book.count == 0 and book.held_class("p") == 0


def test_request_schema_is_strict():
    from hub.gateway.validate import BadRequest, chat_request, parse_json

    ok = chat_request(parse_json(json.dumps({
        "model": "gpt-4o-mini", "temperature": 0.7, "max_tokens": 100, "seed": 3, "stop": "x",
        "tools": [{"type": "function"}], "n": 5,  # dropped, as before
        "messages": [{"role": "system", "content": "Bạn bán hàng"},
                     {"role": "user", "content": [{"type": "text", "text": "Chào "},
                                                  {"type": "text", "text": "shop"}]},
                     {"role": "assistant", "content": None}]}).encode()))
    assert ok.params == {"temperature": 0.7, "max_tokens": 100, "seed": 3, "stop": ["x"]}
    assert ok.messages[1] == {"role": "user", "content": "Chào shop"} and not ok.stream
    for raw in (b'{"messages": [{"role": "user", "content": "a"}], "temperature": "hot"}',
                b'{"messages": [{"role": "user", "content": "a"}], "temperature": NaN}',
                b'{"messages": [{"role": "user", "content": "a"}], "top_p": 1e400}',
                b'{"messages": [{"role": "user", "content": "a"}], "top_p": -0.1}',
                b'{"messages": [{"role": "user", "content": "a"}], "max_tokens": 10.0}',
                b'{"messages": [{"role": "user", "content": "a"}], "stop": ["a","b","c","d","e"]}',
                b'{"messages": [{"role": "user", "content": "a"}], "response_format": "json"}',
                b'{"messages": []}', b'null', b'"text"', b'{"messages": [1]}',
                b'{"messages": [{"role": "user"}]}',
                b'{"a": ' + b'[' * 40 + b']' * 40 + b', "messages": [{"role": "user", '
                b'"content": "a"}]}'):
        with pytest.raises(BadRequest):
            chat_request(parse_json(raw))


def test_personal_data_scan_is_bounded_and_long_prompts_are_never_shared():
    from hub.gateway.work import prepare_text

    small = [{"role": "user", "content": "Gọi chị Lan 0912 345 678 nhé"}]
    tokens, personal, stored = prepare_text(small, "gpt-4o-mini", 20_000, store=True)
    assert tokens > 0 and personal and "0912" not in stored[0]["content"]
    plain = [{"role": "user", "content": "Viết khẩu hiệu cho tiệm giặt ủi"}]
    assert prepare_text(plain, "gpt-4o-mini", 20_000, store=False)[1:] == (False, None)
    # a long prompt: never scanned whole, treated as personal, stored cut and masked
    text = "Giặt chăn bao nhiêu tiền? " * 2000 + "Gọi 0912 345 678."
    started = time.perf_counter()
    tokens, personal, stored = prepare_text([{"role": "user", "content": text}],
                                            "gpt-4o-mini", 5_000, store=True)
    assert personal and tokens > 10_000 and time.perf_counter() - started < 10
    assert len(stored[0]["content"]) < 5_100 and "đã cắt" in stored[0]["content"]
    assert "0912" not in stored[0]["content"]


def test_exports_write_text_never_formulas():
    import csv
    import io

    from openpyxl import load_workbook

    from hub.gateway import dashboard

    row = {"user": '=HYPERLINK("http://x","bấm")', "calls": 1, "cached": 0, "errors": 0,
           "tokens_in": 1, "tokens_out": 1, "cost_vnd": 1.0, "saved_vnd": 0.0,
           "spent_today_vnd": 1.0, "budget_vnd": 20_000, "remaining_vnd": 19_999,
           "last_ts": None, "lessons": "-2+3", "quizzes": "@SUM(A1)\t"}
    summary = {"participants": [row, dict(row, user="\tcmd", lessons="+x", quizzes="\rA")],
               "totals": {"calls": 2, "cached": 0, "errors": 0, "tokens_in": 2,
                          "tokens_out": 2, "cost_vnd": 2, "saved_vnd": 0}}
    cfg = config.GatewayConfig()
    data, _ = dashboard.export(summary, "xlsx", cfg)
    ws = load_workbook(io.BytesIO(data)).active
    cells = [c for r in ws.iter_rows(min_row=2, max_row=3) for c in r]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert ws["A2"].value == '=HYPERLINK("http://x","bấm")' and ws["A2"].data_type == "s"
    assert ws["A2"].quotePrefix and ws["A3"].value == "\tcmd" and ws["A3"].data_type == "s"
    assert ws["B2"].data_type == "n"  # numbers stay numbers
    text = dashboard.export(summary, "csv", cfg)[0].decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))[1:]
    assert [r[0] for r in rows] == ["'=HYPERLINK(\"http://x\",\"bấm\")", "'\tcmd"]
    assert [r[-2] for r in rows] == ["'-2+3", "'+x"] and rows[1][-1] == "'\rA"


def test_instructors_page_escapes_participants_input_and_writes_numbers_like_the_course():
    """Names, lesson tags and quiz titles are participants' input: shown as text, never as
    HTML. Figures are written by course.numbers, the course's one formatter."""
    from course.numbers import money, number, ratio_percent
    from hub.gateway import dashboard

    row = {"user": '<script>alert("an")</script>', "calls": 12_345, "cached": 3, "errors": 1,
           "tokens_in": 1_234_567, "tokens_out": 89_012, "cost_vnd": 1_234.56,
           "saved_vnd": 0.35, "spent_today_vnd": 1_234.56, "budget_vnd": 20_000,
           "remaining_vnd": 18_765.44, "last_ts": None,
           "lessons": "<img src=x onerror=alert(1)>", "quizzes": "Bài <b>02</b>: 1/5"}
    summary = {"participants": [row], "model": "<i>gpt-4o-mini</i>", "upstream": "openai",
               "budget_vnd": 20_000,
               "totals": {"calls": 12_345, "cached": 3, "errors": 1, "tokens_in": 1_234_567,
                          "tokens_out": 89_012, "cost_vnd": 1_234_567.8, "saved_vnd": 0.35,
                          "cache_hit_rate": 0.375, "class_spent_today_vnd": 2_500,
                          "class_cap_vnd": 0}}
    html = dashboard.page(summary, config.GatewayConfig(), 'xsrf"token',
                          '"><script>alert(2)</script>', paused=False, store_prompts=False)
    for raw in ("<script", "<img", "<i>gpt", "<b>02"):
        assert raw not in html
    assert "<td>&lt;script&gt;alert(&#34;an&#34;)&lt;/script&gt;</td>" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert 'name="_xsrf" value="xsrf&#34;token"' in html
    assert f"<b>{money(1_234_567.8)}</b>" in html and money(0.35) in html  # prose: đồng
    assert f"({ratio_percent(0.375)})" in html  # the cache's share of the calls
    assert f"{number(12_345)} lượt gọi" in html and f"{number(1_234_567)} token" in html
    assert f'<td class="n">{money(1_234.56, unit="")}</td>' in html  # under "(đồng)"
    assert f'<td class="n">{number(89_012)}</td>' in html
    assert " đ " not in html and " đ<" not in html  # no currency written by hand
    assert "không giới hạn" in html  # no class cap
    empty = dashboard.page(dict(summary, participants=[]), config.GatewayConfig(), "x", "all",
                           paused=True, store_prompts=True)
    assert "Chưa có học viên nào" in empty and "TẠM DỪNG" in empty and "đang được lưu" in empty
    assert "403" in dashboard.error_page(403) and "chỉ dành cho giảng viên" in (
        dashboard.error_page(403))
