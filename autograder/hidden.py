"""Hidden tests: strip them from what student code can see, find them in what leaves.

The grader keeps the full notebook (hidden tests included) on its side and sends the cells
to the kernel one by one; the notebook the kernel finds in its working folder is stripped
(``strip``). Whatever student code prints or writes, and every feedback page, is scanned
for the hidden lines (``Secrets.find``) before it is kept or sent.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable

from nbformat import NotebookNode

HIDDEN_BLOCK = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[ \t]*\n?",
                          re.S | re.M)
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
TAG = re.compile(r"<[^>]+>")
# A hidden line shorter than this (squashed) says nothing by itself ("import re", ")").
MIN_SECRET = 12
_UNICODE = re.compile(r"\\u([0-9a-fA-F]{4})")
_ESCAPE = re.compile(r"\\(.)")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r"}
_TRIVIAL = re.compile(r"^(import\s|from\s+\S+\s+import\s|#|pass$|return$|else:|try:|except)")


def squash(text: str) -> str:
    """Text without colour codes and whitespace: tracebacks and HTML re-wrap lines."""
    return "".join(ANSI.sub("", text).split())


def hidden_blocks(source: str) -> list[str]:
    return [m.group(0) for m in HIDDEN_BLOCK.finditer(source)]


def strip(nb: NotebookNode) -> NotebookNode:
    """A copy of the notebook whose cells hold no hidden-test block and no output."""
    import nbformat

    out = nbformat.from_dict(json.loads(json.dumps(nb)))
    for cell in out.cells:
        if HIDDEN_BLOCK.search(cell.get("source", "")):
            cell.source = HIDDEN_BLOCK.sub("", cell.source)
        if cell.cell_type == "code":
            cell.outputs = []
    return out


def _lines(text: str | list[str]) -> set[str]:
    if not isinstance(text, str):  # raw notebook JSON keeps a source as a list of lines
        text = "".join(text)
    return {squash(ln) for ln in text.splitlines() if squash(ln)}


class Secrets:
    """The hidden-test lines of an assignment that appear nowhere participants can see."""

    def __init__(self, hidden: Iterable[str], visible: Iterable[str] = ()):
        public: set[str] = set()
        for text in visible:
            public |= _lines(text)
        lines: set[str] = set()
        for block in hidden:
            for raw in block.splitlines():
                line = raw.strip()
                flat = squash(line)
                if len(flat) < MIN_SECRET or _TRIVIAL.match(line) or flat in public:
                    continue
                lines.add(flat)
        self.lines = sorted(lines)

    @classmethod
    def from_notebooks(cls, notebooks: Iterable[NotebookNode]) -> Secrets:
        hidden, visible = [], []
        for nb in notebooks:
            for cell in nb.cells:
                src = cell.get("source", "")
                hidden += hidden_blocks(src)
                visible.append(HIDDEN_BLOCK.sub("", src))
        return cls(hidden, visible)

    def without(self, own_text: Iterable[str]) -> Secrets:
        """Minus lines the participant wrote themselves (showing them back reveals nothing)."""
        own: set[str] = set()
        for text in own_text:
            own |= _lines(text)
        copy = Secrets([])
        copy.lines = [ln for ln in self.lines if ln not in own and not any(ln in o for o in own)]
        return copy

    def find(self, text: str) -> list[str]:
        """Hidden lines found in ``text`` (plain, JSON-escaped or HTML, any wrapping)."""
        if not self.lines or not text:
            return []
        variants = {squash(text), squash(html.unescape(TAG.sub("", text)))}
        if "\\" in text:  # JSON or Python string escapes: \" \n \u00e0
            plain = _UNICODE.sub(lambda m: chr(int(m.group(1), 16)), text)
            variants.add(squash(_ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(1)),
                                            plain)))
        return [ln for ln in self.lines if any(ln in v for v in variants)]

    def __bool__(self) -> bool:
        return bool(self.lines)


def output_text(output: dict) -> str:
    parts = [str(output.get("evalue", "")), *map(str, output.get("traceback", [])),
             "".join(output.get("text", "")) if isinstance(output.get("text"), list)
             else str(output.get("text", ""))]
    for value in (output.get("data") or {}).values():
        parts.append("".join(value) if isinstance(value, list) else
                     value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
    return "\n".join(parts)
