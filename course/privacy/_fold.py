"""Position-keeping fold: `course.text.fold` applied one character at a time."""

from __future__ import annotations

from functools import cache

from ..text import fold


def fold_chars(text: str) -> str:
    """Lower case without diacritics, one output character per input character.

    A match in the folded text maps back onto the same span of `text` (NFC input).
    """
    return "".join(_fold_char(c) for c in text)


@cache
def _fold_char(char: str) -> str:
    folded = fold(char) if not char.isspace() else ""
    return folded[0] if folded else char
