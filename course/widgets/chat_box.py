"""A small chat window: editable system prompt, visible history, "Làm lại"."""

from __future__ import annotations

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
from .display import PRE_STYLE, escape, render_error, render_note


class ChatBox(WidgetBase):
    """Chat through `course.chat(messages)`; `.history` excludes the system message."""

    def __init__(self, system_prompt: str = "", greeting: str | None = None) -> None:
        self.greeting = greeting
        self.system = textarea(
            "widgets.chat_system", "widgets.chat_system_placeholder", system_prompt, rows=3
        )
        self.input = widgets.Textarea(
            placeholder=t("widgets.chat_input_placeholder"),
            rows=2,
            layout=widgets.Layout(width="95%"),
        )
        self.send_button = button("widgets.send", "primary", "paper-plane")
        self.reset_button = button("widgets.chat_reset", "", "refresh")
        self.message = widgets.HTML()
        self.history_view = widgets.HTML()
        self.history: list[dict[str, str]] = []
        self.send_button.on_click(lambda _: self.send(self.input.value))
        self.reset_button.on_click(lambda _: self.reset())
        self.ui = widgets.VBox(
            [
                widgets.HTML(f"<b>{escape(t('widgets.chat_title'))}</b>"),
                self.system,
                self.history_view,
                self.input,
                widgets.HBox([self.send_button, self.reset_button]),
                self.message,
            ]
        )
        self.reset()

    @property
    def system_prompt(self) -> str:
        """The system prompt as currently written in its box."""
        return self.system.value

    def reset(self) -> None:
        """Start the conversation again (the system prompt stays as written)."""
        self.history = [{"role": "assistant", "content": self.greeting}] if self.greeting else []
        self.message.value = ""
        self._render()

    def messages(self) -> list[dict[str, str]]:
        """What is sent to the model: the system prompt (if any) followed by the history."""
        system = self.system.value.strip()
        head = [{"role": "system", "content": system}] if system else []
        return head + [dict(m) for m in self.history]

    def send(self, text: str) -> str:
        """Send one message; returns the answer ("" after an error, the text stays in the box)."""
        text = (text or "").strip()
        if not text:
            self.message.value = render_error(t("widgets.chat_need_text"))
            return ""
        self.history.append({"role": "user", "content": text})
        self._render()
        self.message.value = render_note(t("widgets.working"))
        with busy(self.send_button, self.reset_button), personal_data_warnings() as notes:
            try:
                answer = course.chat(self.messages())
            except Exception as exc:
                self.history.pop()  # the turn failed: keep history consistent, keep the text
                self.input.value = text
                self.message.value = render_error(error_text(exc))
                self._render()
                return ""
        self.history.append({"role": "assistant", "content": answer})
        self.input.value = ""
        # The layer's warning tells programmers to call mask_pii(); participants get the tool.
        self.message.value = pii_notice(notes)
        self._render()
        return answer

    def _render(self) -> None:
        if not self.history:
            self.history_view.value = render_note(t("widgets.chat_empty"))
            return
        blocks = []
        for m in reversed(self.history):  # newest first: see the scroll box below
            user = m["role"] == "user"
            who = t("widgets.chat_you") if user else t("widgets.chat_bot")
            colour = "#e3f2fd" if user else "#f1f8e9"
            blocks.append(
                f"<div style='background:{colour};border-radius:6px;padding:6px 10px;"
                f"margin:4px 0'><b>{escape(who)}</b>"
                f"<pre style='{PRE_STYLE}'>{escape(m['content'])}</pre></div>"
            )
        # A column-reverse box starts scrolled to its end, so the newest message is in view
        # after every update, without any script (model output is never run as code).
        self.history_view.value = (
            "<div class='course-chat-history' style='max-height:420px;overflow-y:auto;"
            "display:flex;flex-direction:column-reverse'>" + "".join(blocks) + "</div>"
        )
