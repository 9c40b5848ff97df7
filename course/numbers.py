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


# Column names the lessons' tables use, in the words a participant reads.
HEADERS = {
    "thang": "Tháng", "ma_sp": "Mã SP", "ten_sp": "Sản phẩm", "kenh": "Kênh",
    "so_luong": "Số lượng", "don_gia": "Đơn giá (đồng)", "doanh_thu": "Doanh thu (đồng)",
    "loai": "Loại", "loai_van_ban": "Loại văn bản", "noi_dung": "Nội dung",
    "noi_san_xuat": "Nơi sản xuất", "don_vi": "Đơn vị", "gia_ban_vnd": "Giá bán (đồng)",
    "ocop_sao": "OCOP (sao)", "diem_noi_bat": "Điểm nổi bật",
    "khach_hang_muc_tieu": "Khách hàng mục tiêu",
}


def table(data: object, headers: dict[str, str] | None = None, index: str | None = None,
          decimals: int = 1, value_name: str | None = None) -> object:
    """A pandas table or series as participants should read it: Vietnamese headers, numbers
    written the Vietnamese way, no index numbers and no "Name: …, dtype: float64" line.

    Returns a pandas Styler (shown as a tidy HTML table when it is the last line of a cell);
    the data itself is unchanged, so later cells keep computing with the numbers.
    """
    import pandas as pd

    frame = data.to_frame(value_name or data.name or "") if isinstance(data, pd.Series) else data
    if not isinstance(frame, pd.DataFrame):
        raise TypeError("table() needs a pandas DataFrame or Series")
    names = {**HEADERS, **(headers or {})}
    has_index = not isinstance(frame.index, pd.RangeIndex) or frame.index.name is not None
    if has_index:
        frame = frame.reset_index()
        first = frame.columns[0]
        frame = frame.rename(columns={first: index or names.get(str(first), str(first))})
    frame = frame.rename(columns={c: names.get(str(c), str(c)) for c in frame.columns})
    frame.columns = [str(c) for c in frame.columns]

    def cell(value: object) -> str:
        if isinstance(value, bool):
            return "có" if value else "không"
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            whole = float(value).is_integer()
            return number(value, 0 if whole else decimals)  # type: ignore[arg-type]
        return "—" if _is_missing(value) else str(value)

    return frame.style.format(cell).hide(axis="index")
