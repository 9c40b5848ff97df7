"""Privacy check: highlight personal data in a text, one colour per kind, and show a masked copy."""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable
from typing import Any

import ipywidgets as widgets

from course.i18n import t
from course.privacy import KINDS, find_pii, mask_pii, pii_summary

from ._common import WidgetBase, error_text, textarea
from .display import PRE_STYLE, escape, render_error, render_note, render_text

# Light backgrounds that dark text reads well on; numbers warm, people and places cool.
COLOURS = {
    "phone": "#ffe08a",
    "cccd": "#ffc4a8",
    "cmnd": "#ffc4a8",
    "tax_code": "#f6c6ea",
    "email": "#d7c8ff",
    "bank_account": "#ffb3b3",
    "card": "#ffb3b3",
    "name": "#b8e6c1",
    "address": "#b3dcff",
}
_OTHER = "#e0e0e0"


def kind_label(kind: str) -> str:
    """The readable Vietnamese name of a kind ("họ tên"), or the kind itself if unknown."""
    label = t(f"privacy.kind_{kind}")
    return kind if label == f"privacy.kind_{kind}" else label


def render_marked(text: str, matches: Iterable[Any]) -> str:
    """`text` escaped, each match in a <mark> coloured by its kind and titled with its name."""
    parts: list[str] = []
    pos = 0
    for m in sorted(matches, key=lambda m: (int(m.start), -int(m.end))):
        start, end, kind = int(m.start), int(m.end), str(m.kind)
        if start < pos or end <= start:
            continue
        colour = COLOURS.get(kind, _OTHER)
        parts.append(escape(text[pos:start]))
        parts.append(f'<mark title="{escape(kind_label(kind))}" '
                     f'style="background:{colour}">{escape(text[start:end])}</mark>')
        pos = end
    parts.append(escape(text[pos:]))
    return f'<pre style="{PRE_STYLE}">{"".join(parts)}</pre>'


def render_legend(matches: Iterable[Any]) -> str:
    """One coloured chip per kind found, with its count: "2 số điện thoại", "1 họ tên"."""
    counts = Counter(str(m.kind) for m in matches)
    order = [k for k in KINDS if k in counts] + sorted(k for k in counts if k not in KINDS)
    chips = "".join(
        f'<mark style="background:{COLOURS.get(k, _OTHER)};padding:1px 6px;margin-right:6px">'
        f"{counts[k]} {escape(kind_label(k))}</mark>"
        for k in order
    )
    return f'<div style="font-size:14px">{chips}</div>' if chips else ""


class PrivacyCheck(WidgetBase):
    """Uses `course.find_pii`, `course.mask_pii` and `course.privacy.pii_summary`."""

    def __init__(self, text: str = "") -> None:
        self.input = textarea("widgets.pii_input", "widgets.pii_input_placeholder", text, rows=5)
        self.summary = widgets.HTML()
        self.legend = widgets.HTML()
        self.highlight = widgets.HTML()
        self.masked_view = widgets.HTML()
        self.matches: list[Any] = []
        self.masked = ""
        self.input.observe(lambda _: self.check(), names="value")
        self.ui = widgets.VBox(
            [
                widgets.HTML(f"<b>{escape(t('widgets.pii_title'))}</b>"),
                self.input,
                self.summary,
                widgets.HTML(f"<b>{escape(t('widgets.pii_found'))}</b>"),
                self.legend,
                self.highlight,
                widgets.HTML(f"<b>{escape(t('widgets.pii_masked'))}</b>"),
                self.masked_view,
                widgets.HTML(render_note(t("widgets.pii_limits"))),
            ]
        )
        self.check()

    def check(self) -> list[Any]:
        """Find personal data in the box; fill `.matches`, `.masked` and the views."""
        # find_pii reports offsets in the NFC text, so highlight that same text.
        text = unicodedata.normalize("NFC", self.input.value)
        if not text.strip():
            self.matches, self.masked = [], ""
            self.summary.value = render_note(t("widgets.pii_empty"))
            self.highlight.value = self.masked_view.value = self.legend.value = ""
            return []
        try:
            self.matches = list(find_pii(text))
            self.masked = mask_pii(text)
            summary = pii_summary(self.matches)
        except Exception as exc:
            self.summary.value = render_error(error_text(exc))
            return self.matches
        if not self.matches:
            self.summary.value = render_note(t("widgets.pii_none"))
        else:
            self.summary.value = f"<div style='font-size:15px'>{escape(summary)}</div>"
        self.legend.value = render_legend(self.matches)
        self.highlight.value = render_marked(text, self.matches)
        self.masked_view.value = render_text(self.masked)
        return self.matches
