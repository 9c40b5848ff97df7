"""The instructors' page (Vietnamese) and its CSV / Excel exports.

Pages come from Jinja2 templates (hub/gateway/templates/) with autoescape, so everything a
participant typed (name, lesson tag, quiz title) is shown as text; figures are written by
course.numbers. Participants' prompts never appear here (they are stored, masked, only when
the instructor turns that on, and are not displayed).
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2

from course.numbers import money, number, ratio_percent

from .config import GatewayConfig

if TYPE_CHECKING:
    from .app import Gateway

TEMPLATES = Path(__file__).with_name("templates")
COLUMNS = [  # (key, Vietnamese header)
    ("user", "Học viên"), ("calls", "Số lượt gọi"), ("cached", "Lượt lấy từ bộ nhớ đệm"),
    ("errors", "Lượt lỗi / bị từ chối"), ("tokens_in", "Token gửi đi"),
    ("tokens_out", "Token nhận về"), ("cost_vnd", "Chi phí (đồng)"),
    ("saved_vnd", "Tiết kiệm nhờ bộ nhớ đệm (đồng)"), ("spent_today_vnd", "Đã dùng hôm nay (đồng)"),
    ("budget_vnd", "Hạn mức mỗi ngày (đồng)"), ("remaining_vnd", "Còn lại hôm nay (đồng)"),
    ("last", "Hoạt động gần nhất"), ("lessons", "Bài học"), ("quizzes", "Trắc nghiệm"),
]


def summary(gw: Gateway, period: str | None) -> dict:
    """What the instructors' page, its JSON and its exports show: per participant and for
    the class, over one class period (`period`) or all of them (None)."""
    cfg, store = gw.cfg, gw.store
    pid, resets = gw.period()
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
        "in_flight": {"limit": gw.inflight.limit, "peak": gw.inflight.peak,
                      "active": gw.inflight.active, "waiting": gw.inflight.waiting},
        "holds_open": gw.holds.count,
        "class_held_today_vnd": round(gw.holds.held_class(pid), 2),
        "upstream_calls": gw.upstream.calls, "usage_records": store.count_usage(),
        "paused": store.switch("paused"), "store_prompts": store.switch("store_prompts"),
        "prompts_stored": store.prompt_count(), "model": cfg.model,
        "upstream": cfg.upstream, "budget_vnd": cfg.budget_vnd,
    }


def _when(cfg: GatewayConfig, ts: float | None) -> str:
    if not ts:
        return "—"
    # The zone itself, not today's offset: a July call read in a summer-time zone in December
    # keeps its July hour.
    return datetime.fromtimestamp(ts, cfg.zone).strftime("%H:%M %d/%m")


def rows_for_export(summary: dict, cfg: GatewayConfig) -> list[list]:
    out = []
    for r in summary["participants"]:
        r = dict(r, last=_when(cfg, r.get("last_ts")))
        out.append([r[k] if not k.endswith("_vnd") else round(r[k]) for k, _ in COLUMNS])
    return out


# A spreadsheet reads text starting with these as a formula (=HYPERLINK(…), +cmd|…, @SUM…):
# participants' names, lesson tags and quiz titles are their input, so never formulas.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: object) -> object:
    """CSV: text a spreadsheet would run as a formula, prefixed with ' (OWASP's advice)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def export(summary: dict, ext: str, cfg: GatewayConfig) -> tuple[bytes, str]:
    headers = [h for _, h in COLUMNS]
    rows = rows_for_export(summary, cfg)
    if ext == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(headers)
        writer.writerows([safe_text(v) for v in row] for row in rows)
        # BOM: Excel on Windows then opens Vietnamese text correctly
        return ("\ufeff" + buf.getvalue()).encode("utf-8"), "text/csv; charset=utf-8"
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "AI lớp học"
    ws.append(headers)
    for row in rows:
        ws.append(row)
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str):
                # stored as text whatever it starts with (openpyxl makes "=…" a formula),
                # and marked so Excel keeps it text even when the cell is edited
                cell.data_type = "s"
                cell.quotePrefix = cell.value.startswith(FORMULA_START)
    totals = summary["totals"]
    ws.append([])
    ws.append(["Tổng cả lớp", totals["calls"], totals["cached"], totals["errors"],
               totals["tokens_in"], totals["tokens_out"], round(totals["cost_vnd"]),
               round(totals["saved_vnd"])])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _pages() -> jinja2.Environment:
    """The gateway's HTML templates (hub/gateway/templates/), every value escaped."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True,
        lstrip_blocks=True, undefined=jinja2.StrictUndefined)


PAGES = _pages()


def _cell(key: str, value: object) -> dict:
    """One table cell: amounts (under a "(đồng)" header) and counts written by
    course.numbers, right-aligned; text as it is (the template escapes it)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return {"text": str(value), "number": False}
    return {"text": money(value, unit="") if key.endswith("_vnd") else number(value),
            "number": True}


def figures(summary: dict) -> dict:
    """The class totals as the page writes them (course.numbers, one formatter)."""
    t = summary["totals"]
    return {
        "calls": number(t["calls"]), "cached": number(t["cached"]),
        "errors": number(t["errors"]), "tokens_in": number(t["tokens_in"]),
        "tokens_out": number(t["tokens_out"]), "cost": money(t["cost_vnd"]),
        "saved": money(t["saved_vnd"]), "class_spent_today": money(t["class_spent_today_vnd"]),
        "cache_hit_rate": ratio_percent(t["cache_hit_rate"]),
    }


def page(summary: dict, cfg: GatewayConfig, xsrf: str, period: str, paused: bool,
         store_prompts: bool) -> str:
    rows = [[_cell(k, r[k] if k != "last" else _when(cfg, r.get("last_ts"))) for k, _ in COLUMNS]
            for r in summary["participants"]]
    cap = summary["totals"]["class_cap_vnd"]
    return PAGES.get_template("dashboard.html").render(
        xsrf=xsrf, period=period, all_days=period == "all", paused=paused,
        store_prompts=store_prompts, model=summary["model"], upstream=summary["upstream"],
        budget=money(summary["budget_vnd"]), cap=money(cap) if cap else "không giới hạn",
        totals=figures(summary), headers=[h for _, h in COLUMNS], rows=rows)


def error_page(status: int) -> str:
    return PAGES.get_template("error.html").render(status=status)
