"""The instructors' page (Vietnamese) and its CSV / Excel exports.

Everything shown is escaped; participants' prompts never appear here (they are stored,
masked, only when the instructor turns that on, and are not displayed).
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone
from html import escape
from typing import TYPE_CHECKING

from course.numbers import number

from .config import GatewayConfig

if TYPE_CHECKING:
    from .app import Gateway

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


def vnd(x: float | None) -> str:
    return number(x or 0) + " đ"


def _when(cfg: GatewayConfig, ts: float | None) -> str:
    if not ts:
        return "—"
    tz = timezone(timedelta(hours=cfg.tz_offset_hours))
    return datetime.fromtimestamp(ts, tz).strftime("%H:%M %d/%m")


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


STYLE = """body{font-family:system-ui,'Noto Sans',sans-serif;margin:1.5rem;color:#222}
table{border-collapse:collapse;font-size:.9rem}td,th{border:1px solid #ccc;padding:.3rem .5rem}
th{background:#f2f2f2}td.n{text-align:right}.box{border:1px solid #ddd;padding:.8rem;
margin:.8rem 0;border-radius:6px}.warn{background:#fff4e5}.ok{background:#eef8ee}
button{padding:.3rem .8rem}"""


def _form(xsrf: str, action: str, label: str, extra: str = "") -> str:
    return (f'<form method="post" style="display:inline"><input type="hidden" name="_xsrf" '
            f'value="{escape(xsrf)}"><input type="hidden" name="action" value="{action}">'
            f'{extra}<button>{escape(label)}</button></form>')


def page(summary: dict, cfg: GatewayConfig, xsrf: str, period: str, paused: bool,
         store_prompts: bool) -> str:
    t = summary["totals"]
    head = "".join(f"<th>{escape(h)}</th>" for _, h in COLUMNS)
    body = []
    for row in rows_for_export(summary, cfg):
        cells = "".join(
            f'<td class="n">{vnd(v) if k.endswith("_vnd") else escape(str(v))}</td>'
            if isinstance(v, int | float) else f"<td>{escape(str(v))}</td>"
            for (k, _), v in zip(COLUMNS, row, strict=True))
        body.append(f"<tr>{cells}</tr>")
    table = (f"<table><tr>{head}</tr>{''.join(body)}</table>" if body
             else "<p>Chưa có học viên nào dùng AI của lớp trong khoảng thời gian này.</p>")
    pause = (_form(xsrf, "resume", "Bật lại AI cho cả lớp") if paused
             else _form(xsrf, "pause", "Tạm dừng AI cho cả lớp"))
    state = ("<b>AI của lớp đang TẠM DỪNG.</b> Học viên thấy thông báo và dùng chế độ mô phỏng."
             if paused else "AI của lớp đang bật.")
    prompts = (
        "Câu lệnh (prompt) của học viên <b>đang được lưu</b> (đã che dữ liệu cá nhân). "
        + _form(xsrf, "prompts_off", "Ngừng lưu câu lệnh") if store_prompts else
        "Câu lệnh (prompt) của học viên <b>không được lưu</b>: trang này chỉ có số lượt, token "
        "và chi phí. " + _form(xsrf, "prompts_on", "Bật lưu câu lệnh (đã che dữ liệu cá nhân)"))
    raise_form = _form(
        xsrf, "budget", "Đặt hạn mức",
        '<label>Học viên <input name="user" size="12" required></label> '
        '<label>Hạn mức mỗi ngày (đồng) <input name="budget_vnd" size="10" required '
        'inputmode="numeric"></label> ')
    other = "all" if period != "all" else "today"
    other_label = "Xem mọi ngày" if period != "all" else "Chỉ xem hôm nay"
    cap = vnd(t["class_cap_vnd"]) if t["class_cap_vnd"] else "không giới hạn"
    scope = "hôm nay" if period != "all" else "mọi ngày"
    return f"""<!doctype html><html lang="vi"><head><meta charset="utf-8">
<title>AI của lớp học – trang giảng viên</title><style>{STYLE}</style></head><body>
<h1>AI của lớp học</h1>
<p>Mô hình: <b>{escape(summary["model"])}</b> (nhà cung cấp: {escape(summary["upstream"])}).
Hạn mức mặc định: {vnd(summary["budget_vnd"])} mỗi học viên mỗi ngày. Trần chi phí cả lớp mỗi
ngày: {cap}.</p>
<div class="box {'warn' if paused else 'ok'}">{state} {pause}</div>
<div class="box">{prompts}</div>
<h2>Tổng cả lớp ({scope})</h2>
<p>{t["calls"]} lượt gọi · {t["tokens_in"]} token gửi đi · {t["tokens_out"]} token nhận về ·
chi phí <b>{vnd(t["cost_vnd"])}</b> · cả lớp đã dùng hôm nay {vnd(t["class_spent_today_vnd"])}
· lỗi hoặc bị từ chối: {t["errors"]}</p>
<p>Bộ nhớ đệm của lớp: {t["cached"]} lượt trả lời không phải gọi nhà cung cấp
({t["cache_hit_rate"] * 100:.0f}%), tiết kiệm <b>{vnd(t["saved_vnd"])}</b>.</p>
<p><a href="?period={other}">{other_label}</a> · Tải về:
<a href="export.csv?period={escape(period)}">CSV</a> ·
<a href="export.xlsx?period={escape(period)}">Excel</a></p>
<h2>Từng học viên</h2>{table}
<h2>Nâng hạn mức cho một học viên</h2><div class="box">{raise_form}</div>
</body></html>"""


def error_page(status: int) -> str:
    text = ("Trang này chỉ dành cho giảng viên và người quản trị lớp học."
            if status == 403 else "Có lỗi khi mở trang. Hãy tải lại trang.")
    return (f'<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{status}'
            f"</title></head><body><h1>{status}</h1><p>{escape(text)}</p></body></html>")
