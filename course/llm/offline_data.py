"""Data files of the offline simulation, loaded once (wording lives there, not in code)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data"
NUMBER_WORDS = {"mot": 1, "hai": 2, "ba": 3, "bon": 4, "tu": 4, "nam": 5, "sau": 6, "bay": 7,
                "tam": 8, "chin": 9, "muoi": 10, "one": 1, "two": 2, "three": 3, "four": 4,
                "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}


@cache
def cues() -> dict:
    """How requests are read: data/offline/frame.json."""
    return json.loads((DATA / "offline" / "frame.json").read_text(encoding="utf-8"))


@cache
def generic() -> dict:
    """Templates answers are written from: data/offline/generic.json."""
    return json.loads((DATA / "offline" / "generic.json").read_text(encoding="utf-8"))
