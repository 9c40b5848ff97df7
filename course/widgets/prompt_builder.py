"""Prompt builder: six labelled boxes, a live preview with a score, and a streamed answer."""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

import course
from course.i18n import t

from ._common import (
    WidgetBase,
    busy,
    button,
    error_text,
    personal_data_warnings,
    pii_notice,
    textarea,
)
from .display import escape, render_error, render_note, render_text

PARTS = ("role", "context", "task", "format", "tone", "constraints")


def assemble_prompt(parts: dict[str, str]) -> str:
    """Join the filled parts into one prompt; the role reads "Bạn là ...", others are labelled."""
    lines: list[str] = []
    for name in PARTS:
        value = (parts.get(name) or "").strip()
        if not value:
            continue
        if name == "role":
            prefix = t("widgets.pb_role_prefix")
            starts = value.lower().startswith(prefix.lower())
            value = value if starts else f"{prefix} {value[0].lower()}{value[1:]}"
            lines.append(value if value.endswith((".", "!", "?")) else value + ".")
        else:
            lines.append(f"{t('widgets.pb_prefix_' + name)}: {value}")
    return "\n".join(lines)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


class PromptBuilder(WidgetBase):
    """Build a prompt from role/context/task/format/tone/constraints and send it."""

    def __init__(
        self,
        role: str = "",
        context: str = "",
        task: str = "",
        format: str = "",  # shadows the builtin on purpose: lessons say "format"
        tone: str = "",
        constraints: str = "",
        system: str | None = None,
    ) -> None:
        values = dict(
            role=role, context=context, task=task, format=format, tone=tone,
            constraints=constraints,
        )
        self.system = system
        self.answer = ""
        self.error = ""
        self.review: Any = None
        self.fields: dict[str, widgets.Textarea] = {
            name: textarea(
                f"widgets.pb_label_{name}", f"widgets.pb_placeholder_{name}", values[name],
                rows=3 if name in ("context", "task") else 2,
            )
            for name in PARTS
        }
        self.preview = widgets.HTML()
        self.score_bar = widgets.IntProgress(
            min=0, max=100, description=t("widgets.pb_score"), bar_style="info",
            style={"description_width": "120px"},
        )
        self.score_label = widgets.HTML()
        self.tips = widgets.HTML()
        self.send_button = button("widgets.send", "primary", "paper-plane")
        self.message = widgets.HTML()
        self.answer_view = widgets.HTML()
        for field in self.fields.values():
            field.observe(lambda _: self.update(), names="value")
        self.send_button.on_click(lambda _: self.send())
        self.ui = widgets.VBox(
            [
                widgets.HTML(f"<b>{escape(t('widgets.pb_title'))}</b>"),
                *self.fields.values(),
                widgets.HTML(f"<b>{escape(t('widgets.pb_preview'))}</b>"),
                self.preview,
                widgets.HBox([self.score_bar, self.score_label]),
                self.tips,
                widgets.HBox([self.send_button]),  # a bare button would stretch full width
                self.message,
                self.answer_view,
            ]
        )
        self.update()

    @property
    def prompt(self) -> str:
        return assemble_prompt({name: f.value for name, f in self.fields.items()})

    def update(self) -> None:
        """Refresh the preview, the score and the tips for missing parts."""
        prompt = self.prompt
        self.preview.value = (
            render_text(prompt) if prompt else render_note(t("widgets.pb_empty_preview"))
        )
        try:
            self.review = course.review_prompt(prompt)
        except Exception as exc:  # scoring is a help, never a blocker
            self.review = None
            self.score_bar.value = 0
            self.score_label.value = ""
            # Before course.review exists the score is simply hidden.
            missing = isinstance(exc, ImportError | AttributeError)
            self.tips.value = "" if missing else render_note(error_text(exc))
            return
        score = int(round(self.review.score))
        self.score_bar.value = max(0, min(100, score))
        style = "success" if score >= 80 else "info" if score >= 50 else "warning"
        self.score_bar.bar_style = style
        self.score_label.value = f"&nbsp;<b>{escape(t('widgets.pb_score_value', score=score))}</b>"
        tips = getattr(self.review, "tips", {}) or {}
        labels = getattr(self.review, "labels", {}) or {}
        items = "".join(
            f"<li><b>{escape(_capital(labels.get(part, part)))}</b>: {escape(tip)}</li>"
            for part, tip in tips.items()
        )
        self.tips.value = (
            f"<div style='font-size:14px'>{escape(t('widgets.pb_tips'))}<ul>{items}</ul></div>"
            if items
            else ""
        )

    def send(self) -> str:
        """Send the prompt, streaming the answer as text; returns it ("" after an error)."""
        prompt = self.prompt
        self.error = ""
        self.answer = ""
        self.answer_view.value = ""  # an old answer must not look like the answer to this prompt
        if not prompt.strip():
            self.error = t("widgets.pb_need_prompt")
            self.message.value = render_error(self.error)
            return ""
        self.message.value = render_note(t("widgets.working"))
        self.answer_view.value = ""
        received = ""
        with busy(self.send_button), personal_data_warnings() as notes:
            try:
                for chunk in course.stream(prompt, system=self.system):
                    received += chunk
                    self.answer_view.value = render_text(received)
            except Exception as exc:
                self.error = error_text(exc)
                self.message.value = render_error(self.error)
                if received:  # keep what already arrived
                    self.answer_view.value = render_text(received)
                return ""
        self.answer = received
        self.message.value = pii_notice(notes)
        return received
