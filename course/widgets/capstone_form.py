"""Lesson 09: the capstone's five questions as a form that builds and saves the plan."""

from __future__ import annotations

from pathlib import Path

import ipywidgets as widgets

from ..i18n import t
from ..lessons import profile
from ..lessons.capstone import (
    CHANNEL_CHOICES,
    OUTPUT_DIR,
    SAMPLE,
    TONES,
    Business,
    Plan,
    answers_from_profile,
    build_plan,
    next_monday,
)
from .display import escape


class CapstoneForm(widgets.VBox):
    """The five questions as a form; "Tạo kế hoạch" builds the plan and saves both files.

    The fields open filled from the participant's "Sản phẩm của bạn" (saved in `folder`), empty
    when none is saved. Bad input shows a Vietnamese message and keeps every field as typed.
    """

    def __init__(self, folder: str | Path = OUTPUT_DIR,
                 answers: dict[str, str] | None = None) -> None:
        self.folder = Path(folder)
        self.plan: Plan | None = None
        self.loai_hinh = ""  # the kind of business from "Sản phẩm của bạn" (not asked again)
        self.paths: tuple[Path, Path] | None = None
        style = {"description_width": "150px"}
        wide = widgets.Layout(width="95%")
        self.ten = widgets.Text(description=t("capstone.f_name"), style=style, layout=wide,
                                placeholder=t("capstone.f_name_hint"))
        self.san_pham = widgets.Textarea(description=t("capstone.f_products"), style=style,
                                         layout=wide, rows=2,
                                         placeholder=t("capstone.f_products_hint"))
        self.khach_hang = widgets.Text(description=t("capstone.f_customers"), style=style,
                                       layout=wide, placeholder=t("capstone.f_customers_hint"))
        self.kenh = {c: widgets.Checkbox(description=c, value=False, indent=False,
                                         layout=widgets.Layout(width="140px"))
                     for c in CHANNEL_CHOICES}
        self.giong_van = widgets.Dropdown(description=t("capstone.f_tone"), options=TONES,
                                          style=style, layout=widgets.Layout(width="480px"))
        self.bat_dau = widgets.DatePicker(description=t("capstone.f_start"), style=style,
                                          value=next_monday())
        self.button = widgets.Button(description=t("capstone.f_button"), button_style="primary",
                                     icon="check", layout=widgets.Layout(width="auto"))
        self.status = widgets.HTML()
        self.button.on_click(lambda _: self.submit())
        if answers is None:
            saved = profile.load(self.folder)
            answers = None if saved.get("mau") else answers_from_profile(saved)
        if answers:
            self.prefill(answers)
        channels = widgets.HBox([widgets.Label(t("capstone.f_channels"),
                                               layout=widgets.Layout(width="150px")),
                                 widgets.HBox(list(self.kenh.values()),
                                              layout=widgets.Layout(flex_flow="row wrap"))])
        super().__init__([self.ten, self.san_pham, self.khach_hang, channels, self.giong_van,
                          self.bat_dau, self.button, self.status])

    def prefill(self, answers: dict[str, str]) -> None:
        """Put five answers into the fields (channels ticked by name, date dd/mm/yyyy)."""
        self.ten.value = answers.get("ten", "")
        self.loai_hinh = answers.get("loai_hinh", "")
        self.san_pham.value = answers.get("san_pham", "")
        self.khach_hang.value = answers.get("khach_hang", "")
        wanted = {c.strip().lower() for c in answers.get("kenh", "").split(",")}
        for name, box in self.kenh.items():
            box.value = name.lower() in wanted
        if answers.get("giong_van") in TONES:
            self.giong_van.value = answers["giong_van"]
        start = answers.get("bat_dau")
        if start:
            self.bat_dau.value = Business("x", "x", "x", "x", bat_dau=start).start

    def current(self) -> Business:
        """The form's business; the course's example (`SAMPLE`) while the form is still empty."""
        if not (self.ten.value.strip() or self.san_pham.value.strip()):
            return Business(**SAMPLE)
        return self.business()

    def business(self) -> Business:
        chosen = [c for c, box in self.kenh.items() if box.value]
        return Business(self.ten.value, self.san_pham.value, self.khach_hang.value, chosen,
                        self.giong_van.value, self.bat_dau.value, loai_hinh=self.loai_hinh)

    def submit(self) -> Plan | None:
        try:
            plan = build_plan(self.business())
            self.paths = plan.save(self.folder)
        except (ValueError, OSError) as exc:
            # OSError text is English and technical; say what to do instead.
            message = str(exc) if isinstance(exc, ValueError) else t(
                "capstone.save_failed", folder=self.folder)
            self.status.value = ("<div style='color:#b00020;font-size:15px;white-space:pre-wrap'>"
                                 f"{escape(message)}</div>")
            return None
        self.plan = plan
        xlsx, md = self.paths
        message = t("capstone.saved", name=plan.business.ten, xlsx=xlsx, md=md)
        self.status.value = f"<div style='color:#1b5e20;font-size:15px'>{escape(message)}</div>"
        return plan
