"""The instructors' page and exports write "last activity" in the course's zone itself
(GatewayConfig.zone), not in today's offset: a July call read in December in a summer-time
zone keeps its July hour."""

from __future__ import annotations

from datetime import datetime

from hub.gateway import config, dashboard


def ts(text: str) -> float:
    return datetime.fromisoformat(text + "+00:00").timestamp()


def _summary(last_ts: float | None) -> dict:
    row = {"user": "hv1", "calls": 1, "cached": 0, "errors": 0, "tokens_in": 1,
           "tokens_out": 1, "cost_vnd": 1.0, "saved_vnd": 0.0, "spent_today_vnd": 1.0,
           "budget_vnd": 20_000, "remaining_vnd": 19_999, "last_ts": last_ts, "lessons": "",
           "quizzes": ""}
    return {"participants": [row], "model": "m", "upstream": "openai", "budget_vnd": 20_000,
            "totals": {"calls": 1, "cached": 0, "errors": 0, "tokens_in": 1, "tokens_out": 1,
                       "cost_vnd": 1.0, "saved_vnd": 0.0, "cache_hit_rate": 0.0,
                       "class_spent_today_vnd": 1.0, "class_cap_vnd": 0}}


def _last(summary: dict, cfg: config.GatewayConfig) -> str:
    column = [k for k, _ in dashboard.COLUMNS].index("last")
    return dashboard.rows_for_export(summary, cfg)[0][column]


def test_last_activity_in_a_summer_time_zone_keeps_its_season():
    berlin = config.from_env({"COURSE_TIMEZONE": "Europe/Berlin"})
    assert _last(_summary(ts("2026-07-01T10:00:00")), berlin) == "12:00 01/07"  # UTC+2
    assert _last(_summary(ts("2026-12-01T10:00:00")), berlin) == "11:00 01/12"  # UTC+1
    # the day the clocks go back: 00:30 and 01:30 UTC are 02:30 summer and 02:30 winter
    assert _last(_summary(ts("2026-10-25T00:30:00")), berlin) == "02:30 25/10"
    assert _last(_summary(ts("2026-10-25T01:30:00")), berlin) == "02:30 25/10"
    page = dashboard.page(_summary(ts("2026-07-01T10:00:00")), berlin, "x", "all",
                          paused=False, store_prompts=False)
    assert "<td>12:00 01/07</td>" in page


def test_last_activity_in_vietnam_and_none():
    vietnam = config.from_env({})
    assert _last(_summary(ts("2026-07-01T17:30:00")), vietnam) == "00:30 02/07"  # UTC+7
    assert _last(_summary(None), vietnam) == "—"
