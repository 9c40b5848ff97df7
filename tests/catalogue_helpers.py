"""Expected learner-facing texts built from the message catalogue (course.i18n.t), so a test
survives a wording fix where the wording is not what it tests (no tests here)."""

from __future__ import annotations

import re
import string

from course.i18n import t

_GAP = "\x00"


def pattern(key: str, **known: object) -> re.Pattern[str]:
    """The catalogue entry `key` as a regular expression: the values given in `known` filled
    in, every other placeholder (a time, a path) matching any text on one line."""
    names = {field for _, field, _, _ in string.Formatter().parse(t(key)) if field}
    filled = t(key, **{name: _GAP for name in names - known.keys()}, **known)
    return re.compile(re.escape(filled).replace(re.escape(_GAP), ".+?"))


def said(key: str, text: str, **known: object) -> bool:
    """Whether `text` contains the catalogue entry `key` (see `pattern`)."""
    return pattern(key, **known).search(text) is not None
