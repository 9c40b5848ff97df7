"""Person names from underthesea's CRF named-entity model, loaded on first use only.

underthesea ships its models inside the wheel, so this works offline. Importing it and loading
the models costs ~0.6 s and ~85 MB once per process (figures in benchmarks/README.md), which is
why `people.py` asks this module only about capitalised words its rules could not decide.
The model needs diacritics and capital letters: on text typed without them it finds nothing,
and the rules carry that case alone.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from ..text import fold_chars

_lock = threading.Lock()
_ner: Callable[[str], list[tuple[Any, ...]]] | None = None


def loaded() -> bool:
    """True once the model has been loaded in this process."""
    return _ner is not None


def _model() -> Callable[[str], list[tuple[Any, ...]]]:
    global _ner
    with _lock:
        if _ner is None:
            from underthesea import ner  # heavy: imported here, on first use only

            _ner = ner
    return _ner


def person_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) offsets in `text` of the PER entities the model finds in text[start:end]."""
    chunk = text[start:end]
    if not chunk.strip():
        return []
    from ..llm.vi_words import known  # the course's own texts: no model to load

    tagged = known("ner", chunk)
    if tagged is None:
        tagged = _model()(chunk)
    spans: list[tuple[int, int]] = []
    folded = fold_chars(chunk)
    cursor = 0
    current: list[int] | None = None
    for row in tagged:
        word, tag = str(row[0]), str(row[-1])
        pos = _locate(chunk, folded, word, cursor)
        if pos is None:
            current = None
            continue
        w_start, w_end = pos
        cursor = w_end
        if tag == "B-PER" or (tag == "I-PER" and current is None):
            current = [w_start, w_end]
            spans.append((start + w_start, start + w_end))
        elif tag == "I-PER" and current is not None:
            current[1] = w_end
            spans[-1] = (start + current[0], start + w_end)
        else:
            current = None
    return spans


def _locate(chunk: str, folded: str, word: str, cursor: int) -> tuple[int, int] | None:
    """Where the model's token `word` sits in `chunk` at or after `cursor`.

    The model may normalise spelling (tone-mark placement), so a folded match is tried too.
    """
    at = chunk.find(word, cursor)
    if at == -1:
        at = folded.find(fold_chars(word.lower()), cursor)
    if at == -1 or at - cursor > 40:
        return None
    return at, at + len(word)
