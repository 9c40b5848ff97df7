"""Lesson 04's "how many hours a week": the participant's own numbers in fields, not code."""

from __future__ import annotations

import ipywidgets as widgets
import pandas as pd

from course import numbers
from course.i18n import t

from ._common import WidgetBase, button
from .display import column_label, escape, frame_html, render_error, render_ok

NUMBERS = ("so_lan_moi_tuan", "phut_truoc", "phut_sau")


class TimeSavings(WidgetBase):
    """One row of fields per task (times a week, minutes before and with AI), the team's size
    and hours; "Tính lại" shows the hours saved each week and the team's share.

    `table` needs the columns cong_viec and NUMBERS (lesson 04's gia_dinh).
    """

    def __init__(self, table: pd.DataFrame, people: int = 3, hours: float = 44) -> None:
        self.tasks = [str(v) for v in table["cong_viec"]]

        def field(key: str, value: object) -> widgets.BoundedFloatText:
            return widgets.BoundedFloatText(value=float(str(value)), min=0, max=100_000,
                                            description=column_label(key),
                                            style={"description_width": "initial"},
                                            layout=widgets.Layout(width="95%"))

        self.rows = [{key: field(key, row[key]) for key in NUMBERS}
                     for _, row in table.iterrows()]
        self.people = widgets.BoundedIntText(value=people, min=1, max=10_000,
                                             description=t("widgets.ts_people"),
                                             style={"description_width": "initial"},
                                             layout=widgets.Layout(width="95%"))
        self.hours = field("so_lan_moi_tuan", hours)
        self.hours.description = t("widgets.ts_hours")
        self.button = button("widgets.ts_button", "primary", "calculator")
        self.result = widgets.HTML()
        self.button.on_click(lambda _: self.compute())
        parts: list[widgets.Widget] = [widgets.HTML(
            f"<b>{escape(t('widgets.ts_title'))}</b><br>{escape(t('widgets.ts_intro'))}")]
        for task, row in zip(self.tasks, self.rows, strict=True):
            parts += [widgets.HTML(f"<b>{escape(task)}</b>"), *row.values()]
        parts += [self.people, self.hours, self.button, self.result]
        self.ui = widgets.VBox(parts)
        self.compute()

    def compute(self) -> pd.DataFrame | None:
        """The table with gio_tiet_kiem; the result line below the button."""
        team = self.people.value * self.hours.value
        if team <= 0:
            self.result.value = render_error(t("widgets.ts_need_team"))
            return None
        table = pd.DataFrame([{"cong_viec": task, **{k: box.value for k, box in row.items()}}
                              for task, row in zip(self.tasks, self.rows, strict=True)])
        table["gio_tiet_kiem"] = (table["so_lan_moi_tuan"]
                                  * (table["phut_truoc"] - table["phut_sau"]) / 60).round(1)
        total = float(table["gio_tiet_kiem"].sum())
        line = t("widgets.ts_result", hours=numbers.number(total, 1),
                 share=numbers.percent(total / team * 100, 0), people=self.people.value)
        self.result.value = frame_html(table) + render_ok(line)
        return table
