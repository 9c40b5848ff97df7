"""underthesea's word segmentation, POS tags and names for the simulation and the personal-data
check, with the course's own texts answered from a file.

Importing underthesea and loading its CRF models costs ~0.7 s of CPU once per kernel (profiled
with benchmarks/app_mode_bench.py --cells): on an app page (Voilà runs the whole lesson before
the page is shown) it was the largest single cost of lessons 05 and 09, whose chat answers the
course's sample shop (and checks its prompt for personal data). The course asks underthesea
about the same sentences every time a lesson runs, so their answers are kept in
data/offline/underthesea_memo.json, made by running the lessons with the installed underthesea
(`python -m course.llm.vi_words`) and checked against it (tests/test_lazy_imports.py). Any
other text (the participant's own business) goes to underthesea as before, loaded on first
need. The file is used only while the installed underthesea and underthesea_core are the
versions that made it.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

MEMO_FILE = Path(__file__).resolve().parent.parent / "data" / "offline" / "underthesea_memo.json"
# Set by the rebuild: every text asked about is appended (one JSON line) to this file.
RECORD_ENV = "COURSE_VI_WORDS_RECORD"
FUNCTIONS = ("word_tokenize", "pos_tag", "ner")
_ROWS = ("pos_tag", "ner")  # rows of a word and its tags (tuples, as underthesea gives them)


def installed_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return {p: version(p) for p in ("underthesea", "underthesea_core")}
    except PackageNotFoundError:
        return {}


@cache
def _memo() -> dict[str, dict[str, Any]]:
    try:
        data = json.loads(MEMO_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not data.get("versions") or data["versions"] != installed_versions():
        return {}  # another underthesea could segment differently: ask it
    return {f: data.get(f, {}) for f in FUNCTIONS}


def known(function: str, text: str) -> list | None:
    """The memo's answer of underthesea's `function` for `text`, or None (ask underthesea)."""
    path = os.environ.get(RECORD_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps([function, text], ensure_ascii=False) + "\n")
    found = _memo().get(function, {}).get(text)
    if found is None:
        return None
    return [tuple(x) for x in found] if function in _ROWS else list(found)


def word_tokenize(text: str) -> list[str]:
    """underthesea.word_tokenize(text)."""
    found = known("word_tokenize", text)
    if found is not None:
        return found
    from underthesea import word_tokenize as segment  # heavy: on the first unknown text only

    return segment(text)


def pos_tag(text: str) -> list[tuple[str, str]]:
    """underthesea.pos_tag(text): (word, tag) pairs."""
    found = known("pos_tag", text)
    if found is not None:
        return found
    from underthesea import pos_tag as tag_words  # heavy: on the first unknown text only

    return tag_words(text)


def live(function: str, text: str) -> Any:
    """What the installed underthesea itself answers (the rebuild and its test)."""
    import underthesea

    out = getattr(underthesea, function)(text)
    return [list(x) for x in out] if function in _ROWS else list(out)


def rebuild(lessons: list[Path] | None = None) -> dict:
    """Run the lessons (a temporary copy, offline, in the course kernel) recording what the
    simulation asks underthesea, then write the memo with underthesea's own answers."""
    import shutil
    import tempfile

    import nbformat
    from nbclient import NotebookClient

    from ..lab import lab_environment, project_root

    notebooks = project_root() / "notebooks"
    lessons = lessons or sorted(notebooks.glob("[0-9][0-9]_*.ipynb"))
    with tempfile.TemporaryDirectory(prefix="vi-words-") as tmp:
        work = Path(tmp) / "notebooks"
        shutil.copytree(notebooks, work, ignore=shutil.ignore_patterns(
            "ket_qua", ".ipynb_checkpoints"))
        record = Path(tmp) / "asked.jsonl"
        env = lab_environment({k: v for k, v in os.environ.items()
                               if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")})
        env.update({RECORD_ENV: str(record), "COURSE_CACHE_DIR": str(Path(tmp) / "cache"),
                    "COURSE_BACKEND": "offline"})
        for lesson in lessons:
            nb = nbformat.read(work / lesson.name, as_version=4)
            # The kernel gets its environment from start_kernel(env=...): this process's own
            # os.environ is never changed (the library-wide rule tested in test_llm_session).
            NotebookClient(nb, timeout=600, allow_errors=True,
                           resources={"metadata": {"path": str(work)}}).execute(env=env)
        asked = [json.loads(line) for line in record.read_text(encoding="utf-8").splitlines()]
    memo: dict[str, Any] = {"versions": installed_versions()}
    for function in FUNCTIONS:
        texts = sorted({text for f, text in asked if f == function})
        memo[function] = {text: live(function, text) for text in texts}
    # One text a line, so a change to a lesson shows as a readable diff.
    lines = ["{", f'"versions": {json.dumps(memo["versions"], sort_keys=True)},']
    for i, function in enumerate(FUNCTIONS):
        entries = [f"{json.dumps(k, ensure_ascii=False)}: {json.dumps(v, ensure_ascii=False)}"
                   for k, v in memo[function].items()]
        lines += [f'"{function}": {{', ",\n".join(entries),
                  "}" + ("," if i < len(FUNCTIONS) - 1 else "")]
    MEMO_FILE.write_text("\n".join([*lines, "}", ""]), encoding="utf-8")
    _memo.cache_clear()
    return {f: len(memo[f]) for f in FUNCTIONS}


if __name__ == "__main__":
    print(rebuild())
