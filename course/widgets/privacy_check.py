"""Privacy check: highlight personal data in a text and show a masked copy."""

from __future__ import annotations

import importlib
import unicodedata
from typing import Any

import ipywidgets as widgets

from course.i18n import t

from ._common import WidgetBase, api, error_text, textarea
from .display import escape, render_error, render_highlight, render_note, render_text


def _span(m: Any) -> tuple[int, int, str]:
    """(start, end, title) from a PiiMatch; the title is the readable name of its kind."""
    kind = str(m.kind)
    label = t(f"privacy.kind_{kind}")
    return int(m.start), int(m.end), kind if label == f"privacy.kind_{kind}" else label


class PrivacyCheck(WidgetBase):
    """Uses `course.find_pii`, `course.mask_pii` and `course.privacy.pii_summary`."""

    def __init__(self, text: str = "") -> None:
        self.input = textarea("widgets.pii_input", "widgets.pii_input_placeholder", text, rows=5)
        self.summary = widgets.HTML()
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
                self.highlight,
                widgets.HTML(f"<b>{escape(t('widgets.pii_masked'))}</b>"),
                self.masked_view,
                widgets.HTML(render_note(t("widgets.pii_limits"))),
            ]
        )
        self.check()

    def check(self) -> list[Any]:
        """Find personal data in the box; fill `.matches`, `.masked` and the three views."""
        # find_pii reports offsets in the NFC text, so highlight that same text.
        text = unicodedata.normalize("NFC", self.input.value)
        if not text.strip():
            self.matches, self.masked = [], ""
            self.summary.value = render_note(t("widgets.pii_empty"))
            self.highlight.value = self.masked_view.value = ""
            return []
        course = api()
        try:
            self.matches = list(course.find_pii(text))
            self.masked = course.mask_pii(text)
            summary = importlib.import_module("course.privacy").pii_summary(self.matches)
        except Exception as exc:
            self.summary.value = render_error(error_text(exc))
            return self.matches
        if not self.matches:
            self.summary.value = render_note(t("widgets.pii_none"))
        else:
            self.summary.value = f"<div style='font-size:15px'>{escape(summary)}</div>"
        self.highlight.value = render_highlight(text, [_span(m) for m in self.matches])
        self.masked_view.value = render_text(self.masked)
        return self.matches
