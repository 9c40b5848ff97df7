"""Tokens and cost: a Vietnamese message beside the same message in English."""

from __future__ import annotations

import unicodedata
from typing import Any

import ipywidgets as widgets

import course
from course.i18n import t
from course.llm.usage import load_prices

from ._common import WidgetBase, error_text, textarea, vn_number, vnd
from .display import escape, render_error, render_note

MESSAGES_PER_BATCH = 1000  # one message costs a fraction of a đồng; a thousand is tangible


def _model_options(model: str | None) -> list[str]:
    """The given model, the providers' defaults, then every model with a known price."""
    names = [model] if model else []
    names += [p.default_model for p in course.PROVIDERS.values()]
    try:
        names += [m for m in load_prices() if m != "mo-phong"]
    except (OSError, ValueError):  # the price list is a help, not a need
        pass
    return list(dict.fromkeys(names))


class TokenCost(WidgetBase):
    """Count tokens (`course.token_info`) and cost in VND (`course.cost_vnd`)."""

    def __init__(
        self, text: str = "", english: str | None = None, model: str | None = None
    ) -> None:
        self.vi = textarea("widgets.tc_vi", "widgets.tc_vi_placeholder", text, rows=4)
        self.en = textarea("widgets.tc_en", "widgets.tc_en_placeholder", english or "", rows=4)
        options = _model_options(model)
        self.model = widgets.Dropdown(
            options=options, value=model or options[0], description=t("widgets.tc_model"),
            style={"description_width": "120px"},
        )
        self.result_view = widgets.HTML()
        self.result: dict[str, Any] = {}
        for w in (self.vi, self.en, self.model):
            w.observe(lambda _: self.compute(), names="value")
        self.ui = widgets.VBox(
            [
                widgets.HTML(f"<b>{escape(t('widgets.tc_title'))}</b>"),
                self.vi,
                self.en,
                self.model,
                self.result_view,
            ]
        )
        self.compute()

    def compute(self) -> dict[str, Any]:
        """Return tokens_vi, tokens_en, ratio, cost_vnd, exact (+ cost per 1000 messages)."""
        model = self.model.value
        # NFC first: decomposed Vietnamese costs more tokens for the same words.
        vi = unicodedata.normalize("NFC", self.vi.value)
        en = unicodedata.normalize("NFC", self.en.value)
        if not vi.strip():  # nothing to count: say what to do, not "0 tokens, 0,00 times"
            self.result = {}
            self.result_view.value = render_note(t("widgets.tc_empty"))
            return {}
        try:
            info_vi = course.token_info(vi, model)
            info_en = course.token_info(en, model) if en.strip() else None
            tokens_vi = int(info_vi.tokens)
            tokens_en = int(info_en.tokens) if info_en else None
            cost = float(course.cost_vnd(tokens_vi, 0, model))
            cost_en = float(course.cost_vnd(tokens_en, 0, model)) if tokens_en is not None else None
        except Exception as exc:
            self.result_view.value = render_error(error_text(exc))
            self.result = {}
            return {}
        ratio = round(tokens_vi / tokens_en, 2) if tokens_en else None
        exact = bool(info_vi.exact and (info_en.exact if info_en else True))
        self.result = {
            "tokens_vi": tokens_vi,
            "tokens_en": tokens_en,
            "ratio": ratio,
            "cost_vnd": cost,
            "cost_vnd_en": cost_en,
            "cost_1000_vnd": cost * MESSAGES_PER_BATCH,
            "exact": exact,
            "encoding": getattr(info_vi, "encoding", None),
            "model": model,
        }
        self._show()
        return dict(self.result)

    def _show(self) -> None:
        r = self.result
        rows = [
            (t("widgets.tc_row_vi"), str(r["tokens_vi"]), vnd(r["cost_vnd"]),
             vnd(r["cost_1000_vnd"])),
        ]
        if r["tokens_en"] is not None:
            rows.append(
                (t("widgets.tc_row_en"), str(r["tokens_en"]), vnd(r["cost_vnd_en"]),
                 vnd(r["cost_vnd_en"] * MESSAGES_PER_BATCH))
            )
        head = (t("widgets.tc_col_text"), t("widgets.tc_col_tokens"), t("widgets.tc_col_cost"),
                t("widgets.tc_col_cost_1000", n=vn_number(MESSAGES_PER_BATCH)))
        cells = "".join(f"<th style='padding:2px 8px'>{escape(h)}</th>" for h in head)
        body = "".join(
            "<tr>" + "".join(f"<td style='padding:2px 8px'>{escape(c)}</td>" for c in row) + "</tr>"
            for row in rows
        )
        notes = []
        if r["ratio"] is not None:
            notes.append(t("widgets.tc_ratio", ratio=vn_number(r["ratio"], 2)))
        if r["cost_vnd"] == 0 and r["tokens_vi"]:
            notes.append(t("widgets.tc_no_price", model=r["model"]))
        if not r["exact"]:
            notes.append(t("widgets.tc_estimate"))
        elif r["encoding"]:
            notes.append(t("widgets.tc_encoding", encoding=r["encoding"]))
        self.result_view.value = (
            f"<table style='font-size:15px'><tr>{cells}</tr>{body}</table>"
            + "".join(render_note(n) for n in notes)
        )
