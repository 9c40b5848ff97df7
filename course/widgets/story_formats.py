"""Lesson 06 in fields and buttons: one story written in four formats with the brand voice,
saved to ket_qua/ like the notebook's cell does."""

from __future__ import annotations

from pathlib import Path

import ipywidgets as widgets

import course
from course.i18n import t
from course.lessons import OUTPUT_DIR

from ._common import WidgetBase, busy, error_text, personal_data_warnings, pii_notice
from .display import escape, render_error, render_note, render_ok, render_text
from .prompt_tools import _area, _button, _text, _title

FILENAME = "mot_cau_chuyen_bon_dinh_dang.md"


class StoryFormats(WidgetBase):
    """`requests` maps a format's name to its request ("Bài đăng Facebook": "Viết bài ...").

    `run()` asks once per format with `system` (the brand voice) and writes the Markdown file;
    `results` maps each format to its text without the simulation label.
    """

    def __init__(self, story: str, name: str, requests: dict[str, str], system: str = "",
                 folder: str | Path = OUTPUT_DIR) -> None:
        self.requests, self.system, self.folder = dict(requests), system, Path(folder)
        self.results: dict[str, str] = {}
        self.path: Path | None = None
        self.story = _area("app.story_story", "app.story_story_hint", story, rows=6)
        self.name = _text("app.story_name", "app.story_story_hint", name)
        self.button = _button("app.story_button", "pencil")
        self.message = widgets.HTML()
        self.views = {key: widgets.HTML() for key in self.requests}
        self.button.on_click(lambda _: self.run())
        self.ui = widgets.VBox([_title("app.story_title", t("app.story_intro", file=FILENAME)),
                                self.story, self.name, widgets.HBox([self.button]),
                                self.message, *self.views.values()])

    def run(self) -> dict[str, str]:
        story, name = self.story.value.strip(), self.name.value.strip()
        if not story or not name:
            self.message.value = render_error(t("app.story_need"))
            return {}
        self.results = {}
        for view in self.views.values():
            view.value = ""
        self.message.value = render_note(t("widgets.working"))
        with busy(self.button), personal_data_warnings() as notes:
            try:
                for key, request in self.requests.items():
                    answer = course.ask(t("app.story_request", request=request, name=name,
                                          story=story), system=self.system or None)
                    self.results[key] = course.strip_label(answer)
                    self.views[key].value = f"<b>{escape(key)}</b>" + render_text(answer)
            except Exception as exc:
                self.message.value = render_error(error_text(exc))
                return self.results
        text = "\n\n".join(f"## {key}\n\n{body}" for key, body in self.results.items())
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self.path = self.folder / FILENAME
            self.path.write_text(text, encoding="utf-8")
        except OSError:
            self.message.value = render_error(t("app.story_save_failed", folder=self.folder))
            return self.results
        self.message.value = pii_notice(notes) + render_ok(t("app.story_saved", path=self.path))
        return self.results
