"""Excel and Markdown writers for the capstone plan (wide wrapped columns, real dates)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pandas as pd
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ..factcheck import format_number


def write_workbook(sheets: dict[str, pd.DataFrame], path: Path) -> Path:
    """One sheet per table, each formatted for reading in Excel or LibreOffice."""
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, table in sheets.items():
            table.to_excel(writer, sheet_name=name, index=False)
            _format_sheet(writer.sheets[name], table)
    return path

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
WIDE_COLUMNS = 60  # characters; longer text wraps inside the cell


def _format_sheet(ws, table: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    """Readable in Excel or LibreOffice: bold frozen header, widths, wrapping, real dates."""
    ws.freeze_panes = "A2"
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    widths = []
    for j, column in enumerate(table.columns, 1):
        values = [str(column)] + [_cell_text(v) for v in table[column]]
        longest = max(max((len(x) for x in v.split("\n")), default=0) for v in values)
        width = 100 if len(table.columns) == 1 else min(max(longest + 2, 10), WIDE_COLUMNS)
        widths.append(width)
        ws.column_dimensions[get_column_letter(j)].width = width
    for row in ws.iter_rows(min_row=2):
        lines = 1
        for cell, width in zip(row, widths, strict=False):
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if isinstance(cell.value, (date, datetime)):
                cell.number_format = "DD/MM/YYYY"
            text = _cell_text(cell.value)
            lines = max(lines, sum(max(1, -(-len(x) // max(width - 2, 1)))
                                   for x in text.split("\n")))
        ws.row_dimensions[row[0].row].height = min(15 * lines + 4, 409)  # Excel's maximum


def _cell_text(value: object) -> str:
    if isinstance(value, (date, datetime)):
        return f"{value:%d/%m/%Y}"
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        return format_number(value)  # Vietnamese style: 53,3 and 1.250.000
    return str(value)


def markdown_table(table: pd.DataFrame) -> str:
    """A table as Markdown (pipes escaped, dates as dd/mm/yyyy); no extra package needed."""
    def cell(v: object) -> str:
        return _cell_text(v).replace("|", "\\|").replace("\n", " ")

    head = "| " + " | ".join(cell(c) for c in table.columns) + " |"
    rule = "|" + "---|" * len(table.columns)
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join([head, rule, *body])
