"""Check the numbers a model states against a pandas table (lesson 07).

Language models write fluent numbers that may not exist in the data. `check_numbers` pulls
every figure out of an answer ("281,9 triệu", "12,5%", "1.250.000 đ"), and looks for it in the
table the model was given. A figure counts as found when it equals a table cell up to the
precision it was written with: "282 triệu" matches 281.930.000, "282.000.000 đ" too (trailing
zeros are read as rounding), but "300 triệu" does not. Years, months, list numbers and small
counts are skipped, because they are not measurements the table could confirm.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from .. import numbers
from ..i18n import t
from ..llm.offline import strip_label
from ..text import fold, nfc
from .retrieval import DATA_DIR

MULTIPLIERS = {"tỷ": 1e9, "tỉ": 1e9, "triệu": 1e6, "tr": 1e6, "nghìn": 1e3, "ngàn": 1e3, "k": 1e3}
_UNIT = r"(?P<unit>%|phần trăm|tỷ|tỉ|triệu|tr\b|nghìn|ngàn|k\b|đồng|đ\b|vnđ|vnd)?"
_CURRENCY = r"(?:\s*(?:đồng|đ\b|vnđ|vnd))?"  # "1,98 tỷ đồng": keep the currency in the text
_NUMBER = re.compile(r"(?<![\w.,])(?P<num>\d+(?:[.,]\d+)*)\s*" + _UNIT + _CURRENCY,
                     re.IGNORECASE)
_PERIOD_WORDS = ("tháng", "quý", "năm", "tuần", "ngày", "thứ", "top", "hạng")
_SMALL_COUNT = 12  # unitless integers up to this are counts or ranks, not table figures


@dataclass(frozen=True)
class StatedNumber:
    text: str  # as written, unit included
    value: float  # in base units (đồng, or percentage points for %)
    tolerance: float  # half of the last written digit
    percent: bool
    context: str
    skip_reason: str | None = None


def _parse(raw: str, has_multiplier: bool) -> tuple[float, int]:
    """Value and number of decimals of a Vietnamese or English formatted number."""
    dots, commas = raw.count("."), raw.count(",")
    if dots and commas:  # the separator that comes last is the decimal mark
        decimal = "," if raw.rfind(",") > raw.rfind(".") else "."
        thousands = "." if decimal == "," else ","
    elif dots + commas == 1:
        sep = "." if dots else ","
        digits_after = len(raw.split(sep)[1])
        # "1.250" is one thousand two hundred fifty; "1,5 triệu" is one and a half million.
        is_thousands = digits_after == 3 and not (has_multiplier and sep == ",")
        decimal, thousands = ("", sep) if is_thousands else (sep, "")
    else:
        decimal, thousands = "", "." if dots else ","
    cleaned = raw.replace(thousands, "") if thousands else raw
    if decimal:
        whole, _, frac = cleaned.partition(decimal)
        return float(f"{whole}.{frac}"), len(frac)
    return float(cleaned), 0


def _context(text: str, start: int, end: int, width: int = 40) -> str:
    left = text.rfind("\n", 0, start) + 1
    right = text.find("\n", end)
    right = len(text) if right == -1 else right
    left, right = max(left, start - width), min(right, end + width)
    return ("…" if left > 0 else "") + text[left:right].strip() + ("…" if right < len(text) else "")


def extract_numbers(text: str) -> list[StatedNumber]:
    """Every number in `text` with its value, written precision and a skip reason if any."""
    found: list[StatedNumber] = []
    for m in _NUMBER.finditer(text):
        raw, unit = m.group("num"), (m.group("unit") or "").lower()
        multiplier = MULTIPLIERS.get(unit, 1.0)
        value, decimals = _parse(raw, multiplier != 1.0)
        step = 10.0 ** -decimals
        if decimals == 0 and multiplier == 1.0 and value >= 1000:
            zeros = len(raw.replace(".", "").replace(",", "")) - len(
                raw.replace(".", "").replace(",", "").rstrip("0"))
            step = 10.0 ** zeros  # "282.000.000" is a rounded figure
        before = text[max(0, m.start() - 12):m.start()].lower().split()
        line_start = text[text.rfind("\n", 0, m.start()) + 1:m.start()].strip() == ""
        reason = None
        is_plain = multiplier == 1.0 and unit in ("", "đồng", "đ", "vnđ", "vnd")
        if unit in ("", ) and text[m.end():m.end() + 1] in ("-", "/") and value >= 1900:
            reason = "date"
        elif before and before[-1] in _PERIOD_WORDS and unit == "":
            reason = "period"
        elif line_start and text[m.end():m.end() + 1] in (".", ")") and unit == "":
            reason = "list"
        elif is_plain and unit == "" and decimals == 0 and 1900 <= value <= 2100:
            reason = "year"
        elif is_plain and unit == "" and decimals == 0 and value <= _SMALL_COUNT:
            reason = "count"
        found.append(StatedNumber(
            text=m.group(0).strip(), value=value * multiplier, tolerance=step / 2 * multiplier,
            percent=unit in ("%", "phần trăm"), context=_context(text, m.start(), m.end()),
            skip_reason=reason,
        ))
    return found


def table_numbers(table: pd.DataFrame | pd.Series, extra: Iterable[float] = ()) -> list[float]:
    """All numeric cells of a table (and its numeric index), plus any extra figures."""
    frame = table.to_frame() if isinstance(table, pd.Series) else table
    values = [float(v) for v in frame.select_dtypes("number").to_numpy().ravel()]
    if pd.api.types.is_numeric_dtype(frame.index):
        values += [float(v) for v in frame.index]
    values += [float(v) for v in extra]
    return [v for v in values if not math.isnan(v)]


def _closest(
    number: StatedNumber, values: list[float], unit: float = 1.0
) -> tuple[float | None, bool]:
    # "giảm 60,9%" is written without the minus sign the table has, so compare sizes.
    sizes = [abs(v) for v in values]
    if number.percent:  # a share may be stored as 0.125 or as 12.5
        candidates = sizes + [v * 100 for v in sizes]
    else:  # a table "in millions" holds 281.9 for "281,9 triệu"
        candidates = sizes + ([v * unit for v in sizes] if unit != 1.0 else [])
    if not candidates:
        return None, False
    best = min(candidates, key=lambda v: abs(v - number.value))
    # A tiny relative slack covers float noise in computed shares and averages.
    ok = abs(best - number.value) <= number.tolerance + 1e-9 * max(1.0, abs(best))
    return best, ok


def format_number(value: float | None) -> str:
    """Vietnamese style: 281.930.000 and 12,9 (course.numbers; empty for no value)."""
    if value is None:
        return ""
    return numbers.number(value, 2)


def check_numbers(
    answer: str,
    table: pd.DataFrame | pd.Series,
    extra: Iterable[float] = (),
    show_skipped: bool = False,
    unit: float = 1.0,
) -> pd.DataFrame:
    """One row per number in `answer`: found in `table` or not (Vietnamese column names).

    `unit` is what one table unit is worth (1_000_000 for a table in millions of đồng).
    Years, months, list numbers and small counts are left out unless `show_skipped`.
    """
    values = table_numbers(table, extra)
    rows = []
    for n in extract_numbers(answer):
        if n.skip_reason:
            if not show_skipped:
                continue
            best, verdict = None, t("capstone.fc_skipped_" + n.skip_reason)
        else:
            best, ok = _closest(n, values, unit)
            verdict = t("capstone.fc_ok") if ok else t("capstone.fc_not_found")
        rows.append({
            t("capstone.fc_col_number"): n.text,
            t("capstone.fc_col_context"): n.context,
            t("capstone.fc_col_closest"): format_number(best),
            t("capstone.fc_col_verdict"): verdict,
        })
    columns = [t("capstone.fc_col_" + c) for c in ("number", "context", "closest", "verdict")]
    return pd.DataFrame(rows, columns=columns)


def made_up(
    answer: str, table: pd.DataFrame | pd.Series, extra: Iterable[float] = (), unit: float = 1.0
) -> list[str]:
    """Just the figures from `answer` that are not in `table`, as written."""
    values = table_numbers(table, extra)
    return [n.text for n in extract_numbers(answer)
            if not n.skip_reason and not _closest(n, values, unit)[1]]


def summary(
    answer: str, table: pd.DataFrame | pd.Series, extra: Iterable[float] = (), unit: float = 1.0
) -> str:
    """A one-line Vietnamese verdict for the lesson."""
    numbers = [n for n in extract_numbers(answer) if not n.skip_reason]
    wrong = made_up(answer, table, extra, unit)
    if not numbers:
        return t("capstone.fc_summary_none")
    if not wrong:
        return t("capstone.fc_summary_all_ok", total=len(numbers))
    return t("capstone.fc_summary_wrong", total=len(numbers), wrong=len(wrong),
             items=", ".join(wrong))


def load_sales() -> pd.DataFrame:
    """Lesson 07's year of sales (synthetic, seeded; see course/data/sources/lessons_05_09.md)."""
    return pd.read_csv(DATA_DIR / "doanh_so_2025.csv")


# ----------------------------------------------------------------------------- lesson 06 checks
# Claims that advertising rules and marketplaces reject for food and herbal products, or that a
# shop can rarely prove. Written without diacritics; matched on folded text.
RISKY_PROMISES = (
    "chua khoi", "chua benh", "chua cam", "tri benh", "tri dut", "khoi benh", "than duoc",
    "thay thuoc", "giam can", "khong tac dung phu", "cam ket 100", "bao dam hieu qua",
    "dam bao hieu qua", "tot nhat", "so 1", "so mot", "re nhat", "duy nhat",
)
_LIST_MARK = re.compile(r"^\s*(?:\d+[.)]|[-*•])\s*")


def risky_phrases(text: str) -> list[str]:
    """Promises in `text` that need proof or are not allowed (as written in the text)."""
    source = nfc(text)
    folded = fold(source)
    if len(folded) != len(source):  # folding changed the length: report folded phrases
        return [p for p in RISKY_PROMISES if re.search(rf"\b{re.escape(p)}\b", folded)]
    found = []
    for p in RISKY_PROMISES:
        for m in re.finditer(rf"\b{re.escape(p)}\b", folded):
            found.append(source[m.start():m.end()])
    return found


def answer_lines(answer: str) -> list[str]:
    """The non-empty lines of a model answer, without the offline label or list marks."""
    lines = [_LIST_MARK.sub("", ln).strip() for ln in strip_label(answer).splitlines()]
    return [ln.strip('"“” ') for ln in lines if ln.strip()]


def check_titles(
    titles: str | list[str], limit: int, keywords: Iterable[str] = (), visible: int = 40
) -> pd.DataFrame:
    """Length and keyword check for marketplace titles (one per line if given as text).

    `visible` is roughly how much of a title a phone shows in search results, so the key
    words should sit in that first part.
    """
    items = answer_lines(titles) if isinstance(titles, str) else [str(x) for x in titles]
    words = [k for k in keywords if str(k).strip()]
    rows = []
    for title in items:
        missing = [k for k in words if fold(k) not in fold(title)]
        rows.append({
            t("capstone.fc_col_title"): title,
            t("capstone.fc_col_chars"): len(title),
            t("capstone.fc_col_length_ok"): "✅" if len(title) <= limit else
            t("capstone.fc_too_long", over=len(title) - limit),
            t("capstone.fc_col_missing"): ", ".join(missing) if missing else "✅",
            t("capstone.fc_col_visible"): title[:visible] + ("…" if len(title) > visible else ""),
        })
    return pd.DataFrame(rows)


def product_numbers(product: dict | pd.Series) -> list[float]:
    """Every number in a product's row, including those inside text ("hũ 200 g" -> 200)."""
    values: list[float] = []
    for value in dict(product).values():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            values.append(float(value))
        elif isinstance(value, str):
            values += [n.value for n in extract_numbers(value)]
    return values


def publish_checklist(text: str, product: dict | pd.Series, source: str = "") -> pd.DataFrame:
    """Automatic part of the pre-publishing checklist, plus the items only a person can check.

    Numbers must come from the product's row or from `source` (the story the post was written
    from, whose facts the shop vouches for); anything else is flagged.
    """
    body = answer_lines(text)
    plain = "\n".join(body)
    known = product_numbers(product) + [n.value for n in extract_numbers(source)]
    wrong = made_up(plain, pd.DataFrame(), extra=known)
    risky = risky_phrases(plain)
    info = dict(product)
    name = str(info.get("ten_sp") or "")
    price = info.get("gia_ban_vnd")
    said_price = price not in (None, "") and any(
        abs(n.value - float(price)) < 0.5 for n in extract_numbers(plain))  # type: ignore[arg-type]
    # A post is at least two sentences that name the business: a one-line refusal or a
    # hand-over sentence is not a post, whatever its numbers and promises.
    refusal = re.search(r"chuyển (?:ngay )?cho nhân viên|người phụ trách trả lời|chưa có thông tin"
                        r"|em sẽ hỏi lại|không làm được|course\.setup|xin phép hỏi lại", plain,
                        flags=re.IGNORECASE)
    is_post = len(re.findall(r"[.!?…](?:\s|$)", plain + " ")) >= 2 and \
        len(plain.split()) >= 15 and not refusal
    rows = [
        (t("capstone.ck_post"), t("capstone.ck_post_ok") if is_post else t("capstone.ck_post_bad")),
        (t("capstone.ck_name"), t("capstone.ck_name_ok") if name and nfc(name).lower() in
         nfc(plain).lower() else t("capstone.ck_name_bad", name=name)),
        (t("capstone.ck_price"), t("capstone.ck_price_ok") if said_price else
         t("capstone.ck_price_bad", price=numbers.number(price) if price not in (None, "") else
           "—")),
        (t("capstone.ck_numbers"), t("capstone.ck_numbers_bad", items=", ".join(wrong))
         if wrong else t("capstone.ck_numbers_ok")),
        (t("capstone.ck_promises"), t("capstone.ck_promises_bad", items=", ".join(risky))
         if risky else t("capstone.ck_promises_ok")),
        (t("capstone.ck_ai"), t("capstone.ck_manual")),
        (t("capstone.ck_images"), t("capstone.ck_manual")),
        (t("capstone.ck_consent"), t("capstone.ck_manual")),
    ]
    return pd.DataFrame(rows, columns=[t("capstone.ck_col_item"), t("capstone.ck_col_result")])


def verified_lines(
    answer: str, table: pd.DataFrame | pd.Series, extra: Iterable[float] = (), unit: float = 1.0
) -> list[str]:
    """The answer's sentences (one per line) whose numbers are all in `table`; headings dropped."""
    values = table_numbers(table, extra)
    kept = []
    for line in answer_lines(answer):
        if line.endswith(":"):
            continue
        numbers = [n for n in extract_numbers(line) if not n.skip_reason]
        if all(_closest(n, values, unit)[1] for n in numbers):
            kept.append(line)
    return kept
