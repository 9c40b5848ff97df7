"""Safe rendering of model output and learner text for ipywidgets.HTML.

Everything is HTML-escaped first; only then may a tiny, fixed set of tags be added.
Model output can therefore never run as HTML or JavaScript in the notebook.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

PRE_STYLE = "white-space:pre-wrap;word-wrap:break-word;font-family:inherit;font-size:15px;margin:0"
ERROR_STYLE = "color:#b00020;font-size:15px"
OK_STYLE = "color:#1b5e20;font-size:15px"
NOTE_STYLE = "color:#555;font-size:14px"
WARNING_STYLE = "color:#8a4b00;background:#fff4e0;padding:4px 8px;font-size:15px"

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_HEADING = re.compile(r"^(#{1,4})\s+(.*)$")
_BULLET = re.compile(r"^\s*[-*•]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+(.*)$")


def escape(text: object) -> str:
    """HTML-escape any value (quotes included), keeping it as plain text."""
    return html.escape("" if text is None else str(text), quote=True)


def render_text(text: object) -> str:
    """Escaped text in a <pre> that keeps newlines and wraps long lines."""
    return f'<pre style="{PRE_STYLE}">{escape(text)}</pre>'


def render_markdown(text: object) -> str:
    """Escape, then apply only bold, bullet/numbered lists and headings.

    No links, images or raw HTML: the input is escaped before any tag is added.
    """
    out: list[str] = []
    open_list: str | None = None

    def close_list() -> None:
        nonlocal open_list
        if open_list:
            out.append(f"</{open_list}>")
            open_list = None

    for raw in escape(text).split("\n"):
        line = _BOLD.sub(r"<strong>\1</strong>", raw)
        if m := _HEADING.match(line):
            close_list()
            level = min(len(m.group(1)) + 2, 6)  # keep headings modest inside a widget
            out.append(f"<h{level}>{m.group(2)}</h{level}>")
        elif m := _BULLET.match(line):
            if open_list != "ul":
                close_list()
                out.append("<ul>")
                open_list = "ul"
            out.append(f"<li>{m.group(1)}</li>")
        elif m := _NUMBERED.match(line):
            if open_list != "ol":
                close_list()
                out.append("<ol>")
                open_list = "ol"
            out.append(f"<li>{m.group(1)}</li>")
        else:
            close_list()
            out.append(f"{line}<br>" if line.strip() else "<br>")
    close_list()
    return f'<div style="font-size:15px">{"".join(out)}</div>'


def render_highlight(text: str, spans: Iterable[tuple[int, int, str]]) -> str:
    """Escape `text` and wrap each (start, end, title) span in <mark>; overlaps are skipped."""
    parts: list[str] = []
    pos = 0
    for start, end, title in sorted(spans, key=lambda s: (s[0], -s[1])):
        if start < pos or end <= start:
            continue
        parts.append(escape(text[pos:start]))
        parts.append(f'<mark title="{escape(title)}">{escape(text[start:end])}</mark>')
        pos = end
    parts.append(escape(text[pos:]))
    return f'<pre style="{PRE_STYLE}">{"".join(parts)}</pre>'


def render_error(message: object) -> str:
    return f'<div style="{ERROR_STYLE}">⚠ {escape(message)}</div>'


def render_ok(message: object) -> str:
    return f'<div style="{OK_STYLE}">✔ {escape(message)}</div>'


def render_note(message: object) -> str:
    return f'<div style="{NOTE_STYLE}">{escape(message)}</div>'


def render_table(rows: Iterable[Iterable[object]], header: Iterable[object]) -> str:
    """A plain HTML table; every cell escaped, newlines kept (pandas' to_html shows "\\n")."""
    cell = "border:1px solid #ccc;padding:3px 8px;vertical-align:top;white-space:pre-wrap"
    head = "".join(f'<th style="{cell}">{escape(h)}</th>' for h in header)
    body = "".join(
        "<tr>" + "".join(f'<td style="{cell}">{escape(v)}</td>' for v in row) + "</tr>"
        for row in rows
    )
    return (
        '<table style="border-collapse:collapse;font-size:14px">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def render_warning(message: object) -> str:
    return f'<div style="{WARNING_STYLE}">⚠ {escape(message)}</div>'
