"""Batch run: fill a template from each table row, ask the model, keep answers in a column."""

from __future__ import annotations

import string
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import ipywidgets as widgets
import pandas as pd
from traitlets import Any, Bool, HasTraits, Unicode

import course
from course.errors import CourseError
from course.i18n import t
from course.lessons import OUTPUT_DIR, export

from ._common import WidgetBase, busy, button, error_text
from .display import (
    BODY_FONT,
    column_label,
    escape,
    render_error,
    render_note,
    render_ok,
    render_table,
    render_text,
    render_warning,
)


def template_fields(template: str) -> list[str]:
    """The `{column}` names used in a template, in order, without duplicates."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise CourseError(t("widgets.batch_bad_braces")) from exc
    names: list[str] = []
    for _, field, _, _ in parsed:
        if field is None:
            continue
        name = field.split(".")[0].split("[")[0].strip()
        if not name or name.isdigit():
            raise CourseError(t("widgets.batch_empty_placeholder"))
        if name not in names:
            names.append(name)
    return names


def _check_columns(df: pd.DataFrame, template: str) -> list[str]:
    names = template_fields(template)
    columns = [str(c) for c in df.columns]
    missing = [n for n in names if n not in columns]
    if missing:
        raise CourseError(
            t(
                "widgets.batch_unknown_placeholder",
                names=", ".join("{" + n + "}" for n in missing),
                columns=", ".join("{" + c + "}" for c in columns),
            )
        )
    return names


def _fill_row(template: str, row: pd.Series, names: list[str]) -> str:
    by_name = {str(c): c for c in row.index}  # column labels may be numbers
    values = {}
    for n in names:
        value = row[by_name[n]]
        values[n] = "" if pd.api.types.is_scalar(value) and pd.isna(value) else value
    try:
        return template.format_map(values)
    except (ValueError, TypeError, IndexError, AttributeError) as exc:
        raise CourseError(t("widgets.batch_bad_format", detail=str(exc))) from exc


def fill_template(df: pd.DataFrame, template: str) -> pd.Series:
    """One filled prompt per row; an unknown {placeholder} raises a Vietnamese ValueError."""
    names = _check_columns(df, template)
    return pd.Series(
        [_fill_row(template, row, names) for _, row in df.iterrows()], index=df.index, dtype=object
    )


def _ask_rows(
    df: pd.DataFrame,
    template: str,
    output_column: str,
    system: str | None,
    temperature: float | None,
    should_stop: Callable[[], bool],
    on_row: Callable[[int, int], None],
    pii_rows: list[int] | None = None,
) -> pd.DataFrame:
    """Shared loop: a failing row records its error text and the loop goes on.

    Rows whose prompt holds personal data are listed in `pii_rows` (1-based), checked
    explicitly per row: this loop may run in a thread, where catching warnings is not safe.
    """
    prompts = fill_template(df, template)
    result = df.copy()
    answers: list[str | None] = [None] * len(df)
    result[output_column] = pd.Series(answers, index=df.index, dtype=object)
    total = len(df)
    if pii_rows is not None and course.status().get("pii_policy") == "off":
        pii_rows = None
    for i, prompt in enumerate(prompts):
        if should_stop():
            break
        if pii_rows is not None and course.find_pii(prompt):
            pii_rows.append(i + 1)
        try:
            answer = course.ask(prompt, system=system, temperature=temperature)
        except Exception as exc:
            answer = t("widgets.batch_row_error", message=error_text(exc))
        result.iloc[i, result.columns.get_loc(output_column)] = answer
        on_row(i + 1, total)
    return result


def for_export(result: pd.DataFrame, output_column: str) -> pd.DataFrame:
    """The table as saved: answers without the simulation label, and a column that says
    whether each row was simulated (so a pasted post never carries the label)."""
    table = result.copy()
    answers = table[output_column]
    simulated = [isinstance(a, str) and course.is_simulated(a) for a in answers]
    table[output_column] = [course.strip_label(a) if isinstance(a, str) else a for a in answers]
    done = answers.notna()
    table[SIMULATED_COLUMN] = [
        (t("widgets.batch_yes") if sim else t("widgets.batch_no")) if ok else ""
        for sim, ok in zip(simulated, done, strict=True)
    ]
    return table


SIMULATED_COLUMN = "mo_phong"


def run_batch(
    df: pd.DataFrame,
    template: str,
    output_column: str = "ket_qua",
    system: str | None = None,
    temperature: float | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Code version of BatchRun: returns a copy of `df` with `output_column` filled."""
    if progress:
        from tqdm.auto import tqdm

        # Rows done and time left in Vietnamese; no "it/s" a participant cannot read.
        bar = tqdm(total=len(df), desc=t("widgets.batch_progress_desc"),
                   bar_format=t("widgets.batch_progress_format"))
        try:
            return _ask_rows(df, template, output_column, system, temperature,
                             lambda: False, lambda done, total: bar.update(1))
        finally:
            bar.close()
    return _ask_rows(df, template, output_column, system, temperature,
                     lambda: False, lambda done, total: None)


class BatchRun(WidgetBase, HasTraits):
    """Run a template over every row of a table, with progress, stop and export buttons.

    State a notebook or a test can watch: `result` (the table, or None), `error` (the last
    Vietnamese error, "" when none) and `running`.
    """

    result = Any(None, allow_none=True)
    error = Unicode("")
    running = Bool(False)

    def __init__(
        self,
        df: pd.DataFrame,
        template: str,
        output_column: str = "ket_qua",
        system: str | None = None,
        temperature: float | None = None,
    ) -> None:
        super().__init__()
        if not isinstance(df, pd.DataFrame):
            raise CourseError(t("widgets.batch_need_table"))
        self.df = df
        self.output_column = output_column
        self.system = system
        self.temperature = temperature
        self.pii_rows: list[int] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.template = widgets.Textarea(
            value=template, description=t("widgets.batch_template"), rows=4,
            layout=widgets.Layout(width="95%"), style={"description_width": "120px"},
        )
        # Each placeholder with its Vietnamese heading: {chu_de} (Chủ đề), so a participant who
        # never saw the table's code knows what it fills in.
        columns = ", ".join(
            "{" + str(c) + "}" + (f" ({label})" if (label := column_label(c)) != str(c) else "")
            for c in df.columns)
        self.columns_hint = widgets.HTML(render_note(t("widgets.batch_columns", columns=columns)))
        self.run_button = button("widgets.batch_run", "primary", "play")
        self.stop_button = button("widgets.batch_stop", "danger", "stop")
        self.stop_button.disabled = True
        self.progress = widgets.IntProgress(min=0, max=max(len(df), 1), value=0)
        self.progress_label = widgets.Label(f"0/{len(df)}")
        self.message = widgets.HTML()
        self.table_view = widgets.HTML()
        self.filename = widgets.Text(value="", placeholder=self.default_filename(),
                                     description=t("widgets.batch_filename"),
                                     style={"description_width": "120px"})
        self.excel_button = button("widgets.batch_save_excel", "", "file-excel-o")
        self.csv_button = button("widgets.batch_save_csv", "", "file-text-o")
        self.run_button.on_click(lambda _: self.start())
        self.stop_button.on_click(lambda _: self.stop())
        self.excel_button.on_click(lambda _: self._save("xlsx"))
        self.csv_button.on_click(lambda _: self._save("csv"))
        self.ui = widgets.VBox(
            [
                widgets.HTML(f"<b>{escape(t('widgets.batch_title'))}</b>"),
                self.template,
                self.columns_hint,
                widgets.HBox([self.run_button, self.stop_button]),
                widgets.HBox([self.progress, self.progress_label]),
                self.message,
                self.table_view,
                widgets.HBox([self.filename, self.excel_button, self.csv_button]),
            ]
        )

    # -- running ---------------------------------------------------------------
    def _on_row(self, done: int, total: int) -> None:
        self.progress.value = done
        self.progress_label.value = f"{done}/{total}"

    def _refuse(self) -> bool:
        """Checks before any row is sent: one clear message instead of one error per row."""
        if self.df.empty:
            self.error = t("widgets.batch_empty_table")
        elif not self.template.value.strip():
            self.error = t("widgets.batch_empty_template")
        else:
            return False
        self.message.value = render_error(self.error)
        return True

    def run(self) -> pd.DataFrame:
        """Run every row (until "Dừng"); returns the table, also kept in `.result`."""
        self._stop.clear()
        return self._run()

    def _run(self) -> pd.DataFrame:
        self.error = ""
        self.pii_rows = []
        self.progress.value = 0
        self.progress_label.value = f"0/{len(self.df)}"
        self.table_view.value = ""  # an old table must not look like this run's answer
        if self._refuse():
            return self.result if self.result is not None else self.df.copy()
        self.message.value = render_note(t("widgets.working"))
        self.stop_button.disabled = False
        self.running = True
        try:
            buttons = (self.run_button, self.excel_button, self.csv_button)
            with busy(*buttons):
                result = _ask_rows(
                    self.df, self.template.value, self.output_column, self.system,
                    self.temperature, self._stop.is_set, self._on_row, self.pii_rows,
                )
        except Exception as exc:
            self.error = error_text(exc)
            self.message.value = render_error(self.error)
            return self.result if self.result is not None else self.df.copy()
        finally:
            self.stop_button.disabled = True
            self.running = False
        self.result = result
        done = int(self.progress.value)
        key = "widgets.batch_stopped" if done < len(self.df) else "widgets.batch_done"
        notes = ""
        if self.pii_rows:
            rows = ", ".join(str(n) for n in self.pii_rows)
            notes = render_warning(t("widgets.batch_pii_rows", rows=rows))
        self.message.value = render_ok(t(key, done=done, total=len(self.df))) + notes
        self._show_table()
        return result

    def start(self) -> None:
        """Button handler: run in a thread so the kernel can still receive the "Dừng" click."""
        if self._thread and self._thread.is_alive():
            return
        self._stop.clear()  # here, before the thread exists: a quick "Dừng" is never lost
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def wait(self, timeout: float | None = None) -> None:
        """Wait for a run started by the button (used by tests and scripts)."""
        if self._thread:
            self._thread.join(timeout)

    def stop(self) -> None:
        """Stop after the current row; finished rows are kept."""
        self._stop.set()
        self.message.value = render_note(t("widgets.batch_stopping"))

    def _show_table(self, limit: int = 20) -> None:
        if self.result is None:
            return
        shown = for_export(self.result, self.output_column).head(limit)
        rows = ([("" if pd.isna(v) else v) for v in row] for row in shown.itertuples(index=False))
        table = render_table(rows, [column_label(c) for c in shown.columns])  # Vietnamese
        more = len(self.result) - limit
        note = render_note(t("widgets.batch_more_rows", n=more)) if more > 0 else ""
        self.table_view.value = (
            f"<div style='max-height:400px;overflow:auto;{BODY_FONT}'>{table}</div>{note}"
        )

    # -- export ------------------------------------------------------------------
    def default_filename(self) -> str:
        """A clear name: what was produced and when, e.g. chay_hang_loat_ket_qua_20260105-0930."""
        stamp = datetime.now().strftime("%Y%m%d-%H%M")
        return f"chay_hang_loat_{self.output_column}_{stamp}"

    def _need_result(self) -> pd.DataFrame:
        if self.result is None:
            raise CourseError(t("widgets.batch_no_result"))
        return for_export(self.result, self.output_column)

    def _export(self, path: str | Path | None, suffix: str) -> Path:
        table = self._need_result()
        target = Path(path).expanduser() if path else Path(self.default_filename())
        if target.suffix.lower() != suffix:
            target = target.with_name(target.name + suffix)
        folder = target.parent if target.parent != Path(".") else Path(OUTPUT_DIR)
        return export(table, target.name, folder)

    def export_excel(self, path: str | Path | None = None) -> Path:
        """Save the result as Excel in ket_qua/ (or at `path`); answers without the label."""
        return self._export(path, ".xlsx")

    def export_csv(self, path: str | Path | None = None) -> Path:
        """Save as CSV (UTF-8 with BOM, so Excel shows Vietnamese letters) in ket_qua/."""
        return self._export(path, ".csv")

    def _save(self, kind: str) -> Path | None:
        name = self.filename.value.strip() or None
        if self.result is None:
            self.message.value = render_error(t("widgets.batch_no_result"))
            return None
        try:
            path = self.export_excel(name) if kind == "xlsx" else self.export_csv(name)
        except (OSError, ValueError):  # locked file, bad folder or a character not allowed
            shown = name or self.default_filename()
            self.message.value = render_error(t("widgets.batch_save_failed", name=shown))
            return None
        self.message.value = render_ok(t("widgets.batch_saved", path=str(path))) + render_text(
            t("widgets.batch_download_hint")
        )
        return path
