"""Same prompt, two or three settings side by side (temperatures or models)."""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as widgets

import course
from course.errors import CourseError
from course.i18n import t

from ._common import (
    WidgetBase,
    busy,
    button,
    error_text,
    personal_data_warnings,
    pii_notice,
    textarea,
    vn_number,
    vn_readout,
)
from .display import escape, render_error, render_note, render_text

MAX_COLUMNS = 4


def _check_temperature(value: float) -> float:
    value = float(value)
    if not 0.0 <= value <= 2.0:
        raise CourseError(t("widgets.cmp_bad_temperature", value=value))
    return value


class CompareSettings(WidgetBase):
    """Run one prompt at several temperatures (or with several models) and show the answers."""

    def __init__(
        self,
        prompt: str = "",
        temperatures: Sequence[float] = (0.0, 0.7, 1.2),
        models: Sequence[str] | None = None,
    ) -> None:
        self.models = [m.strip() for m in models if m and m.strip()] if models else None
        count = len(self.models) if self.models else len(temperatures)
        if not 1 <= count <= MAX_COLUMNS:
            raise CourseError(t("widgets.cmp_bad_count", max=MAX_COLUMNS))
        temps = [_check_temperature(x) for x in temperatures]
        self.prompt_field = textarea("widgets.cmp_prompt", "widgets.cmp_prompt_placeholder", prompt)
        self.settings: list[widgets.Widget] = []
        if self.models:
            for m in self.models:
                self.settings.append(widgets.Text(
                    value=m, description=t("widgets.cmp_model"),
                    layout=widgets.Layout(width="95%"),
                ))
        else:
            for x in temps:
                # A slider with a Vietnamese readout ("0,7"): a number box would show "0.7".
                self.settings.append(
                    widgets.FloatSlider(
                        value=x, min=0.0, max=2.0, step=0.1, continuous_update=False,
                        description=t("widgets.cmp_temperature"),
                        layout=widgets.Layout(width="75%"),
                    )
                )
        readouts = [None if self.models else vn_readout(s, 1) for s in self.settings]
        self.outputs = [widgets.HTML() for _ in self.settings]
        self.run_button = button("widgets.cmp_run", "primary", "columns")
        self.message = widgets.HTML()
        self.results: list[tuple[str, str]] = []
        self.run_button.on_click(lambda _: self.run())
        columns = [
            widgets.VBox([widgets.HBox([s, r]) if r else s, o],
                         layout=widgets.Layout(width=f"{96 // len(self.settings)}%"))
            for s, r, o in zip(self.settings, readouts, self.outputs, strict=True)
        ]
        self.ui = widgets.VBox(
            [
                widgets.HTML(f"<b>{escape(t('widgets.cmp_title'))}</b>"),
                self.prompt_field,
                widgets.HTML(render_note(t("widgets.cmp_hint"))),
                widgets.HBox([self.run_button]),
                self.message,
                widgets.HBox(columns),
            ]
        )

    def _label(self, setting: widgets.Widget) -> str:
        if self.models:
            return t("widgets.cmp_label_model", model=setting.value.strip())
        return t("widgets.cmp_label_temperature", value=vn_number(float(setting.value), 1))

    def run(self) -> list[tuple[str, str]]:
        """Ask once per column; a failing column shows its error and the others still run."""
        prompt = self.prompt_field.value.strip()
        if not prompt:
            self.message.value = render_error(t("widgets.cmp_need_prompt"))
            for out in self.outputs:  # old answers belong to another prompt
                out.value = ""
            self.results = []
            return []
        self.message.value = render_note(t("widgets.working"))
        results: list[tuple[str, str]] = []
        with busy(self.run_button), personal_data_warnings() as notes:
            for setting, out in zip(self.settings, self.outputs, strict=True):
                label = self._label(setting)
                out.value = render_note(t("widgets.working"))
                try:
                    if self.models:
                        model = setting.value.strip()
                        if not model:
                            raise CourseError(t("widgets.cmp_need_model"))
                        answer = course.ask(prompt, model=model)
                    else:
                        temp = _check_temperature(setting.value)
                        answer = course.ask(prompt, temperature=temp)
                except Exception as exc:
                    answer = error_text(exc)
                    out.value = render_error(answer)
                else:
                    out.value = render_text(answer)
                results.append((label, answer))
        self.message.value = pii_notice(notes)
        self.results = results
        return results
