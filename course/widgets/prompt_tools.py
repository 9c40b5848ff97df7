"""Lesson 02 in fields and buttons: the participant's own prompt rounds, few-shot examples and
the prompt library, so the app view (no code cells) can do what the notebook does by editing code.

Each widget has a plain-Python core (`run()`, `write()`, `add()`, `save()`) that tests call;
the buttons call the same methods. Model output is shown as text, never HTML.
"""

from __future__ import annotations

from pathlib import Path

import ipywidgets as widgets
import pandas as pd

import course
from course.i18n import t
from course.lessons import OUTPUT_DIR, export

from ._common import WidgetBase, busy, error_text, personal_data_warnings, pii_notice
from .display import escape, frame_html, render_error, render_note, render_ok, render_text

WIDE = widgets.Layout(width="95%")
LABEL = {"description_width": "120px"}


def _area(label: str, hint: str, value: str = "", rows: int = 3) -> widgets.Textarea:
    return widgets.Textarea(value=value, description=t(label), placeholder=t(hint), rows=rows,
                            layout=WIDE, style=LABEL)


def _text(label: str, hint: str, value: str = "") -> widgets.Text:
    return widgets.Text(value=value, description=t(label), placeholder=t(hint), layout=WIDE,
                        style=LABEL)


def _button(key: str, icon: str = "") -> widgets.Button:
    return widgets.Button(description=t(key), button_style="primary", icon=icon,
                          layout=widgets.Layout(width="auto"))


def _title(title_key: str, intro: str) -> widgets.HTML:
    return widgets.HTML(f"<b>{escape(t(title_key))}</b><br>{escape(intro)}")


class PromptRounds(WidgetBase):
    """One prompt box; each click scores the prompt, asks the model and adds a round to a table.

    `rounds` holds {"vong", "diem", "prompt", "tra_loi"} per round; `last_prompt` the newest.
    """

    def __init__(self, prompt: str = "", system: str | None = None) -> None:
        self.system = system
        self.rounds: list[dict[str, object]] = []
        self.box = _area("app.rounds_label", "app.rounds_placeholder", prompt, rows=4)
        self.button = _button("app.rounds_button", "check")
        self.message = widgets.HTML()
        self.review_view = widgets.HTML()
        self.answer_view = widgets.HTML()
        self.table_view = widgets.HTML()
        self.button.on_click(lambda _: self.run())
        self.ui = widgets.VBox([_title("app.rounds_title", t("app.rounds_intro")), self.box,
                                widgets.HBox([self.button]), self.message, self.review_view,
                                self.answer_view, self.table_view])

    @property
    def last_prompt(self) -> str:
        return str(self.rounds[-1]["prompt"]) if self.rounds else ""

    def run(self) -> dict[str, object] | None:
        """Score and answer the prompt in the box as the next round; None with a message if
        the box is empty or the model failed (the typed prompt is kept either way)."""
        prompt = self.box.value.strip()
        self.message.value = ""
        if not prompt:
            self.message.value = render_error(t("app.rounds_need"))
            return None
        self.message.value = render_note(t("widgets.working"))
        with busy(self.button), personal_data_warnings() as notes:
            try:
                review = course.review_prompt(prompt)
                answer = course.ask(prompt, system=self.system)
            except Exception as exc:
                self.message.value = render_error(error_text(exc))
                return None
        row = {"vong": len(self.rounds) + 1, "diem": int(round(review.score)), "prompt": prompt,
               "tra_loi": answer}
        self.rounds.append(row)
        self.message.value = pii_notice(notes)
        self.review_view.value = render_text(review.summary())
        self.answer_view.value = (f"<b>{escape(t('app.rounds_answer'))}</b>"
                                  + render_text(answer))
        table = pd.DataFrame([(r["vong"], r["diem"], r["prompt"]) for r in self.rounds],
                             columns=[t("app.rounds_round"), t("app.rounds_score"),
                                      t("app.rounds_prompt")])
        self.table_view.value = frame_html(table)
        return row


def few_shot_prompt(task: str, examples: list[str], target: str) -> str:
    """The lesson's few-shot layout: the task, numbered examples, then the item to write for.

    The item is also named right after the task, so the answer is about it and not about the
    first example's product (a real model and the simulation both read it that way)."""
    lines = [task.strip(), t("app.fewshot_target_first", name=target.strip())]
    lines += [t("app.fewshot_example_line", n=i, text=e.strip())
              for i, e in enumerate(examples, 1)]
    lines.append(t("app.fewshot_target_line", name=target.strip()))
    return "\n".join(lines)


class FewShot(WidgetBase):
    """Task, examples (one a line) and the product or service to write for -> the answer."""

    def __init__(self, task: str = "", examples: list[str] | tuple[str, ...] = (),
                 target: str = "") -> None:
        self.answer = ""
        self.task = _text("app.fewshot_task", "app.fewshot_task_hint", task)
        self.examples = _area("app.fewshot_examples", "app.fewshot_examples_hint",
                              "\n".join(examples), rows=4)
        self.target = _text("app.fewshot_target", "app.fewshot_target_hint", target)
        self.button = _button("app.fewshot_button", "pencil")
        self.message = widgets.HTML()
        self.prompt_view = widgets.HTML()
        self.answer_view = widgets.HTML()
        self.button.on_click(lambda _: self.write())
        self.ui = widgets.VBox([_title("app.fewshot_title", t("app.fewshot_intro")), self.task,
                                self.examples, self.target, widgets.HBox([self.button]),
                                self.message, self.prompt_view, self.answer_view])

    @property
    def prompt(self) -> str:
        lines = [x for x in self.examples.value.splitlines() if x.strip()]
        return few_shot_prompt(self.task.value, lines, self.target.value)

    def write(self) -> str:
        """Ask with the examples; "" and a Vietnamese message when a field is missing."""
        self.answer = ""
        self.answer_view.value = ""
        for box, key in ((self.task, "app.fewshot_need_task"),
                         (self.examples, "app.fewshot_need_examples"),
                         (self.target, "app.fewshot_need_target")):
            if not box.value.strip():
                self.message.value = render_error(t(key))
                return ""
        prompt = self.prompt
        self.prompt_view.value = (f"<b>{escape(t('app.fewshot_prompt'))}</b>"
                                  + render_text(prompt))
        self.message.value = render_note(t("widgets.working"))
        with busy(self.button), personal_data_warnings() as notes:
            try:
                self.answer = course.ask(prompt)
            except Exception as exc:
                self.message.value = render_error(error_text(exc))
                return ""
        self.message.value = pii_notice(notes)
        self.answer_view.value = render_text(self.answer)
        return self.answer


class PromptLibrary(WidgetBase):
    """The lesson's prompt library as a table: add a prompt (scored) and save it as Excel.

    `rounds` (optional) is the lesson's PromptRounds: a button copies its newest prompt in.
    """

    def __init__(self, library: pd.DataFrame, filename: str = "thu_vien_prompt.xlsx",
                 folder: str | Path = OUTPUT_DIR, rounds: PromptRounds | None = None) -> None:
        self.table = library[["ten_prompt", "muc_dich", "prompt"]].copy().reset_index(drop=True)
        self.table["diem"] = [int(round(course.review_prompt(str(p)).score))
                              for p in self.table["prompt"]]
        self.filename, self.folder, self.rounds = filename, Path(folder), rounds
        self.path: Path | None = None
        self.name = _text("app.library_name", "app.library_name_hint")
        self.purpose = _text("app.library_purpose", "app.library_purpose_hint")
        self.prompt = _area("app.library_prompt", "app.library_prompt_hint", rows=4)
        self.add_button = _button("app.library_add", "plus")
        self.save_button = _button("app.library_save", "save")
        buttons = [self.add_button, self.save_button]
        if rounds is not None:
            self.take_button = _button("app.library_take_last", "arrow-down")
            self.take_button.button_style = ""
            self.take_button.on_click(lambda _: self.take_last_round())
            buttons.insert(0, self.take_button)
        self.message = widgets.HTML()
        self.table_view = widgets.HTML()
        self.add_button.on_click(lambda _: self.add())
        self.save_button.on_click(lambda _: self.save())
        self.ui = widgets.VBox([_title("app.library_title", t("app.library_intro")),
                                self.table_view, self.name, self.purpose, self.prompt,
                                widgets.VBox(buttons), self.message])
        self._show()

    def _show(self) -> None:
        self.table_view.value = frame_html(self.table[["ten_prompt", "muc_dich", "diem"]])

    def take_last_round(self) -> bool:
        if self.rounds is None or not self.rounds.last_prompt:
            self.message.value = render_error(t("app.library_no_round"))
            return False
        self.prompt.value = self.rounds.last_prompt
        self.message.value = ""
        return True

    def add(self) -> bool:
        name, prompt = self.name.value.strip(), self.prompt.value.strip()
        if not name or not prompt:
            self.message.value = render_error(t("app.library_need"))
            return False
        score = int(round(course.review_prompt(prompt).score))
        row = {"ten_prompt": name, "muc_dich": self.purpose.value.strip(), "prompt": prompt,
               "diem": score}
        self.table = pd.concat([self.table, pd.DataFrame([row])], ignore_index=True)
        self.name.value = self.purpose.value = self.prompt.value = ""
        self.message.value = render_ok(t("app.library_added", name=name, score=score,
                                         count=len(self.table)))
        self._show()
        return True

    def save(self) -> Path | None:
        try:
            self.path = export(self.table, self.filename, self.folder)
        except OSError:
            self.message.value = render_error(t("app.library_save_failed", folder=self.folder))
            return None
        self.message.value = render_ok(t("app.library_saved", count=len(self.table),
                                         path=self.path))
        return self.path
