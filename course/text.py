"""Small text helpers shared by the course: Unicode NFC and a diacritic-free folded form."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

_SPACES = re.compile(r"\s+")


def nfc(text: str) -> str:
    """Vietnamese must be NFC: NFD text looks the same but costs more tokens and breaks matching."""
    return unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """Lower-case, strip diacritics (đ→d), collapse spaces: matches text typed without accents."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    stripped = stripped.replace("đ", "d").replace("Đ", "d")
    return _SPACES.sub(" ", stripped).strip()


def fold_chars(text: str) -> str:
    """`fold` that keeps every position (no space collapsing), so a match in the folded text
    maps back onto the same span of `text` (NFC input). Used to find cue words and names."""
    return "".join(_fold_char(ch) for ch in text)


@cache
def _fold_char(ch: str) -> str:
    if ch.isspace():
        return " "
    folded = fold(ch)
    return folded[0] if folded else ch


_SYLLABLE = re.compile(r"[^\W_]+")


def syllables(text: str) -> list[str]:
    """Vietnamese syllables (letters and digits runs) of `text` after NFC, in order."""
    return _SYLLABLE.findall(nfc(text))
