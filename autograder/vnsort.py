"""Vietnamese names: splitting into family/middle/given and dictionary-order sorting.

Vietnamese order compares base letters first (a < ă < â < b < … < d < đ < e < ê …), then
tones (none < huyền < hỏi < ngã < sắc < nặng), then case. Class lists are sorted by the
given name (last word), then the family name (first word), then the middle names.
"""

from __future__ import annotations

import unicodedata

ALPHABET = "a ă â b c d đ e ê f g h i j k l m n o ô ơ p q r s t u ư v w x y z".split()
LETTER_RANK = {letter: i for i, letter in enumerate(ALPHABET)}
TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
SHAPES = {"\u0306", "\u0302", "\u031b"}  # breve, circumflex, horn: part of the letter


def _letters(word: str) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    primary, tones, case = [], [], []
    for ch in unicodedata.normalize("NFC", word):
        decomposed = unicodedata.normalize("NFD", ch)
        base = decomposed[0]
        shape = "".join(m for m in decomposed[1:] if m in SHAPES)
        tone = max((TONES.get(m, 0) for m in decomposed[1:]), default=0)
        letter = unicodedata.normalize("NFC", base.lower() + shape)
        rank = LETTER_RANK.get(letter)
        primary.append(rank if rank is not None else 100 + ord(letter[0]))
        tones.append(tone)
        case.append(0 if base.islower() else 1)
    return tuple(primary), tuple(tones), tuple(case)


def word_key(text: str) -> tuple:
    """Sort key for any Vietnamese text: letters first, then tones, then case."""
    keys = [_letters(w) for w in text.split()]
    return (tuple(k[0] for k in keys), tuple(k[1] for k in keys), tuple(k[2] for k in keys))


def split_name(full_name: str) -> tuple[str, str, str]:
    """'Nguyễn Thị Minh Khai' -> ('Nguyễn', 'Thị Minh', 'Khai')."""
    words = unicodedata.normalize("NFC", " ".join(full_name.split())).split(" ")
    if len(words) == 1:
        return "", "", words[0]
    return words[0], " ".join(words[1:-1]), words[-1]


def name_key(full_name: str) -> tuple:
    """Given name, then family name, then middle names (Vietnamese class-list order)."""
    family, middle, given = split_name(full_name)
    return (word_key(given), word_key(family), word_key(middle), word_key(full_name))


def sort_names(names: list[str]) -> list[str]:
    return sorted(names, key=name_key)
