"""The one place numbers are written for participants: Vietnamese style through Babel's `vi` locale.

    number(1983915000)        -> "1.983.915.000"
    number(0.7, 1)            -> "0,7"
    money(1983915000)         -> "1.983.915.000 đồng"
    percent(37.6)             -> "37,6 %"   (the value is already a percentage)
    ratio_percent(0.376)      -> "37,6 %"   (the value is a share of 1)

Lessons, widgets (slider readouts too), reports and error messages use these functions
instead of f"{x:,}" tricks, so every screen writes numbers the same way.
"""

from __future__ import annotations

import math
from decimal import Decimal

from babel.numbers import format_decimal

LOCALE = "vi"
CURRENCY_WORD = "đồng"
_MISSING = "—"


def _pattern(decimals: int, keep_zeros: bool) -> str:
    if decimals <= 0:
        return "#,##0"
    return "#,##0." + ("0" if keep_zeros else "#") * decimals


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def number(value: float | int | Decimal | None, decimals: int = 0, *,
           keep_zeros: bool = False) -> str:
    """1.234.567 or 0,7: dot for thousands, comma for decimals; trailing zeros dropped
    unless `keep_zeros`. Missing values (None, NaN) are written as a dash."""
    if _is_missing(value):
        return _MISSING
    return format_decimal(value, format=_pattern(decimals, keep_zeros), locale=LOCALE)


def money(value: float | int | Decimal | None, *, unit: str = CURRENCY_WORD,
          decimals: int | None = None) -> str:
    """An amount in đồng: "1.983.915.000 đồng". Amounts under 100 đồng keep up to two
    decimals so that a tiny cost (0,35 đồng) does not read as 0."""
    if _is_missing(value):
        return _MISSING
    if decimals is None:
        decimals = 2 if 0 < abs(float(value)) < 100 else 0  # type: ignore[arg-type]
    return f"{number(value, decimals)} {unit}".strip()


def percent(value: float | int | None, decimals: int = 1) -> str:
    """A value that is already in percent: percent(37.6) -> "37,6 %"."""
    if _is_missing(value):
        return _MISSING
    return f"{number(value, decimals)} %"


def ratio_percent(value: float | int | None, decimals: int = 1) -> str:
    """A share of 1 written in percent: ratio_percent(0.376) -> "37,6 %"."""
    if _is_missing(value):
        return _MISSING
    return percent(float(value) * 100, decimals)  # type: ignore[arg-type]
