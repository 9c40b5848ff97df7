"""The widget catalogue: every key the code uses exists in Vietnamese and English, NFC text."""

from __future__ import annotations

import json
import os
import re
import string
import subprocess
import sys
import unicodedata
from pathlib import Path

from course.widgets.funnel import COLUMNS
from course.widgets.prompt_builder import PARTS

ROOT = Path(__file__).resolve().parent.parent
CODE = ROOT / "course" / "widgets"
MESSAGES = ROOT / "course" / "data" / "messages"


def _catalogue(lang: str) -> dict[str, str]:
    return json.loads((MESSAGES / lang / "widgets.json").read_text(encoding="utf-8"))


def _used_keys() -> set[str]:
    keys: set[str] = set()
    for path in CODE.glob("*.py"):
        for key in re.findall(r"[\"']widgets\.([a-z0-9_]+)[\"']", path.read_text(encoding="utf-8")):
            if not key.endswith("_"):  # a prefix joined with a name at run time
                keys.add(key)
    # keys built at run time
    keys |= {f"pb_label_{p}" for p in PARTS} | {f"pb_placeholder_{p}" for p in PARTS}
    keys |= {f"pb_prefix_{p}" for p in PARTS if p != "role"}
    keys |= {f"funnel_col_{c}" for c in COLUMNS}
    return keys


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_used_key_exists_in_both_languages():
    vi, en = _catalogue("vi"), _catalogue("en")
    used = _used_keys()
    assert len(used) > 100
    assert not used - set(vi), used - set(vi)
    assert set(vi) == set(en)
    assert not set(vi) - used, f"unused keys: {set(vi) - used}"


def test_text_is_nfc_and_placeholders_match():
    vi, en = _catalogue("vi"), _catalogue("en")
    for key, text in vi.items():
        assert unicodedata.normalize("NFC", text) == text, key
        assert text.strip() == text and text, key
        if "{" in text and key not in ("batch_bad_braces", "batch_empty_placeholder",
                                        "funnel_bad_input"):
            assert _fields(text) == _fields(en[key]), key


def test_package_exports_every_widget_lazily():
    import course.widgets as w

    assert sorted(w.__all__) == sorted(w._EXPORTS)
    for name in w.__all__:
        assert getattr(w, name).__module__.startswith("course.widgets.")
    code = ("import sys, course; course.setup(); from course.widgets import Quiz; Quiz.load('00');"
            "print(sorted(m for m in sys.modules if m.startswith('course.widgets.')))")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=env)
    loaded = out.stdout.strip()
    assert "connection" in loaded and "quiz" in loaded
    assert "batch_run" not in loaded and "funnel" not in loaded  # no pandas/matplotlib cost
