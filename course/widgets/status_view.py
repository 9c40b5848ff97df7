"""`course.show_status()`: the connection settings as a small Vietnamese table.

`course.status()` stays a dict (code and tests read it); participants see this table instead of
`{'backend': 'offline', 'provider': None, …}`. The key only ever appears as its last 4 characters.
"""

from __future__ import annotations

from typing import Any

import course
from course import numbers
from course.i18n import t

from .connection import CUSTOM, OFFLINE, _key_text
from .display import escape


def status_rows(status: dict[str, Any]) -> list[tuple[str, str]]:
    """(Vietnamese label, value) pairs for a status() dict."""
    offline = status.get("backend") == OFFLINE
    if offline:
        mode = t("widgets.conn_offline_label")
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
    return rows


class StatusTable:
    """Shown as an HTML table in a notebook, as aligned text elsewhere; `.status` is the dict."""

    def __init__(self, status: dict[str, Any]) -> None:
        self.status = dict(status)
        self.rows = status_rows(self.status)

    def _repr_html_(self) -> str:
        body = "".join(
            f"<tr><th style='text-align:left;padding:2px 12px 2px 0'>{escape(k)}</th>"
            f"<td style='text-align:left;padding:2px 0'>{escape(v)}</td></tr>"
            for k, v in self.rows)
        title = escape(t("widgets.st_title"))
        return f"<div style='font-size:15px'><b>{title}</b><table>{body}</table></div>"

    def __repr__(self) -> str:
        width = max(len(k) for k, _ in self.rows)
        lines = [t("widgets.st_title")] + [f"{k.ljust(width)}  {v}" for k, v in self.rows]
        return "\n".join(lines)


def show_status() -> StatusTable:
    """The current connection as a small Vietnamese table (the last expression of a cell)."""
    return StatusTable(course.status())
