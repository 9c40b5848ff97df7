"""Quiz: multiple-choice and short-text questions with immediate Vietnamese feedback."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from course.errors import CourseError
from course.i18n import t
from course.text import fold

from ._common import WidgetBase, button
from .display import escape, render_error, render_ok

QUIZ_DIR = Path(__file__).resolve().parent.parent / "data" / "quizzes"


_EDGE = " .,!?;:\"'()[]“”‘’«»…-"
_NEGATION = re.compile(r"\b(khong|chang|cha|dung co)\b")


def normalise_answer(text: str) -> str:
    """NFC, lower case, no diacritics (đ → d), spaces collapsed, no end punctuation."""
    return fold(str(text)).strip(_EDGE)


def answer_matches(value: str, accepted: list[str]) -> bool:
    """A free-text answer is right when it is one of the accepted answers, or says one of them
    in a longer sentence ("vào bảng kết nối nhé"), typed with or without diacritics.

    A sentence that negates it ("không phải bảng kết nối") is not a right answer.
    """
    given = normalise_answer(value)
    if not given:
        return False
    wanted = [w for w in (normalise_answer(a) for a in accepted) if w]
    if given in wanted:
        return True
    for phrase in wanted:
        m = re.search(r"(?<![\w.])" + re.escape(phrase) + r"(?![\w])", given)
        if m and not _NEGATION.search(given[: m.start()]):
            return True
    return False


def _validate(questions: Any) -> list[dict[str, Any]]:
    if not isinstance(questions, list) or not questions:
        raise CourseError(t("widgets.quiz_no_questions"))
    checked = []
    for n, q in enumerate(questions, start=1):
        if not isinstance(q, dict) or not str(q.get("question", "")).strip():
            raise CourseError(t("widgets.quiz_bad_question", n=n))
        kind = q.get("type", "choice")
        if kind == "choice":
            options, answer = q.get("options"), q.get("answer")
            if not isinstance(options, list) or len(options) < 2:
                raise CourseError(t("widgets.quiz_bad_options", n=n))
            if not isinstance(answer, int) or not 0 <= answer < len(options):
                raise CourseError(t("widgets.quiz_bad_answer", n=n))
        elif kind == "text":
            accept = q.get("accept")
            if not isinstance(accept, list) or not accept:
                raise CourseError(t("widgets.quiz_bad_accept", n=n))
        else:
            raise CourseError(t("widgets.quiz_bad_type", n=n, kind=kind))
        checked.append({**q, "type": kind})
    return checked


class Quiz(WidgetBase):
    """`Quiz(questions)` or `Quiz.load("ten_bai")`; `.check(i, value)` -> (correct, feedback)."""

    def __init__(self, questions: list[dict[str, Any]], title: str | None = None) -> None:
        self.questions = _validate(questions)
        self.title = title or t("widgets.quiz_title")
        self.results: list[bool | None] = [None] * len(self.questions)
        self.inputs: list[widgets.Widget] = []
        self.feedback: list[widgets.HTML] = []
        self.check_buttons: list[widgets.Button] = []
        self.score_view = widgets.HTML()
        blocks: list[widgets.Widget] = [widgets.HTML(f"<h4>{escape(self.title)}</h4>")]
        for i, q in enumerate(self.questions):
            if q["type"] == "choice":
                field: widgets.Widget = widgets.RadioButtons(
                    options=[(str(o), k) for k, o in enumerate(q["options"])], value=None,
                    layout=widgets.Layout(width="auto"),
                )
            else:
                field = widgets.Text(placeholder=t("widgets.quiz_text_placeholder"),
                                     layout=widgets.Layout(width="60%"))
            check = button("widgets.quiz_check", "info", "check")
            check.on_click(lambda _, i=i: self._on_check(i))
            fb = widgets.HTML()
            self.inputs.append(field)
            self.check_buttons.append(check)
            self.feedback.append(fb)
            blocks.append(
                widgets.VBox([
                    widgets.HTML(f"<div style='font-size:15px'><b>{i + 1}.</b> "
                                 f"{escape(q['question'])}</div>"),
                    field, widgets.HBox([check]), fb,
                ])
            )
        blocks.append(self.score_view)
        self.ui = widgets.VBox(blocks)
        self._show_score()

    @classmethod
    def load(cls, name: str) -> Quiz:
        """Read course/data/quizzes/<name>.json."""
        path = QUIZ_DIR / f"{Path(name).stem}.json"
        if not path.is_file():
            names = ", ".join(sorted(p.stem for p in QUIZ_DIR.glob("*.json"))) or "—"
            raise CourseError(t("widgets.quiz_not_found", name=name, names=names))
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise CourseError(t("widgets.quiz_bad_file", name=name)) from exc
        return cls(data.get("questions"), title=data.get("title"))

    def check(self, i: int, value: Any) -> tuple[bool, str]:
        """Check answer `value` for question `i` (0-based); records it for the score."""
        if not 0 <= i < len(self.questions):
            raise CourseError(t("widgets.quiz_bad_index", n=len(self.questions)))
        q = self.questions[i]
        explain = str(q.get("explain", "")).strip()
        if q["type"] == "choice":
            if value is None or (isinstance(value, str) and not value.strip()):
                return False, t("widgets.quiz_choose")
            if isinstance(value, str):
                wanted = normalise_answer(value)
                picked = [k for k, o in enumerate(q["options"]) if normalise_answer(o) == wanted]
                value = picked[0] if picked else -1
            ok = value == q["answer"]
            right = str(q["options"][q["answer"]])
        else:
            if not str(value or "").strip():
                return False, t("widgets.quiz_type_answer")
            ok = answer_matches(str(value), [str(a) for a in q["accept"]])
            right = str(q.get("answer_text") or q["accept"][0])
        self.results[i] = ok
        self._show_score()
        message = t("widgets.quiz_right") if ok else t("widgets.quiz_wrong", answer=right)
        return ok, f"{message} {explain}".strip()

    def _on_check(self, i: int) -> None:
        ok, message = self.check(i, self.inputs[i].value)
        self.feedback[i].value = render_ok(message) if ok else render_error(message)
        from course.llm import gateway  # on a workshop hub: the instructor sees the score

        gateway.report_quiz(self.title, *self.score, wait=False)

    @property
    def score(self) -> tuple[int, int]:
        return sum(1 for r in self.results if r), len(self.questions)

    def score_text(self) -> str:
        right, total = self.score
        return t("widgets.quiz_score", right=right, total=total)

    def _show_score(self) -> None:
        text = escape(self.score_text())
        self.score_view.value = f"<div style='font-size:16px'><b>{text}</b></div>"
