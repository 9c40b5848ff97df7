"""Safe rendering of model output and learner text for ipywidgets.HTML.

Everything is HTML-escaped first; only then may a tiny, fixed set of tags be added.
Model output can therefore never run as HTML or JavaScript in the notebook.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

# Everything a participant reads is at the notebook's body size (JupyterLab's content font size,
# 16px in the course's settings), in colours with a WCAG AA contrast (4.5:1) on white.
BODY_FONT = "font-size:var(--jp-content-font-size1,16px)"
PRE_STYLE = f"white-space:pre-wrap;word-wrap:break-word;font-family:inherit;{BODY_FONT};margin:0"
ERROR_STYLE = f"color:#b00020;{BODY_FONT}"
OK_STYLE = f"color:#1b5e20;{BODY_FONT}"
NOTE_STYLE = f"color:#555;{BODY_FONT}"
WARNING_STYLE = f"color:#8a4b00;background:#fff4e0;padding:4px 8px;{BODY_FONT}"

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_HEADING = re.compile(r"^(#{1,4})\s+(.*)$")
_BULLET = re.compile(r"^\s*[-*•]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+(.*)$")
_FENCE = re.compile(r"^\s*```[\w-]*\s*$")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_TABLE_RULE = re.compile(r"^\s*\|(\s*:?-{3,}:?\s*\|)+\s*$")


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

    fence: list[str] | None = None  # lines inside ``` ... ```, shown as they are
    table: list[list[str]] = []  # rows of a | pipe | table |, shown as a table

    def close_table() -> None:
        if table:
            out.append(_pipe_table(table))
            table.clear()

    for raw in escape(text).split("\n"):
        if _FENCE.match(raw):
            close_list()
            close_table()
            if fence is None:
                fence = []
            else:
                out.append(_pre(fence))
                fence = None
            continue
        if fence is not None:
            fence.append(raw)
            continue
        if _TABLE_ROW.match(raw):
            close_list()
            if not _TABLE_RULE.match(raw):
                table.append(_pipe_cells(raw))
            continue
        close_table()
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
    close_table()
    if fence is not None:  # an unclosed fence: still its text
        out.append(_pre(fence))
    return f'<div style="{BODY_FONT}">{"".join(out)}</div>'


def _pre(lines: list[str]) -> str:
    return f'<pre style="{PRE_STYLE}">' + "\n".join(lines) + "</pre>"


def _pipe_cells(row: str) -> list[str]:
    """The cells of one escaped `| a | b \\| c |` row (an escaped pipe stays in its cell)."""
    cells = re.split(r"(?<!\\)\|", row.strip()[1:-1])
    return [c.strip().replace("\\|", "|") for c in cells]


def _pipe_table(rows: list[list[str]]) -> str:
    """Already escaped rows as a table like frame_html's: the first row is the heading."""
    head = "".join(f'<th style="{_CELL}">{c}</th>' for c in rows[0])
    body = "".join("<tr>" + "".join(f'<td style="{_TEXT_CELL}">{c}</td>' for c in row) + "</tr>"
                   for row in rows[1:])
    return (f'<div class="course-table"><table style="border-collapse:collapse;{BODY_FONT}">'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>")


def show_markdown(text: str) -> None:
    """Show a Markdown summary rendered (headings, lists, tables, fenced text; no HTML or links
    from the text), with the text itself as the plain-text output (saved notebooks, tests)."""
    from IPython.display import display

    display({"text/plain": text, "text/html": render_markdown(text)}, raw=True)


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
        f'<table style="border-collapse:collapse;{BODY_FONT}">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def render_warning(message: object) -> str:
    return f'<div style="{WARNING_STYLE}">⚠ {escape(message)}</div>'


# ---- pandas tables as participants read them (registered for every notebook by
# course.notebook.install_tables): Vietnamese headings, có/không, numbers written the Vietnamese
# way, whole texts, no index numbers, no "Name: …, dtype: …" line.

_CELL = "border:1px solid #c8c8c8;padding:3px 8px;vertical-align:top;text-align:left"
_TEXT_CELL = _CELL + ";white-space:pre-wrap;max-width:36em"
_NUMBER_CELL = _CELL + ";text-align:right;white-space:nowrap"


@cache
def _column_labels() -> dict[str, str]:
    from course.numbers import HEADERS

    path = Path(__file__).resolve().parent.parent / "data" / "glossary.json"
    return {**json.loads(path.read_text(encoding="utf-8"))["columns"], **HEADERS}


def column_label(name: object) -> str:
    """The Vietnamese heading for a column name (course data and lesson tables), else as is.

    A lesson's computed share such as `ty_le_nhan_%` reads as its base name's heading + " (%)".
    """
    if name is None:
        return ""
    labels, text = _column_labels(), str(name)
    if text not in labels and text.endswith("%") and (base := text[:-1].rstrip("_ ")) in labels:
        return f"{labels[base]} (%)"
    return labels.get(text, text)


def cell_text(value: object) -> str:
    """One value as a participant reads it: có/không, 1.234,5, dd/mm/yyyy, — for missing."""
    import datetime as dt
    import numbers as pynumbers

    from course import numbers

    if value is None:
        return "—"
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return "có" if bool(value) else "không"
    if isinstance(value, dt.datetime):
        if (value.hour, value.minute, value.second) == (0, 0, 0):
            return value.strftime("%d/%m/%Y")
        return value.strftime("%H:%M %d/%m/%Y")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, pynumbers.Integral):
        return numbers.number(int(value))
    if isinstance(value, pynumbers.Real):
        return numbers.number(float(value), 2)
    text = str(value)
    return "—" if text in ("nan", "NaT", "<NA>", "None") else text


def _frame_parts(data: object) -> tuple[list[str], list[list[object]], list[bool], int]:
    """(headers, rows of raw values, numeric flags per column, total rows) of a frame/series."""
    import pandas as pd

    frame = data.to_frame() if isinstance(data, pd.Series) else data
    if isinstance(data, pd.Series) and data.name is None:
        frame.columns = [""]
    index = frame.index
    named = any(n is not None for n in index.names)
    if named or not pd.api.types.is_integer_dtype(index.dtype):
        frame = frame.reset_index()
    headers = [column_label(" ".join(map(str, c)) if isinstance(c, tuple) else c)
               for c in frame.columns]
    for i, c in enumerate(frame.columns):  # an unnamed index comes back as "index"
        if c == "index" and not named and i == 0:
            headers[0] = ""
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
               for c in frame.columns]
    total = len(frame)
    limit = pd.get_option("display.max_rows") or total
    if total > limit:
        frame = pd.concat([frame.head(10), frame.tail(5)])
    rows = frame.astype(object).values.tolist()
    if total > limit:
        rows.insert(10, ["…"] * len(headers))
    return headers, rows, numeric, total


def frame_html(data: object) -> str:
    """A DataFrame or Series as an HTML table in Vietnamese (every cell escaped)."""
    headers, rows, numeric, total = _frame_parts(data)
    head = "".join(f'<th style="{_CELL}">{escape(h)}</th>' for h in headers)
    body = "".join(
        "<tr>" + "".join(
            f'<td style="{_NUMBER_CELL if numeric[i] else _TEXT_CELL}">{escape(cell_text(v))}</td>'
            for i, v in enumerate(row)) + "</tr>"
        for row in rows)
    note = ""
    if len(rows) < total:
        from course.i18n import t

        note = f'<div style="{BODY_FONT}">{escape(t("widgets.table_cut", total=total))}</div>'
    return (f'<div class="course-table" style="{BODY_FONT}">'
            f'<table style="border-collapse:collapse;{BODY_FONT}">'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{note}</div>")


def frame_text(data: object) -> str:
    """The same table as aligned plain text (a terminal, a saved notebook's text/plain)."""
    headers, rows, _, _ = _frame_parts(data)
    cells = [headers] + [[cell_text(v).replace("\n", " ") for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    return "\n".join("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip()
                     for r in cells)
