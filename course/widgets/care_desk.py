"""Lesson 05 in fields and buttons: find the FAQ entries nearest a customer's question and
answer from them, and draft a reply to a complaint, for the sample shop or the participant's own
business (their own FAQ typed one 'question | answer' a line).
"""

from __future__ import annotations

import ipywidgets as widgets
import pandas as pd

import course
from course.errors import CourseError
from course.i18n import t
from course.lessons import retrieval

from ._common import WidgetBase, busy, error_text, personal_data_warnings, pii_notice
from .display import escape, render_error, render_note, render_table, render_text, render_warning
from .prompt_tools import LABEL, WIDE, _area, _button, _text, _title

MAX_FAQ_LINES = 300  # a pasted FAQ is attacker input: bounded


def parse_faq(text: str) -> pd.DataFrame:
    """'question | answer' lines -> a FAQ table (hoi, dap, ma); CourseError naming a bad line."""
    rows = []
    lines = [line for line in text.splitlines() if line.strip()][:MAX_FAQ_LINES]
    for n, line in enumerate(lines, 1):
        question, bar, answer = line.partition("|")
        if not bar or not question.strip() or not answer.strip():
            raise CourseError(t("app.faq_bad_line", n=n, line=line.strip()[:80]))
        rows.append({"ma": f"F{n:02d}", "hoi": question.strip(), "dap": answer.strip()})
    return pd.DataFrame(rows, columns=["ma", "hoi", "dap"])


class FaqSearch(WidgetBase):
    """Instructions, an optional own FAQ, a question -> the 3 nearest FAQ rows and the answer."""

    def __init__(self, faq: pd.DataFrame, instructions: str = "", question: str = "",
                 own_faq: str = "") -> None:
        self.sample_faq = faq
        self.answer = ""
        self.found = faq.head(0)
        self.instructions = widgets.Textarea(value=instructions, rows=4, layout=WIDE,
                                             style=LABEL,
                                             description=t("app.faq_instructions"))
        self.own_faq = _area("app.faq_own", "app.faq_own_hint", own_faq, rows=4)
        self.question = _text("app.faq_question", "app.faq_question_hint", question)
        self.button = _button("app.faq_button", "search")
        self.message = widgets.HTML()
        self.found_view = widgets.HTML()
        self.answer_view = widgets.HTML()
        self.button.on_click(lambda _: self.run())
        self.ui = widgets.VBox([_title("app.faq_title", t("app.faq_intro")), self.instructions,
                                self.own_faq, self.question, widgets.HBox([self.button]),
                                self.message, self.found_view, self.answer_view])

    def faq(self) -> pd.DataFrame:
        """The participant's FAQ when typed, else the sample shop's (CourseError if malformed)."""
        return parse_faq(self.own_faq.value) if self.own_faq.value.strip() else self.sample_faq

    def system_for(self, question: str) -> str:
        """The instructions plus only the FAQ rows that match `question` (lesson 05's way)."""
        return retrieval.prompt_for(question, self.faq(), self.instructions.value.strip())

    def _check(self, text: str, need_key: str) -> str | None:
        if not self.instructions.value.strip():
            return t("app.faq_need_instructions")
        if not text.strip():
            return t(need_key)
        try:
            self.faq()
        except CourseError as exc:
            return str(exc)
        return None

    def run(self) -> str:
        """Search and answer; "" with a Vietnamese message (fields kept) on bad input."""
        question = self.question.value
        self.answer, self.answer_view.value, self.found_view.value = "", "", ""
        problem = self._check(question, "app.faq_need_question")
        if problem:
            self.message.value = render_error(problem)
            return ""
        faq = self.faq()
        self.found = retrieval.search(faq, question, k=3)
        if self.found.empty:
            self.found_view.value = render_note(t("app.faq_none"))
        else:
            table = render_table(zip(self.found["hoi"], self.found["diem"], strict=True),
                                 [t("app.faq_col_question"), t("app.faq_col_score")])
            self.found_view.value = (render_note(t("app.faq_found", count=len(self.found)))
                                     + table)
        self.message.value = render_note(t("widgets.working"))
        with busy(self.button), personal_data_warnings() as notes:
            try:
                self.answer = course.ask(question, system=self.system_for(question))
            except Exception as exc:
                self.message.value = render_error(error_text(exc))
                return ""
        reason = retrieval.handover_reason(question, faq)
        self.message.value = pii_notice(notes) + (
            render_warning(reason) if reason else "")
        self.answer_view.value = render_text(self.answer)
        return self.answer


class ComplaintReply(WidgetBase):
    """A complaint -> a polite draft reply from the policy found in `desk`'s FAQ."""

    def __init__(self, desk: FaqSearch, complaint: str = "") -> None:
        self.desk = desk
        self.draft = ""
        self.complaint = _area("app.complaint_label", "app.complaint_hint", complaint, rows=3)
        self.button = _button("app.complaint_button", "reply")
        self.message = widgets.HTML()
        self.draft_view = widgets.HTML()
        self.button.on_click(lambda _: self.run())
        self.ui = widgets.VBox([_title("app.complaint_title", t("app.complaint_intro")),
                                self.complaint, widgets.HBox([self.button]), self.message,
                                self.draft_view])

    def run(self) -> str:
        text = self.complaint.value.strip()
        self.draft, self.draft_view.value = "", ""
        problem = self.desk._check(text, "app.complaint_need")
        if problem:
            self.message.value = render_error(problem)
            return ""
        self.message.value = render_note(t("widgets.working"))
        with busy(self.button), personal_data_warnings() as notes:
            try:
                self.draft = course.ask(t("app.complaint_request", text=text),
                                        system=self.desk.system_for(text))
            except Exception as exc:
                self.message.value = render_error(error_text(exc))
                return ""
        reason = retrieval.handover_reason(text, self.desk.faq())
        self.message.value = pii_notice(notes) + (
            render_warning(reason) if reason else "")
        self.draft_view.value = (f"<b>{escape(t('app.complaint_draft'))}</b>"
                                 + render_text(self.draft))
        return self.draft
