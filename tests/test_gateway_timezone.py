"""The gateway's class day in the course's one time zone (course.timezone, COURSE_TIMEZONE):
a zone, not a fixed offset, so a zone with summer time turns over at its own midnight."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from course import timezone
from hub.gateway import config, periods


def ts(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def test_the_gateway_reads_the_course_zone_with_the_course_helper():
    assert config.GatewayConfig().zone == ZoneInfo("Asia/Ho_Chi_Minh")
    assert config.from_env({}).zone == timezone.zone({}) == ZoneInfo("Asia/Ho_Chi_Minh")
    env = {"COURSE_TIMEZONE": "Europe/Berlin"}
    assert config.from_env(env).zone == timezone.zone(env) == ZoneInfo("Europe/Berlin")
    assert config.from_env({"COURSE_TIMEZONE": "Sao/Hoa"}).zone == ZoneInfo("Asia/Ho_Chi_Minh")


def test_a_summer_time_zone_turns_over_at_its_own_midnight():
    berlin = config.from_env({"COURSE_TIMEZONE": "Europe/Berlin"})
    # summer (UTC+2): midnight is 22:00 UTC
    assert periods.period(berlin, ts("2026-07-01T21:59:00"))[0] == "2026-07-01"
    assert periods.period(berlin, ts("2026-07-01T22:00:00")) == ("2026-07-02",
                                                                ts("2026-07-02T22:00:00"))
    # winter (UTC+1): midnight is 23:00 UTC
    assert periods.period(berlin, ts("2026-12-01T22:59:00"))[0] == "2026-12-01"
    assert periods.period(berlin, ts("2026-12-01T23:00:00"))[0] == "2026-12-02"
    # the day the clocks go forward has 23 hours; it ends at the next local midnight
    assert periods.period(berlin, ts("2026-03-29T10:00:00")) == ("2026-03-29",
                                                                ts("2026-03-29T22:00:00"))
    assert periods.local_text(berlin, ts("2026-07-01T22:00:00")) == "00:00 ngày 02/07/2026"


def test_reset_hour_and_the_fixed_offset_override():
    early = config.from_env({"GATEWAY_RESET_HOUR": "4"})  # Vietnam, the day starts at 04:00
    assert periods.period(early, ts("2026-11-29T20:59:00")) == ("2026-11-29",
                                                               ts("2026-11-29T21:00:00"))
    fixed = config.from_env({"COURSE_TIMEZONE": "Europe/Berlin", "GATEWAY_TZ_OFFSET_HOURS": "8"})
    assert fixed.tz_offset_hours == 8
    assert periods.period(fixed, ts("2026-07-01T15:59:00"))[0] == "2026-07-01"
    assert periods.period(fixed, ts("2026-07-01T16:00:00"))[0] == "2026-07-02"
