"""The course's one time-zone setting: every date a participant or instructor reads.

Default Asia/Ho_Chi_Minh (the course runs in Vietnam; servers often run in UTC). Another
zone through the environment variable ``COURSE_TIMEZONE`` (an IANA name such as
"Asia/Bangkok"); an unknown name falls back to the default with a warning in the log, so a
typo never stops a class. Used by deadlines and late marks (autograder.late, zip collects),
certificates, reports, Formgrader (assignments/nbgrader_config.py) and usage tables.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

log = logging.getLogger(__name__)
DEFAULT = "Asia/Ho_Chi_Minh"
ENV_VAR = "COURSE_TIMEZONE"


def zone_name(env: Mapping[str, str] | None = None) -> str:
    """The configured IANA zone name (checked), read each call so a test or a hub can set it;
    from `env` when given (a service's own environment), else this process's."""
    env = os.environ if env is None else env
    name = (env.get(ENV_VAR) or "").strip() or DEFAULT
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("%s=%r is not a known time zone; using %s", ENV_VAR, name, DEFAULT)
        return DEFAULT
    return name


def zone(env: Mapping[str, str] | None = None) -> ZoneInfo:
    return ZoneInfo(zone_name(env))


def now() -> datetime:
    """The current time in the course's zone (aware)."""
    return datetime.now(tz=zone())


def today() -> date:
    """Today's date in the course's zone (after 17:00 in Vietnam a UTC server is a day behind)."""
    return now().date()


def local(moment: datetime) -> datetime:
    """An aware time in the course's zone; a naive time is UTC (nbgrader's storage)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone())


def from_wall_time(*fields: int) -> datetime:
    """A wall-clock time with no zone (a zip entry's date) read in the course's zone."""
    return datetime(*fields, tzinfo=zone())


def label() -> str:
    """How the zone is named to a reader: "giờ Việt Nam" for the default."""
    name = zone_name()
    return "giờ Việt Nam" if name == DEFAULT else f"giờ {name}"
