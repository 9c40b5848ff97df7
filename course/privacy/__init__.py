"""Find and mask Vietnamese personal data: numbers and e-mail (numbers.py), names and
street addresses (people.py, with underthesea's NER loaded on first need, ner.py).

Offsets: `find_pii` normalises the text to Unicode NFC first, and `start`/`end` index that
NFC string. For ordinary (already NFC) text they index the string exactly as given; for NFD
input use `unicodedata.normalize("NFC", text)[m.start:m.end]`.

Masking keeps the words around personal data: titles ("chị [HỌ TÊN]"), context words
("STK Vietcombank [SỐ TÀI KHOẢN]") and delivery cues ("giao về [ĐỊA CHỈ]"), so a masked
message still reads. Masking twice gives the same text as masking once.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from itertools import accumulate

from ..errors import CourseTypeError
from ..i18n import t
from ..text import fold_chars as fold
from ..text import nfc
from . import people
from .numbers import (
    NUMBER_KINDS,
    PiiMatch,
    find_numbers,
    is_cccd,
    is_landline,
    is_mobile,
    luhn_ok,
    national_phone,
    tax_check_ok,
)

PEOPLE_KINDS = ("name", "address")
_MAX_PASSES = 4
KINDS = NUMBER_KINDS + PEOPLE_KINDS

__all__ = [
    "KINDS", "NUMBER_KINDS", "PEOPLE_KINDS", "PiiMatch", "find_pii", "fold", "is_cccd",
    "is_landline", "is_mobile", "luhn_ok", "mask_pii", "national_phone", "pii_summary",
    "placeholder", "tax_check_ok",
]


def _require_text(text: object) -> None:
    if text is not None and not isinstance(text, str):
        raise CourseTypeError(t("privacy.error_not_text", type=type(text).__name__))


def find_pii(text: str) -> list[PiiMatch]:
    """Personal data in `text`, sorted by start, without overlaps.

    The text is normalised to NFC first; offsets index the NFC text (see the module doc).
    """
    _require_text(text)
    if not text:
        return []
    text = nfc(text)
    numbers = find_numbers(text)
    # A number's reading is surer than a name's or an address's: on overlap the number wins.
    # (bisect over the numbers' starts with a running maximum of their ends: linear in the
    # text, where comparing every name with every number grew with the square of its length)
    numbers.sort(key=lambda n: n.start)
    starts = [n.start for n in numbers]
    reach = list(accumulate((n.end for n in numbers), max))
    found = numbers + [
        PiiMatch(s.kind, s.start, s.end, text[s.start : s.end])
        for s in people.find(text)
        if not ((i := bisect_left(starts, s.end)) and reach[i - 1] > s.start)
    ]
    found.sort(key=lambda m: (m.start, -m.end))
    result: list[PiiMatch] = []
    for match in found:
        if result and match.start < result[-1].end:
            continue  # the earlier, longer match wins: e-mails swallow their digits
        result.append(match)
    return result


def placeholder(kind: str) -> str:
    """The Vietnamese placeholder that replaces one kind of personal data, e.g. [CCCD]."""
    return t(f"privacy.placeholder_{kind}")


def mask_pii(text: str) -> str:
    """`text` (as NFC) with every piece of personal data replaced by a placeholder.

    Context words and bank names stay, only the number itself is replaced:
    "STK Vietcombank 0123456789" -> "STK Vietcombank [SỐ TÀI KHOẢN]".
    """
    _require_text(text)
    if not text:
        return text
    text = nfc(text)
    # Masking removes context ("Triệu Viettel Lý Ngô" loses "Triệu"), so a second look can find
    # more; mask until nothing changes, which makes masking twice the same as masking once.
    for _ in range(_MAX_PASSES):
        masked = _mask_once(text)
        if masked == text:
            break
        text = masked
    return text


def _mask_once(text: str) -> str:
    parts, pos = [], 0
    for match in find_pii(text):
        parts += [text[pos : match.start], placeholder(match.kind)]
        pos = match.end
    parts.append(text[pos:])
    return "".join(parts)


def pii_summary(matches: Iterable[PiiMatch | tuple[str, int, int, str]]) -> str:
    """A short sentence such as "Phát hiện 2 số điện thoại, 1 số CCCD."."""
    counts = Counter(m[0] for m in matches)
    if not counts:
        return t("privacy.summary_none")
    order = [k for k in KINDS if k in counts] + sorted(k for k in counts if k not in KINDS)
    items = ", ".join(f"{counts[k]} {t(f'privacy.kind_{k}')}" for k in order)
    return t("privacy.summary", items=items)
