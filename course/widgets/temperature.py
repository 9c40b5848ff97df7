"""Lesson 01: a slider that re-samples the tiny n-gram model, so temperature is something seen."""

from __future__ import annotations

import html

import ipywidgets as widgets

from course.i18n import t
from course.lessons.ngram import NgramModel
from course.numbers import number

from ._common import vn_readout


class TemperatureExplorer:
    """Slider + start words + button; every change writes `samples` new continuations."""

    def __init__(
        self, model: NgramModel, start: str = "", length: int = 15, samples: int = 3
    ) -> None:
        self.model = model
        self.length = length
        self.n_samples = samples
        self.round = 0  # bumped by the button so the same temperature gives fresh samples
        self.texts: list[str] = []
        self.error = ""
        self.slider = widgets.FloatSlider(
            value=0.7, min=0.0, max=2.0, step=0.1, description=t("lessons.slider_temperature"),
            continuous_update=False, readout_format=".1f",
        )
        self.start = widgets.Text(value=start, description=t("lessons.start_words"))
        self.button = widgets.Button(description=t("lessons.button_generate"), icon="refresh")
        self.view = widgets.HTML()
        self.slider.observe(lambda _: self.refresh(), names="value")
        self.start.observe(lambda _: self.refresh(), names="value")
        self.button.on_click(lambda _: self.resample())
        self.readout = vn_readout(self.slider, 1)
        self.ui = widgets.VBox([widgets.HBox([self.slider, self.readout, self.button]),
                                self.start, self.view])
        self.refresh()

    def resample(self) -> list[str]:
        self.round += 1
        return self.refresh()

    def refresh(self) -> list[str]:
        """Generate new continuations for the current slider value and start words."""
        temperature = round(self.slider.value, 1)
        try:
            self.texts = [
                self.model.generate(self.start.value, self.length, temperature,
                                    seed=self.round * 100 + i)
                for i in range(self.n_samples)
            ]
            self.error = ""
        except ValueError as exc:
            self.texts, self.error = [], str(exc)
            self.view.value = f"<p style='color:#b00020'>{html.escape(self.error)}</p>"
            return self.texts
        # Model output is shown as escaped text, never as markup.
        items = "".join(f"<li>{html.escape(text)}</li>" for text in self.texts)
        heading = html.escape(t("lessons.generate_heading", temperature=number(temperature, 1)))
        self.view.value = f"<p><b>{heading}</b></p><ol>{items}</ol>"
        return self.texts

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.ui)
