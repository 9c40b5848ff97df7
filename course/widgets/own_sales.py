"""Lesson 07 on the participant's own sales: upload a CSV or Excel file, get the lesson's
analysis (month x channel table, chart, AI comments checked against the table) and the one-page
report under the participant's own business name, in ket_qua/ like the notebook's report.

`read_sales(name, content)` and `SalesReport.analyse(table)` are the plain-Python core; a bad
file gets one Vietnamese sentence saying what to change, and nothing typed is lost.
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from pathlib import Path

import ipywidgets as widgets
import pandas as pd

import course
from course import numbers
from course.errors import CourseError
from course.i18n import t
from course.lessons import OUTPUT_DIR, factcheck, profile
from course.lessons.capstone import markdown_table
from course.text import fold, nfc

from ._common import WidgetBase, busy, error_text, personal_data_warnings, pii_notice
from .display import render_error, render_note, render_ok, render_text
from .prompt_tools import _button, _text, _title

MAX_BYTES = 5 * 1024 * 1024  # an upload is attacker input: bounded before it is parsed
MAX_ROWS = 50_000
REPORT = "bao_cao_thang.md"  # the same file as the notebook's report
CHART = "doanh_thu_cua_ban.png"

# Column names as people write them, folded (no accents, lower case, "_" for spaces).
ALIASES = {
    "thang": {"thang", "month", "thang_nam", "ky"},
    "ngay": {"ngay", "date", "ngay_ban", "ngay_ban_hang", "ngay_thang"},
    "kenh": {"kenh", "kenh_ban", "kenh_ban_hang", "channel", "nguon"},
    "ten_sp": {"ten_sp", "san_pham", "dich_vu", "ten_san_pham", "ten_dich_vu", "mat_hang",
               "san_pham_dich_vu", "sp", "hang", "goi", "ten_hang", "product", "service"},
    "doanh_thu": {"doanh_thu", "thanh_tien", "so_tien", "tien", "doanh_so", "tong_tien",
                  "revenue", "doanh_thu_vnd", "doanh_thu_dong"},
    "so_luong": {"so_luong", "sl", "quantity", "so_kg", "so_lan", "so_don"},
    "don_gia": {"don_gia", "gia", "gia_ban", "price", "don_gia_vnd"},
}


def _key(column: object) -> str:
    words = re.sub(r"[^0-9a-z]+", "_", fold(nfc(str(column))).lower()).strip("_")
    return re.sub(r"_?\((vnd|d|dong)\)$", "", words)


def _rows(numbers_: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers_[:5])
    return shown + (" …" if len(numbers_) > 5 else "")


def _month(value: object) -> str | None:
    """'2025-12', '12/2025', 'T12/2025', 'Tháng 12/2025', a date or '15/12/2025' -> '2025-12'."""
    if isinstance(value, (datetime, date, pd.Timestamp)):
        return f"{value.year:04d}-{value.month:02d}"
    text = fold(nfc(str(value or ""))).lower().strip()
    text = re.sub(r"^(thang|t)\s*", "", text)
    patterns = [(r"(\d{4})[-/.](\d{1,2})(?:[-/.]\d{1,2})?(?:\s.*)?", (1, 2)),
                (r"(?:\d{1,2}[-/.])?(\d{1,2})[-/.](\d{4})", (2, 1))]
    for pattern, (y, m) in patterns:
        found = re.fullmatch(pattern, text)
        if found and 1 <= int(found.group(m)) <= 12:
            return f"{int(found.group(y)):04d}-{int(found.group(m)):02d}"
    return None


def _amount(value: object) -> float | None:
    if isinstance(value, (int, float)) and not pd.isna(value):
        return float(value) if value >= 0 else None
    try:
        return float(profile.parse_price(value))
    except CourseError:
        return None


def _read_table(name: str, content: bytes) -> pd.DataFrame:
    suffix = Path(name).suffix.lower()
    if suffix == ".xlsx":
        return pd.read_excel(io.BytesIO(content), dtype=object, engine="openpyxl")
    if suffix == ".csv":
        for encoding in ("utf-8-sig", "cp1258"):  # Excel saves Vietnamese CSV in either
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ValueError("encoding")
        return pd.read_csv(io.StringIO(text), sep=None, engine="python", dtype=object,
                           nrows=MAX_ROWS + 1)
    raise CourseError(t("app.sales_bad_type", name=name))


def read_sales(name: str, content: bytes) -> pd.DataFrame:
    """An uploaded sales file -> a table with thang ('YYYY-MM'), kenh, ten_sp, doanh_thu (đồng).

    Raises CourseError with one Vietnamese sentence for anything it cannot use.
    """
    name = Path(str(name)).name  # only the file's own name is ever shown
    if len(content) > MAX_BYTES:
        raise CourseError(t("app.sales_too_big", name=name, limit=MAX_BYTES // 2**20,
                            size=numbers.number(len(content) / 2**20, 1)))
    try:
        raw = _read_table(name, bytes(content))
    except CourseError:
        raise
    except Exception as exc:  # pandas/openpyxl's own (English) reasons are not shown
        raise CourseError(t("app.sales_unreadable", name=name)) from exc
    raw = raw.dropna(how="all").head(MAX_ROWS)
    if raw.empty:
        raise CourseError(t("app.sales_empty", name=name))
    found: dict[str, object] = {}
    for column in raw.columns:
        for field, names in ALIASES.items():
            if _key(column) in names and field not in found:
                found[field] = column
    columns = ", ".join(str(c) for c in raw.columns)
    month_col = found.get("thang", found.get("ngay"))
    if month_col is None:
        raise CourseError(t("app.sales_no_month", columns=columns))
    line = raw.index.to_series() + 2  # the spreadsheet's row number (row 1 holds the headings)
    months = raw[month_col].map(_month)
    bad = line[months.isna()].tolist()
    if bad:
        raise CourseError(t("app.sales_bad_months", rows=_rows(bad)))
    if "doanh_thu" in found:
        amounts = raw[found["doanh_thu"]].map(_amount)
        bad = line[amounts.isna()].tolist()
    elif "so_luong" in found and "don_gia" in found:
        qty, price = raw[found["so_luong"]].map(_amount), raw[found["don_gia"]].map(_amount)
        bad = line[qty.isna() | price.isna()].tolist()
        amounts = qty * price
    else:
        raise CourseError(t("app.sales_no_amount", columns=columns))
    if bad:
        raise CourseError(t("app.sales_bad_amounts", rows=_rows(bad)))

    def text(field: str) -> pd.Series:
        if field not in found:
            return pd.Series(t("app.sales_all"), index=raw.index)
        return raw[found[field]].map(lambda v: nfc(str(v)).strip() if pd.notna(v) and
                                     str(v).strip() else t("app.sales_all"))

    return pd.DataFrame({"thang": months, "kenh": text("kenh"), "ten_sp": text("ten_sp"),
                         "doanh_thu": amounts.astype(float)}).reset_index(drop=True)


def month_name(month: str) -> str:
    return f"{month[5:]}/{month[:4]}"


class SalesReport(WidgetBase):
    """Upload, business name, "Phân tích" -> tables, chart, checked AI comments, the report.

    The business name starts as the saved "Sản phẩm của bạn" business (if any). `table`, `bang`,
    `report` and `path` hold the last analysis.
    """

    def __init__(self, folder: str | Path = OUTPUT_DIR, shop: str | None = None) -> None:
        self.folder = Path(folder)
        if shop is None:
            saved = profile.load(self.folder) if profile.profile_path(self.folder).exists() else {}
            shop = "" if not saved or saved.get("mau") else profile.business_name(saved)
        self.table: pd.DataFrame | None = None
        self.bang: pd.DataFrame | None = None
        self.report = ""
        self.comments: list[str] = []
        self.path: Path | None = None
        self.upload = widgets.FileUpload(accept=".csv,.xlsx", multiple=False,
                                         description=t("app.sales_upload"),
                                         layout=widgets.Layout(width="auto"))
        self.shop = _text("app.sales_shop", "app.sales_shop_hint", shop)
        self.button = _button("app.sales_button", "bar-chart")
        self.message = widgets.HTML()
        self.tables_view = widgets.HTML()
        self.chart = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.chart.layout.display = "none"
        self.report_view = widgets.HTML()
        self.button.on_click(lambda _: self.run())
        self.ui = widgets.VBox([_title("app.sales_title", t("app.sales_intro")),
                                widgets.HBox([self.upload]), self.shop,
                                widgets.HBox([self.button]), self.message, self.tables_view,
                                self.chart, self.report_view])

    def uploaded(self) -> tuple[str, bytes] | None:
        files = self.upload.value
        if not files:
            return None
        item = files[0]
        return str(item["name"]), bytes(item["content"])

    def run(self) -> str:
        """Read the chosen file and analyse it; "" with a Vietnamese message if it can't."""
        self.message.value = ""
        file = self.uploaded()
        if file is None:
            self.message.value = render_error(t("app.sales_need_file"))
            return ""
        if not self.shop.value.strip():
            self.message.value = render_error(t("app.sales_need_shop"))
            return ""
        try:
            table = read_sales(*file)
        except CourseError as exc:
            self.message.value = render_error(str(exc))
            return ""
        return self.analyse(table)

    def analyse(self, ds: pd.DataFrame) -> str:
        """Lesson 07's analysis and report on `ds` (columns thang, kenh, ten_sp, doanh_thu)."""
        shop = nfc(self.shop.value.strip())
        self.table = ds
        bang = ds.pivot_table(index="thang", columns="kenh", values="doanh_thu",
                              aggfunc="sum", fill_value=0) / 1e6
        channels = list(bang.columns)
        bang["Tổng"] = bang.sum(axis=1)
        bang["So với tháng trước (%)"] = bang["Tổng"].pct_change() * 100
        self.bang = bang = bang.round(1)
        months = list(bang.index)
        last = months[-1]
        this = ds[ds["thang"] == last]
        change = bang.loc[last, "So với tháng trước (%)"]
        by_channel = (this.groupby("kenh")["doanh_thu"].sum() / 1e6).round(1)
        by_item = (this.groupby("ten_sp")["doanh_thu"].sum() / 1e6).round(1)
        top = by_item.sort_values(ascending=False).head(3)
        read = t("app.sales_read", rows=len(ds), months=len(months),
                 first=month_name(months[0]), last=month_name(last))
        self.tables_view.value = render_note(read) + numbers.table(bang).to_html()
        self._draw(bang[channels])

        self.message.value = render_note(t("widgets.working"))
        failed = ""
        with busy(self.button), personal_data_warnings() as notes:
            try:
                answer = course.ask(t("app.sales_request", shop=shop, table=bang.to_csv()))
            except Exception as exc:  # the report is still written, from pandas' numbers
                answer, failed = "", render_error(error_text(exc))
        total_all = ds["doanh_thu"].sum()
        lines = factcheck.answer_lines(answer) if answer else []
        # A comment goes into the report only when it states numbers and all of them are in
        # the table: a sentence with no number can't be checked (and may be about someone else).
        kept = factcheck.verified_lines(answer, bang, extra=[total_all], unit=1e6) if answer else []
        self.comments = [c for c in kept if factcheck.extract_numbers(c)]
        dropped = [c for c in lines if not c.endswith(":")
                   and factcheck.extract_numbers(c) and c not in self.comments]
        comments = ([f"- {c}" for c in self.comments] if self.comments
                    else [t("app.sales_report_no_comments")])
        change_text = (t("app.sales_report_first") if pd.isna(change)
                       else numbers.percent(change))
        chart_line = [f"![{t('app.sales_chart_title')}]({CHART})", ""] if self.chart.value else []
        self.report = "\n".join([
            f"# {t('app.sales_report_title', month=month_name(last), shop=shop)}", "",
            t("app.sales_report_total", total=numbers.number(this["doanh_thu"].sum() / 1e6, 1),
              change=change_text), "",
            f"## {t('app.sales_report_channels')}", "",
            markdown_table(by_channel.rename_axis(t("app.sales_col_channel"))
                           .reset_index(name=t("app.sales_col_million"))), "",
            f"## {t('app.sales_report_top')}", "",
            markdown_table(top.rename_axis(t("app.sales_col_item"))
                           .reset_index(name=t("app.sales_col_million"))), "",
            *chart_line,
            f"## {t('app.sales_report_comments')}", "", *comments, "",
            t("app.sales_report_footer", shop=shop)])
        # Only the report: the answer's sentences whose numbers are not in the table are not
        # shown at all (the note below counts them), so no made-up figure reaches the page.
        self.report_view.value = render_text(self.report)
        status = failed + pii_notice(notes)
        if dropped:
            status += render_note(t("app.sales_dropped", count=len(dropped)))
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self.path = self.folder / REPORT
            self.path.write_text(self.report, encoding="utf-8")
        except OSError:
            self.message.value = status + render_error(t("app.sales_save_failed",
                                                         folder=self.folder))
            return self.report
        self.message.value = status + render_ok(t("app.sales_saved", path=self.path))
        return self.report

    def _draw(self, bang: pd.DataFrame) -> None:
        """The chart as a PNG in the page and in ket_qua/ (the report links it)."""
        from matplotlib.figure import Figure  # no pyplot: the notebook's own figures are untouched

        figure = Figure(figsize=(8, 4))
        ax = figure.subplots()
        bang.plot(ax=ax, marker="o")
        ax.set_title(t("app.sales_chart_title"))
        ax.set_xlabel(t("app.sales_chart_x"))
        ax.set_ylabel(t("app.sales_chart_y"))
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=100)
        self.chart.value = buffer.getvalue()
        self.chart.layout.display = ""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.folder / CHART).write_bytes(self.chart.value)
        except OSError:
            pass  # the report says so when it cannot be written either
