"""Offline comments on a participant's own sales table (lesson 07, the SalesReport widget):
every figure comes from that table (a cell, a total, a share, an average), nothing from the
sample shop (Tết, TikTok Shop, 281,9 triệu), or one honest sentence pointing to course.setup().

Shapes: by month × channel (the widget's pivot), by product, by channel, by service; CSV with
commas (pandas), semicolons with Vietnamese decimals, tabs, and a Markdown table.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from course.i18n import t
from course.lessons import factcheck
from course.llm import offline
from course.text import fold

SAMPLE_WORDS = ("tet", "tiktok", "shopee", "281,9", "110,1", "250,4", "2,1 ty", "nong san",
                "qua bieu", "mua sam", "le hoi", "noel", "khuyen mai", "uu dai", "mua he",
                "mua mua", "cuoi nam")
LESSON = ("Dưới đây là bảng doanh thu theo tháng năm 2025 của cửa hàng, đơn vị triệu đồng. "
          "Hãy viết 5 nhận xét ngắn về xu hướng, mỗi nhận xét có con số cụ thể, "
          "rồi một gợi ý cho năm sau.\n\n")


def ask(prompt: str) -> str:
    answer = offline.answer([{"role": "user", "content": prompt}])
    assert offline.is_simulated(answer)
    return offline.strip_label(answer)


def laundry_by_month() -> pd.DataFrame:
    """The widget's table: months × channels in millions, a total and the change in %."""
    bang = pd.DataFrame({"Tại tiệm": [10.5, 8.0, 12.0, 11.2], "Zalo": [3.2, 4.0, 5.5, 6.1]},
                        index=pd.Index(["2025-09", "2025-10", "2025-11", "2025-12"],
                                       name="thang"))
    bang["Tổng"] = bang.sum(axis=1)
    bang["So với tháng trước (%)"] = bang["Tổng"].pct_change() * 100
    return bang.round(1)


def by_product() -> pd.DataFrame:
    return pd.DataFrame({"Doanh thu": [42.5, 18.0, 7.25, 30.0]},
                        index=pd.Index(["Cam Vinh loại 1", "Cam Vinh loại 2", "Bưởi Phúc Trạch",
                                        "Chanh leo"], name="Sản phẩm"))


def by_channel() -> pd.DataFrame:
    return pd.DataFrame({"Doanh thu": [12_500_000, 4_200_000, 8_750_000]},
                        index=pd.Index(["Tại tiệm", "Zalo", "Facebook"], name="Kênh"))


def tutor_by_service() -> pd.DataFrame:
    return pd.DataFrame({"Số học viên": [12, 7, 20], "Doanh thu": [14.4, 9.8, 16.0]},
                        index=pd.Index(["Toán lớp 9", "Tiếng Anh giao tiếp", "Luyện thi vào 10"],
                                       name="Dịch vụ"))


def allowed(table: pd.DataFrame) -> list[float]:
    """Figures an honest comment may state: cells, row and column totals, the grand total,
    averages, shares of the total (%), and first→last changes (%)."""
    values = factcheck.table_numbers(table)
    numeric = table.select_dtypes("number")
    cols = [c for c in numeric.columns if "%" not in str(c) and str(c) != "Tổng"]
    for c in numeric.columns:
        s = numeric[c].dropna()
        if len(s):
            values += [s.sum(), s.mean(), (s.iloc[-1] - s.iloc[0]) / s.iloc[0] * 100 if s.iloc[0]
                       else 0.0]
            values += [v / s.sum() * 100 for v in s if s.sum()]
    if len(cols) > 1:
        rows = numeric["Tổng"] if "Tổng" in numeric else numeric[cols].sum(axis=1)
        grand = rows.sum()
        values += [float(x) for x in rows] + [grand, rows.mean()]
        values += [v / grand * 100 for v in numeric[cols].sum()]
        values += [v / grand * 100 for v in rows]
        values += list(numeric[cols].sum()) + list(numeric[cols].mean())
    return [float(v) for v in values]


def invented(answer: str, table: pd.DataFrame, unit: float = 1.0) -> list[str]:
    values = allowed(table)
    bad = []
    for n in factcheck.extract_numbers(answer):
        if n.skip_reason:
            continue
        sizes = [abs(v) for v in values] + [abs(v) * unit for v in values]
        if not any(abs(s - n.value) <= max(n.tolerance, 0.051 * (unit if not n.percent else 1))
                   + 1e-9 * abs(s) for s in sizes):
            bad.append(n.text)
    return bad


def check(answer: str, table: pd.DataFrame, n: int, unit: float = 1.0) -> None:
    f = fold(answer)
    for w in SAMPLE_WORDS:
        assert w not in f, (w, answer)
    assert not invented(answer, table, unit), (invented(answer, table, unit), answer)
    numbered = [x for x in answer.splitlines() if re.match(r"\s*\d+\.\s", x)]
    if "course.setup()" not in answer:
        assert len(numbered) == n, answer
        assert all(factcheck.extract_numbers(x) for x in numbered), answer  # a figure each
    else:
        assert len(numbered) < n, answer


def names_best_and_worst(answer: str, table: pd.DataFrame, column: str) -> None:
    s = table[column]
    assert str(s.idxmax()) in answer or fold(str(s.idxmax())) in fold(answer), answer
    assert str(s.idxmin()) in answer, answer


def test_widget_request_with_a_laundry_by_month() -> None:
    bang = laundry_by_month()
    answer = ask(t("app.sales_request", shop="Giặt sấy Hoa Mai", table=bang.to_csv()))
    check(answer, bang, 5, unit=1e6)
    assert "tháng 12/2025" in answer.lower() or "12/2025" in answer, answer
    assert "Zalo" in answer and "Gợi ý" in answer, answer
    # The widget keeps a comment only when all its figures are table cells or the total:
    # most honest comments must survive that check.
    kept = factcheck.verified_lines(answer, bang, extra=[bang["Tổng"].sum() * 1e6], unit=1e6)
    assert len([x for x in kept if factcheck.extract_numbers(x)]) >= 4, (kept, answer)


def test_lesson_request_with_another_table_is_not_the_sample_answer() -> None:
    bang = laundry_by_month()
    answer = ask(LESSON + bang.to_csv())
    check(answer, bang, 5, unit=1e6)
    assert "Tại tiệm" in answer or "Zalo" in answer


def test_lesson_sample_table_keeps_the_curated_answer() -> None:
    # Lesson 07 teaches catching two wrong figures in that answer (tests/test_factcheck.py).
    ds = factcheck.load_sales()
    bang = ds.pivot_table(index="thang", columns="kenh", values="doanh_thu", aggfunc="sum") / 1e6
    bang["Tổng"] = bang.sum(axis=1)
    bang["So với tháng trước (%)"] = bang["Tổng"].pct_change() * 100
    answer = ask(LESSON + bang.round(1).to_csv())
    assert "281,9" in answer


@pytest.mark.parametrize("fmt", ["csv", "semicolon", "tab", "markdown"])
def test_by_product_in_several_formats(fmt: str) -> None:
    table = by_product()
    if fmt == "csv":
        text = table.to_csv()
    elif fmt == "semicolon":
        text = table.to_csv(sep=";", decimal=",")
    elif fmt == "tab":
        text = table.to_csv(sep="\t")
    else:
        text = "| Sản phẩm | Doanh thu |\n|---|---|\n" + "\n".join(
            f"| {k} | {str(v).replace('.', ',')} |" for k, v in table["Doanh thu"].items())
    prompt = ("Đây là doanh thu theo sản phẩm của vườn cam cô Hạnh tháng 12, đơn vị triệu đồng. "
              "Viết 4 nhận xét, mỗi nhận xét có con số.\n\n" + text)
    answer = ask(prompt)
    check(answer, table, 4, unit=1e6)
    names_best_and_worst(answer, table, "Doanh thu")
    assert "Gợi ý" not in answer  # not asked for


def test_by_channel_in_dong() -> None:
    table = by_channel()
    answer = ask("Phân tích bảng doanh thu theo kênh của tiệm giặt Hoa Mai, viết 3 nhận xét "
                 "và 1 gợi ý:\n" + table.to_csv())
    check(answer, table, 3)
    names_best_and_worst(answer, table, "Doanh thu")
    assert "đồng" in answer and "triệu đồng" not in answer  # the unit as the table has it


def test_service_table_with_two_measures() -> None:
    table = tutor_by_service()
    answer = ask("Nhận xét bảng sau của trung tâm gia sư Cô Lan (doanh thu: triệu đồng), "
                 "5 ý ngắn:\n" + table.to_csv())
    check(answer, table, 5, unit=1e6)
    names_best_and_worst(answer, table, "Doanh thu")
    for w in ("dat hang", "giao hang", "san pham ban chay", "lam qua"):
        assert w not in fold(answer), answer


def test_more_comments_than_the_table_allows_says_so() -> None:
    table = pd.DataFrame({"Doanh thu": [5.0, 7.0]},
                         index=pd.Index(["Giặt sấy", "Giặt hấp"], name="Dịch vụ"))
    answer = ask("Viết 12 nhận xét về bảng doanh thu (triệu đồng) sau:\n" + table.to_csv())
    check(answer, table, 12, unit=1e6)
    assert "course.setup()" in answer


def test_a_table_without_numbers_gets_one_honest_sentence() -> None:
    answer = ask("Nhận xét bảng doanh thu sau, 3 ý:\nDịch vụ,Doanh thu\nGiặt sấy,cao\n"
                 "Giặt hấp,thấp\nGiặt chăn,vừa\n")
    assert "course.setup()" in answer and len(answer.splitlines()) == 1, answer


def test_long_table_of_a_spa_names_its_best_service() -> None:
    # Rows of month × service, Vietnamese number style: the best service comes from its rows.
    text = ("Tháng;Dịch vụ;Doanh thu\n10/2025;Gội đầu;4.800.000\n10/2025;Massage;7.200.000\n"
            "11/2025;Gội đầu;5.600.000\n11/2025;Massage;6.900.000")
    answer = ask("Phân tích bảng doanh thu của Spa Hương Sen (đơn vị: đồng), viết 3 nhận xét:\n"
                 + text)
    table = pd.DataFrame({"Doanh thu": [4_800_000, 7_200_000, 5_600_000, 6_900_000, 12_000_000,
                                        12_500_000, 10_400_000, 14_100_000]})
    check(answer, table, 3)
    assert "Massage" in answer and "14.100.000 đồng" in answer, answer
    assert "Tháng 11/2025" in answer, answer


def test_reviews_with_commas_are_not_a_table() -> None:
    answer = ask("Phân loại cảm xúc các đánh giá sau:\n1. Giặt sạch, giao nhanh\n"
                 "2. Áo bị nhăn, giao trễ\n3. Bình thường, không có gì đặc biệt")
    assert "tích cực" in answer and "course.setup()" not in answer, answer


def test_numeric_months_and_figures_described_in_a_sentence() -> None:
    table = pd.DataFrame({"Doanh thu": [12.0, 15.0, 9.0]})
    csv_answer = ask("Nhận xét bảng doanh thu (triệu đồng) của tiệm giặt, 3 ý:\n"
                     "Tháng,Doanh thu\n1,12\n2,15\n3,9\n")
    prose_answer = ask("Tiệm giặt của tôi tháng 1 bán được 12 triệu, tháng 2 được 15 triệu, "
                       "tháng 3 được 9 triệu. Hãy nhận xét xu hướng doanh thu, 3 ý.")
    for answer in (csv_answer, prose_answer):
        check(answer, table, 3, unit=1e6)
        assert "Tháng 2 có doanh thu cao nhất: 15 triệu đồng" in answer, answer
        assert "giảm từ 12 triệu đồng xuống 9 triệu đồng" in answer, answer


def test_one_month_says_what_it_can_and_no_more() -> None:
    bang = pd.DataFrame({"Tất cả": [18.7], "Tổng": [18.7], "So với tháng trước (%)": [None]},
                        index=pd.Index(["2025-12"], name="thang"))
    answer = ask(t("app.sales_request", shop="Lớp dạy kèm cô Hạnh", table=bang.to_csv()))
    check(answer, bang, 5, unit=1e6)
    assert "Tháng 12/2025 có doanh thu 18,7 triệu đồng." in answer
    assert "cao nhất" not in answer  # one month is not the highest of anything


def test_english_thousands_and_a_share_column() -> None:
    table = pd.DataFrame({"Doanh thu": [12_500_000, 10_000_000], "Tỷ trọng": [55.6, 44.4]},
                         index=pd.Index(["Tại tiệm", "Zalo"], name="Kênh"))
    answer = ask('Phân tích bảng doanh thu sau, 3 nhận xét:\nKênh,Doanh thu (đồng),Tỷ trọng (%)\n'
                 'Tại tiệm,"12,500,000",55.6\nZalo,"10,000,000",44.4\n')
    check(answer, table, 3)
    assert "12.500.000 đồng" in answer and "22.500.000 đồng" in answer, answer


def test_raw_rows_are_summed_per_month_and_per_item_never_the_unit_price() -> None:
    # A year of raw sales rows (lesson 07's file shape): doanh_thu is summed, don_gia is not,
    # and the product code column is not an item.
    ds = factcheck.load_sales()
    answer = ask("Phân tích bảng doanh thu sau, 5 nhận xét:\n" + ds.to_csv(index=False))
    by_month = ds.groupby("thang")["doanh_thu"].sum()
    by_item = ds.groupby("ten_sp")["doanh_thu"].sum()
    assert f"{by_month.max():,.0f}".replace(",", ".") + " đồng" in answer, answer
    assert by_item.idxmax() in answer and by_item.idxmin() in answer, answer
    assert "SP0" not in answer and "course.setup()" not in answer, answer


def test_a_table_longer_than_the_reading_limit_says_it_was_cut() -> None:
    rows = "\n".join(f"{i}/2025,Giặt sấy {i},{1000 + i}" for i in range(1, 4000))
    answer = ask("Nhận xét bảng doanh thu (nghìn đồng) sau, 3 ý:\nTháng,Dịch vụ,Doanh thu\n"
                 + rows)
    assert "course.setup()" in answer and len([x for x in answer.splitlines()
                                               if re.match(r"\d+\. ", x)]) == 3, answer
