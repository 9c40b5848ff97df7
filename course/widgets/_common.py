"""Shared helpers: the display protocol, busy buttons and friendly error text."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import ipywidgets as widgets

from course import numbers
from course.errors import is_course_error
from course.i18n import t
from course.keyguard import scrub_message
from course.llm.client import PersonalDataWarning

from .display import render_error


def redact(text: str) -> str:
    """Remove the configured key and anything shaped like a key from a message."""
    return scrub_message(text)


def error_text(exc: BaseException) -> str:
    """A Vietnamese, key-free message for any error raised while a widget works.

    The course's own errors (CourseError, LLMError) carry a sentence from the catalogue and are
    shown as they are; anything else is Python's or a library's (English, maybe technical) and
    gets a general Vietnamese sentence naming its kind.
    """
    text = redact(str(exc))
    if is_course_error(exc) and text:
        return text
    return t("widgets.error_unexpected", kind=type(exc).__name__)


def error_html(exc: BaseException) -> str:
    return render_error(error_text(exc))


@contextmanager
def personal_data_warnings() -> Iterator[list[str]]:
    """Collect the layer's personal-data warnings so a widget can show them (not just log them).

    Other warnings are passed on unchanged.
    """
    found: list[str] = []
    category = PersonalDataWarning
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield found
    for w in caught:
        if category is not None and issubclass(w.category, category):
            if str(w.message) not in found:
                found.append(str(w.message))
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def pii_notice(notes: list[str]) -> str:
    """One Vietnamese notice when personal data was sent. The layer's own warning tells
    programmers to call mask_pii(); participants are pointed to the checking tool instead."""
    from .display import render_warning

    return render_warning(t("widgets.chat_pii_notice")) if notes else ""


@contextmanager
def busy(*buttons: widgets.Button) -> Iterator[None]:
    """Disable buttons while work runs, so a second click cannot start it twice."""
    before = [b.disabled for b in buttons]
    for b in buttons:
        b.disabled = True
    try:
        yield
    finally:
        for b, state in zip(buttons, before, strict=True):
            b.disabled = state


def button(key: str, style: str = "", icon: str = "") -> widgets.Button:
    return widgets.Button(
        description=t(key), button_style=style, icon=icon, layout=widgets.Layout(width="auto")
    )


def textarea(
    label_key: str, placeholder_key: str, value: str = "", rows: int = 3
) -> widgets.Textarea:
    return widgets.Textarea(
        value=value,
        placeholder=t(placeholder_key),
        description=t(label_key),
        rows=rows,
        layout=widgets.Layout(width="95%"),
        style={"description_width": "120px"},
    )


class WidgetBase:
    """Makes `display(obj)` and "obj as the last expression of a cell" show `obj.ui`."""

    ui: widgets.Widget

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.ui)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.ui._repr_mimebundle_(**kwargs)


def vn_number(value: float, decimals: int = 0) -> str:
    """Vietnamese number style through course.numbers: 1.234.567,5."""
    return numbers.number(value, decimals, keep_zeros=True)


def vnd(value: float) -> str:
    """An amount in đồng (course.numbers.money); tiny amounts keep two decimals."""
    return numbers.money(value)


def vn_readout(slider: widgets.FloatSlider, decimals: int = 1, suffix: str = "") -> widgets.Label:
    """A Vietnamese readout ("0,7", "37,6 %") beside a slider whose own readout is hidden:
    the browser's readout writes 0.7, which contradicts the lesson text."""
    slider.readout = False
    label = widgets.Label(layout=widgets.Layout(min_width="4em"))

    def show(_: object = None) -> None:
        label.value = numbers.number(slider.value, decimals) + suffix

    slider.observe(show, names="value")
    show()
    return label
