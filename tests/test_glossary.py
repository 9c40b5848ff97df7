"""One word for each thing: the glossary (course/data/glossary.json) and the Vietnamese message
catalogues agree, so a lesson's "dấu ngoặc kép" is not the error help's "dấu nháy"."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest

import course

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = json.loads((ROOT / "course" / "data" / "glossary.json").read_text(encoding="utf-8"))
CATALOGUES = sorted((ROOT / "course" / "data" / "messages" / "vi").glob("*.json"))
LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _catalogue_strings() -> list[tuple[str, str]]:
    out = []
    for path in CATALOGUES:
        for key, text in json.loads(path.read_text(encoding="utf-8")).items():
            # {folder} is a placeholder's name, not a word the participant reads
            out.append((f"{path.stem}.{key}", re.sub(r"\{[a-z_0-9]*\}", "", text)))
    return out


def _has(phrase: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text, re.IGNORECASE) is not None


def test_glossary_is_well_formed() -> None:
    raw = (ROOT / "course" / "data" / "glossary.json").read_text(encoding="utf-8")
    assert unicodedata.is_normalized("NFC", raw)
    for name, term in GLOSSARY["terms"].items():
        assert term["use"] and term["en"], name
        assert not any(_has(a, term["use"]) for a in term["avoid"]), name


@pytest.mark.parametrize("name", sorted(GLOSSARY["terms"]))
def test_catalogues_use_the_glossary_word(name: str) -> None:
    term = GLOSSARY["terms"][name]
    wrong = [(key, avoid) for key, text in _catalogue_strings() for avoid in term["avoid"]
             if _has(avoid, text)]
    assert not wrong, f"say \"{term['use']}\" instead: {wrong}"


def test_the_glossary_words_are_the_ones_the_course_uses() -> None:
    lessons = "\n".join(p.read_text(encoding="utf-8") for p in LESSONS)
    catalogues = "\n".join(text for _, text in _catalogue_strings())
    unused = [t["use"] for t in GLOSSARY["terms"].values()
              if not _has(t["use"], lessons) and not _has(t["use"], catalogues)]
    assert not unused, unused


def test_the_quote_help_says_what_the_lessons_say() -> None:
    quote = GLOSSARY["terms"]["quote"]["use"]
    vi = json.loads((ROOT / "course/data/messages/vi/notebook.json").read_text(encoding="utf-8"))
    assert quote in vi["quote"]
    assert any(quote in p.read_text(encoding="utf-8") for p in LESSONS)


def test_guessed_function_names_point_at_real_ones() -> None:
    for guess, real in GLOSSARY["course_functions"].items():
        assert re.fullmatch(r"[a-z_]+", guess), guess
        assert real in course.__all__, (guess, real)
        assert not hasattr(course, guess), f"{guess} is a real name, not a guess"


def test_column_headings_are_vietnamese_text() -> None:
    for name, label in GLOSSARY["columns"].items():
        assert re.fullmatch(r"[a-z0-9_]+", name), name
        assert label[0].isupper() and "_" not in label, (name, label)
