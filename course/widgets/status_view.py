"""`course.status()`, `course.show_status()`, `course.usage()` as small Vietnamese tables.

`course.status()` stays a dict and `course.usage()` a pandas DataFrame (code and tests read
them), but as the last expression of a cell they display as Vietnamese tables instead of
`{'backend': 'offline', 'provider': None, …}` or English column names. The key only ever appears
as its last 4 characters. Importing this module is light: ipywidgets loads only for the key text.
"""

from __future__ import annotations

from typing import Any

import course
from course import numbers
from course.i18n import t

from .display import BODY_FONT as BODY_SIZE
from .display import escape, render_table

OFFLINE = "offline"


def status_rows(status: dict[str, Any]) -> list[tuple[str, str]]:
    """(Vietnamese label, value) pairs for a status() dict."""
    from .connection import CUSTOM, _key_text  # ipywidgets: only when shown

    offline = status.get("backend") == OFFLINE
    if offline:
        mode = t("widgets.conn_offline_label")
    elif status.get("label"):  # the class AI on a workshop hub (course.llm.gateway)
        mode = str(status["label"])
    else:
        name = status.get("provider") or CUSTOM
        providers = course.PROVIDERS
        mode = providers[name].label if name in providers else t("widgets.conn_custom_label")
    rows = [(t("widgets.st_mode"), mode),
            (t("widgets.st_model"), str(status.get("model") or "—")),
            (t("widgets.st_key"), _key_text(status))]
    if not offline and status.get("base_url"):
        rows.append((t("widgets.st_server"), str(status["base_url"])))
    rows.append((t("widgets.st_spent"), numbers.money(status.get("spent_vnd") or 0)))
    budget = status.get("budget_vnd")
    rows.append((t("widgets.st_budget"),
                 numbers.money(budget) if budget else t("widgets.st_no_budget")))
    rows.append((t("widgets.st_cache"),
                 t("widgets.st_on") if status.get("cache") else t("widgets.st_off")))
    policy = str(status.get("pii_policy") or "warn")
    policies = {"warn": t("widgets.st_pii_warn"), "refuse": t("widgets.st_pii_refuse"),
                "off": t("widgets.st_pii_off")}
    rows.append((t("widgets.st_pii"), policies.get(policy, policy)))
    if status.get("note"):
        rows.append((t("widgets.st_note"), str(status["note"])))
    return rows


def _rows_html(rows: list[tuple[str, str]], title: str) -> str:
    body = "".join(
        f"<tr><th style='text-align:left;padding:2px 12px 2px 0'>{escape(k)}</th>"
        f"<td style='text-align:left;padding:2px 0'>{escape(v)}</td></tr>"
        for k, v in rows)
    return (f"<div class='course-table' style='{BODY_SIZE}'>"
            f"<b>{escape(title)}</b><table style='{BODY_SIZE}'>{body}</table></div>")


def _rows_text(rows: list[tuple[str, str]], title: str) -> str:
    width = max(len(k) for k, _ in rows)
    return "\n".join([title] + [f"{k.ljust(width)}  {v}" for k, v in rows])


class StatusDict(dict):
    """What `course.status()` returns: the same dict, displayed as the Vietnamese table.

    `repr()` and `print()` keep the dict form for developers; a notebook shows the table.
    """

    def _repr_html_(self) -> str:
        return _rows_html(status_rows(self), t("widgets.st_title"))

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(_rows_text(status_rows(self), t("widgets.st_title")))


class StatusTable:
    """Shown as an HTML table in a notebook, as aligned text elsewhere; `.status` is the dict."""

    def __init__(self, status: dict[str, Any]) -> None:
        self.status = dict(status)
        self.rows = status_rows(self.status)

    def _repr_html_(self) -> str:
        return _rows_html(self.rows, t("widgets.st_title"))

    def __repr__(self) -> str:
        return _rows_text(self.rows, t("widgets.st_title"))


def show_status() -> StatusTable:
    """The current connection as a small Vietnamese table (the last expression of a cell)."""
    return StatusTable(course.status())


# course.usage()'s columns (course/llm/usage.py's UsageRecord) as participants read them.
USAGE_HEADERS = {
    "time": "widgets.us_time", "backend": "widgets.us_backend",
    "provider": "widgets.us_provider", "model": "widgets.us_model",
    "tokens_in": "widgets.us_tokens_in", "tokens_out": "widgets.us_tokens_out",
    "tokens_exact": "widgets.us_tokens_exact", "cost_vnd": "widgets.us_cost_vnd",
    "cached": "widgets.us_cached", "seconds": "widgets.us_seconds",
}
VIETNAM_TZ = "Asia/Ho_Chi_Minh"


def usage_rows(frame: Any) -> tuple[list[str], list[list[str]]]:
    """(Vietnamese header, rows of text) for a usage() frame: Vietnam time, "có"/"không", đồng."""
    import pandas as pd

    columns = [c for c in USAGE_HEADERS if c in frame.columns]
    header = [t(USAGE_HEADERS[c]) for c in columns]
    yes, no = t("widgets.us_yes"), t("widgets.us_no")
    rows = []
    for record in frame[columns].to_dict("records"):
        row = []
        for c in columns:
            value = record[c]
            if c == "time":
                stamp = pd.Timestamp(value)
                stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp
                value = stamp.tz_convert(VIETNAM_TZ).strftime("%H:%M:%S %d/%m/%Y")
            elif c == "backend":
                value = t("widgets.us_offline") if value == OFFLINE else t("widgets.us_online")
            elif c in ("tokens_exact", "cached"):
                value = yes if bool(value) else no
            elif c == "cost_vnd":
                value = numbers.money(value or 0)
            elif c == "seconds":
                value = numbers.number(value, 2)
            elif c in ("tokens_in", "tokens_out"):
                value = numbers.number(value)
            row.append("—" if value is None or value == "" else str(value))
        rows.append(row)
    return header, rows


def _usage_frame_type() -> type:
    import pandas as pd

    class UsageTable(pd.DataFrame):
        """What `course.usage()` returns: the same DataFrame, displayed in Vietnamese.

        Anything derived from it (a filter, a column) is a plain DataFrame/Series again.
        """

        @property
        def _constructor(self) -> type:
            return pd.DataFrame

        def _repr_html_(self) -> str:
            header, rows = usage_rows(self)
            title = escape(t("widgets.us_title"))
            if not rows:
                return (f"<div class='course-table'><b>{title}</b><br>"
                        f"{escape(t('widgets.us_empty'))}</div>")
            total = escape(t("widgets.us_total", n=len(rows),
                             money=numbers.money(float(self["cost_vnd"].sum()))))
            return (f"<div class='course-table' style='{BODY_SIZE}'>"
                    f"<b>{title}</b>{render_table(rows, header)}<div>{total}</div></div>")

        def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
            printer.text(usage_text(self))

    return UsageTable


def usage_text(frame: Any) -> str:
    """The usage table as aligned plain text (a terminal, a saved notebook's text/plain)."""
    header, rows = usage_rows(frame)
    if not rows:
        return f"{t('widgets.us_title')}\n{t('widgets.us_empty')}"
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    head = "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
    lines = [t("widgets.us_title"), head]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in rows]
    lines.append(t("widgets.us_total", n=len(rows),
                   money=numbers.money(float(frame["cost_vnd"].sum()))))
    return "\n".join(lines)


_usage_type: type | None = None


def usage_table(frame: Any) -> Any:
    """Wrap a usage() DataFrame so a notebook shows it in Vietnamese (same data, same API)."""
    global _usage_type
    if _usage_type is None:
        _usage_type = _usage_frame_type()
        # A module-level name, so a pickled usage table (df.to_pickle) can be read back.
        _usage_type.__qualname__ = "UsageTable"
        globals()["UsageTable"] = _usage_type
    return _usage_type(frame)
