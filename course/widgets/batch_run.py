"""Batch run: fill a template from each table row, ask the model, keep answers in a column."""

from __future__ import annotations

import string
import threading
from collections.abc import Callable
from pathlib import Path

import ipywidgets as widgets
import pandas as pd

from course.errors import CourseError
from course.i18n import t

from ._common import WidgetBase, api, busy, button, error_text, personal_data_warnings
from .display import (
    escape,
    render_error,
    render_note,
    render_ok,
    render_table,
    render_text,
    render_warning,
)


def _with_suffix(path: str | Path, suffix: str) -> Path:
    path = Path(path).expanduser()
    return path if path.suffix.lower() == suffix else path.with_name(path.name + suffix)


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
) -> pd.DataFrame:
    """Shared loop: a failing row records its error text and the loop goes on."""
    prompts = fill_template(df, template)
    result = df.copy()
    answers: list[str | None] = [None] * len(df)
    result[output_column] = pd.Series(answers, index=df.index, dtype=object)
    course = api()
    total = len(df)
    for i, prompt in enumerate(prompts):
        if should_stop():
            break
        try:
            answer = course.ask(prompt, system=system, temperature=temperature)
        except Exception as exc:
            answer = t("widgets.batch_row_error", message=error_text(exc))
        result.iloc[i, result.columns.get_loc(output_column)] = answer
        on_row(i + 1, total)
    return result


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

        bar = tqdm(total=len(df), desc=t("widgets.batch_progress_desc"))
        try:
            return _ask_rows(df, template, output_column, system, temperature,
                             lambda: False, lambda done, total: bar.update(1))
        finally:
            bar.close()
    return _ask_rows(df, template, output_column, system, temperature,
                     lambda: False, lambda done, total: None)


class BatchRun(WidgetBase):
    """Run a template over every row of a table, with progress, stop and export buttons."""

    def __init__(
        self,
        df: pd.DataFrame,
        template: str,
        output_column: str = "ket_qua",
        system: str | None = None,
        temperature: float | None = None,
    ) -> None:
        if not isinstance(df, pd.DataFrame):
            raise CourseError(t("widgets.batch_need_table"))
        self.df = df
        self.output_column = output_column
        self.system = system
        self.temperature = temperature
        self.result: pd.DataFrame | None = None
        self.error = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.template = widgets.Textarea(
            value=template, description=t("widgets.batch_template"), rows=4,
            layout=widgets.Layout(width="95%"), style={"description_width": "120px"},
        )
        columns = ", ".join("{" + str(c) + "}" for c in df.columns)
        self.columns_hint = widgets.HTML(render_note(t("widgets.batch_columns", columns=columns)))
        self.run_button = button("widgets.batch_run", "primary", "play")
        self.stop_button = button("widgets.batch_stop", "danger", "stop")
        self.stop_button.disabled = True
        self.progress = widgets.IntProgress(min=0, max=max(len(df), 1), value=0)
        self.progress_label = widgets.Label(f"0/{len(df)}")
        self.message = widgets.HTML()
        self.table_view = widgets.HTML()
        self.filename = widgets.Text(value="ket_qua", description=t("widgets.batch_filename"),
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

    def run(self) -> pd.DataFrame:
        """Run every row (until "Dừng"); returns the table, also kept in `.result`."""
        self._stop.clear()
        self.error = ""
        self.progress.value = 0
        self.progress_label.value = f"0/{len(self.df)}"
        self.message.value = render_note(t("widgets.working"))
        self.stop_button.disabled = False
        try:
            buttons = (self.run_button, self.excel_button, self.csv_button)
            with busy(*buttons), personal_data_warnings() as notes:
                if self.df.empty:
                    raise CourseError(t("widgets.batch_empty_table"))
                result = _ask_rows(
                    self.df, self.template.value, self.output_column, self.system,
                    self.temperature, self._stop.is_set, self._on_row,
                )
        except Exception as exc:
            self.error = error_text(exc)
            self.message.value = render_error(self.error)
            return self.result if self.result is not None else self.df.copy()
        finally:
            self.stop_button.disabled = True
        self.result = result
        done = int(self.progress.value)
        key = "widgets.batch_stopped" if done < len(self.df) else "widgets.batch_done"
        self.message.value = render_ok(t(key, done=done, total=len(self.df))) + "".join(
            render_warning(n) for n in notes
        )
        self._show_table()
        return result

    def start(self) -> None:
        """Button handler: run in a thread so the kernel can still receive the "Dừng" click."""
        if self._thread and self._thread.is_alive():
            return
        self._thread = threading.Thread(target=self.run, daemon=True)
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
        shown = self.result.head(limit)
        rows = ([("" if pd.isna(v) else v) for v in row] for row in shown.itertuples(index=False))
        table = render_table(rows, shown.columns)
        more = len(self.result) - limit
        note = render_note(t("widgets.batch_more_rows", n=more)) if more > 0 else ""
        self.table_view.value = (
            f"<div style='max-height:400px;overflow:auto;font-size:14px'>{table}</div>{note}"
        )

    # -- export ------------------------------------------------------------------
    def _need_result(self) -> pd.DataFrame:
        if self.result is None:
            raise CourseError(t("widgets.batch_no_result"))
        return self.result

    def export_excel(self, path: str | Path) -> Path:
        """Save the result as an Excel file (openpyxl)."""
        result = self._need_result()
        path = _with_suffix(path, ".xlsx")
        path.parent.mkdir(parents=True, exist_ok=True)
        result.to_excel(path, index=False, engine="openpyxl")
        return path

    def export_csv(self, path: str | Path) -> Path:
        """Save as CSV in UTF-8 with BOM, so Excel shows Vietnamese letters correctly."""
        result = self._need_result()
        path = _with_suffix(path, ".csv")
        path.parent.mkdir(parents=True, exist_ok=True)
        result.to_csv(path, index=False, encoding="utf-8-sig")
        return path

    def _save(self, kind: str) -> Path | None:
        name = self.filename.value.strip() or "ket_qua"
        if self.result is None:
            self.message.value = render_error(t("widgets.batch_no_result"))
            return None
        try:
            path = self.export_excel(name) if kind == "xlsx" else self.export_csv(name)
        except (OSError, ValueError):  # locked file, bad folder or a character not allowed
            self.message.value = render_error(t("widgets.batch_save_failed", name=name))
            return None
        self.message.value = render_ok(t("widgets.batch_saved", path=str(path))) + render_text(
            t("widgets.batch_download_hint")
        )
        return path
