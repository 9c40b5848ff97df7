"""Sales funnel: conversion table, biggest drop, a funnel chart and what-if sliders."""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from numbers import Real
from typing import Any

import ipywidgets as widgets
import pandas as pd

from course.errors import CourseError
from course.i18n import t

from ._common import WidgetBase, button, vn_number, vn_readout
from .display import escape, render_note, render_table, render_warning

COLUMNS = ("giai_doan", "so_luong", "ty_le_chuyen_doi", "ty_le_tu_dau", "roi_rung")
_NAME_COUNT = (("giai_doan", "so_luong"), ("stage", "count"))


def _pairs(stages: Any) -> list[tuple[str, float]]:
    """Accept {name: count} or a DataFrame (giai_doan, so_luong) / (stage, count)."""
    if isinstance(stages, pd.DataFrame):
        for name_col, count_col in _NAME_COUNT:
            if name_col in stages.columns and count_col in stages.columns:
                raw = list(zip(stages[name_col], stages[count_col], strict=True))
                break
        else:
            cols = ", ".join(str(c) for c in stages.columns)
            raise CourseError(t("widgets.funnel_bad_columns", columns=cols))
    elif isinstance(stages, Mapping):
        raw = list(stages.items())
    else:
        raise CourseError(t("widgets.funnel_bad_input"))
    if not raw:
        raise CourseError(t("widgets.funnel_empty"))
    pairs = []
    for name, count in raw:
        ok = isinstance(count, Real) and not isinstance(count, bool)
        if not ok or math.isnan(float(count)) or float(count) < 0:
            raise CourseError(t("widgets.funnel_bad_count", name=name, value=count))
        if str(name) in (n for n, _ in pairs):
            raise CourseError(t("widgets.funnel_duplicate", name=name))
        pairs.append((str(name), float(count)))
    return pairs


def _pct(part: float, whole: float) -> float:
    return round(part / whole * 100, 1) if whole > 0 else math.nan


def funnel_table(stages: Any) -> pd.DataFrame:
    """giai_doan, so_luong, ty_le_chuyen_doi (% of previous), ty_le_tu_dau (% of top), roi_rung."""
    return _table(_pairs(stages))


def _table(pairs: list[tuple[str, float]]) -> pd.DataFrame:
    top = pairs[0][1]
    rows = []
    for i, (name, count) in enumerate(pairs):
        prev = pairs[i - 1][1] if i else count
        conv = _pct(count, prev) if i else (100.0 if count > 0 else math.nan)
        drop = round(100 - conv, 1) if not math.isnan(conv) else math.nan
        rows.append((name, count, conv, _pct(count, top), drop))
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    if all(float(c).is_integer() for c in table["so_luong"]):
        table["so_luong"] = table["so_luong"].astype(int)
    return table


def funnel_notes(stages: Any) -> list[str]:
    """Plain-language warnings for zero stages and stages larger than the one before."""
    return _notes(_pairs(stages))


def _notes(pairs: list[tuple[str, float]]) -> list[str]:
    notes = []
    for i, (name, count) in enumerate(pairs):
        if count == 0 and i < len(pairs) - 1:
            notes.append(t("widgets.funnel_note_zero", name=name))
        if i and count > pairs[i - 1][1]:
            notes.append(t("widgets.funnel_note_increase", name=name, prev=pairs[i - 1][0]))
    return notes


class FunnelChart(WidgetBase):
    """Funnel table + chart; one slider per stage's conversion rate for "what if" questions."""

    def __init__(self, stages: Any) -> None:
        self._stages = _pairs(stages)
        self.notes = _notes(self._stages)
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="640px"))
        self.table_view = widgets.HTML()
        self.summary = widgets.HTML()
        self.sliders: dict[str, widgets.FloatSlider] = {}
        actual = self.table()
        rows = []
        for name, conv in zip(actual["giai_doan"][1:], actual["ty_le_chuyen_doi"][1:], strict=True):
            start = 0.0 if math.isnan(conv) else conv
            slider = widgets.FloatSlider(  # odd data (a stage above 100 %) keeps its real rate
                value=start, min=0.0, max=max(100.0, start), step=0.5,
                readout_format=".1f", continuous_update=False,
                layout=widgets.Layout(width="320px"),
            )
            slider.observe(lambda _: self.update(), names="value")
            self.sliders[name] = slider
            label = widgets.Label(t("widgets.funnel_slider", name=name))
            rows.append(widgets.HBox([label, slider, vn_readout(slider, 1, " %")]))
        self.reset_button = button("widgets.funnel_reset", "", "undo")
        self.reset_button.on_click(lambda _: self.reset())
        self.ui = widgets.VBox(
            [
                widgets.HTML(f"<b>{escape(t('widgets.funnel_title'))}</b>"),
                self.table_view,
                widgets.HTML("".join(render_warning(n) for n in self.notes)),
                self.image,
                widgets.HTML(render_note(t("widgets.funnel_what_if_hint")) if rows else ""),
                *rows,
                widgets.HBox([self.reset_button] if rows else []),
                self.summary,
            ]
        )
        self.table_view.value = self._table_html(actual)
        self.update()

    # -- core ------------------------------------------------------------------
    def table(self) -> pd.DataFrame:
        return _table(self._stages)

    def biggest_drop(self) -> str:
        """Name of the stage that loses the largest share of the previous stage ("" if none)."""
        table = self.table().iloc[1:]
        drops = table["roi_rung"].dropna()
        if drops.empty or drops.max() <= 0:
            return ""
        return str(table.loc[drops.idxmax(), "giai_doan"])

    def what_if(self, rates: Mapping[str, float] | None = None) -> pd.DataFrame:
        """Projected counts if each stage converted at `rates` (% of previous; default: sliders)."""
        rates = {name: s.value for name, s in self.sliders.items()} if rates is None else rates
        actual = self.table()
        projected: list[float] = []
        for i, (name, count) in enumerate(self._stages):
            if i == 0:
                projected.append(count)
                continue
            conv = actual["ty_le_chuyen_doi"].iloc[i]
            rate = rates.get(name, 0.0 if math.isnan(conv) else conv)
            projected.append(projected[-1] * float(rate) / 100)
        return pd.DataFrame(
            {"giai_doan": actual["giai_doan"], "so_luong": actual["so_luong"],
             "du_kien": [round(p) for p in projected]}
        )

    def figure(self, what_if: pd.DataFrame | None = None) -> Any:
        """A matplotlib Figure: centred horizontal bars, top stage at the top."""
        from matplotlib.figure import Figure

        names = [n for n, _ in self._stages]
        counts = [c for _, c in self._stages]
        widest = max(max(counts), *(what_if["du_kien"] if what_if is not None else [0])) or 1
        fig = Figure(figsize=(7, 0.6 * len(names) + 1.2), dpi=100)
        ax = fig.add_subplot()
        ys = list(range(len(names)))[::-1]
        ax.barh(ys, counts, left=[(widest - c) / 2 for c in counts], color="#4c8bf5",
                label=t("widgets.funnel_actual"))
        if what_if is not None and list(what_if["du_kien"]) != [round(c) for c in counts]:
            planned = list(what_if["du_kien"])
            ax.barh(ys, planned, left=[(widest - p) / 2 for p in planned], fill=False,
                    edgecolor="#e65100", linestyle="--", linewidth=1.5,
                    label=t("widgets.funnel_projected"))
            ax.legend(loc="lower right", fontsize=8)
        for y, c in zip(ys, counts, strict=True):
            if c >= widest * 0.15:  # room inside the bar
                ax.text(widest / 2, y, vn_number(c), ha="center", va="center", color="white",
                        fontsize=10, fontweight="bold")
            else:  # narrow bar: write the number beside it, in dark text
                ax.text((widest + c) / 2 + widest * 0.02, y, vn_number(c), ha="left",
                        va="center", color="#1a1a1a", fontsize=10, fontweight="bold")
        ax.set_yticks(ys, names)
        ax.set_xticks([])
        for side in ("top", "right", "bottom"):
            ax.spines[side].set_visible(False)
        fig.tight_layout()
        return fig

    def png(self, what_if: pd.DataFrame | None = None) -> bytes:
        buf = io.BytesIO()
        self.figure(what_if).savefig(buf, format="png")
        return buf.getvalue()

    # -- ui --------------------------------------------------------------------
    def reset(self) -> None:
        actual = self.table()
        for name, slider in self.sliders.items():
            conv = actual.loc[actual["giai_doan"] == name, "ty_le_chuyen_doi"].iloc[0]
            slider.value = 0.0 if math.isnan(conv) else conv

    def update(self) -> None:
        """Redraw the chart with the slider rates and summarise the what-if result."""
        plan = self.what_if() if self.sliders else None
        self.image.value = self.png(plan)
        lines = []
        drop = self.biggest_drop()
        if drop:
            lost = float(self.table().set_index("giai_doan").loc[drop, "roi_rung"])
            lines.append(t("widgets.funnel_biggest_drop", name=drop, pct=vn_number(lost, 1)))
        if plan is not None:
            last = plan.iloc[-1]
            lines.append(t("widgets.funnel_what_if_result", name=last["giai_doan"],
                           projected=vn_number(last["du_kien"]),
                           actual=vn_number(last["so_luong"])))
        self.summary.value = "".join(
            f"<div style='font-size:15px'>{escape(line)}</div>" for line in lines
        )

    def _table_html(self, table: pd.DataFrame) -> str:
        shown = table.copy()
        for col in COLUMNS[2:]:
            shown[col] = [("—" if math.isnan(v) else vn_number(v, 1) + " %") for v in table[col]]
        shown["so_luong"] = [vn_number(v) for v in table["so_luong"]]
        header = [t(f"widgets.funnel_col_{c}") for c in COLUMNS]
        return render_table(shown.itertuples(index=False), header)
