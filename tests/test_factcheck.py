"""Numbers a model states, checked against the table it was given (lesson 07)."""

from __future__ import annotations

import pandas as pd
import pytest

from course.i18n import t
from course.lessons import factcheck

TABLE = pd.DataFrame(
    {"doanh_thu": [281_930_000, 110_145_000, 224_040_000], "tang_giam_pct": [None, -60.9, 12.9]},
    index=["2025-01", "2025-02", "2025-12"],
)
VERDICT = t("capstone.fc_col_verdict")
NUMBER = t("capstone.fc_col_number")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("281,9 triệu", 281_900_000),
        ("1.250.000 đ", 1_250_000),
        ("1,250,000 VND", 1_250_000),
        ("1.234.567,5", 1_234_567.5),
        ("12,5%", 12.5),
        ("1,98 tỷ đồng", 1_980_000_000),
        ("120k", 120_000),
        ("35 nghìn", 35_000),
        ("3.5 triệu", 3_500_000),
    ],
)
def test_extract_parses_vietnamese_and_english_formats(text: str, value: float) -> None:
    (number,) = factcheck.extract_numbers(text)
    assert number.value == pytest.approx(value)


def test_written_precision_sets_the_tolerance() -> None:
    # 282.000.000 is read as rounded to millions; 110.200.000 to 100 000s, which is too far.
    answer = "Tháng 1 đạt 282 triệu, tháng 2 đạt 110.200.000 đ, tháng 12 đạt 282.000.000 đ."
    assert factcheck.made_up(answer, TABLE) == ["110.200.000 đ"]
    assert factcheck.made_up("Tháng 2 đạt 110.145.001 đ.", TABLE) == ["110.145.001 đ"]


def test_made_up_numbers_are_caught_and_true_ones_pass() -> None:
    answer = ("1. Tháng 1 đạt 281,9 triệu đồng.\n2. Tháng 2 giảm 60,9%.\n"
              "3. Tháng 12 đạt 250 triệu, tăng 12,9% so với tháng 11. Top 3 sản phẩm.")
    result = factcheck.check_numbers(answer, TABLE)
    verdicts = dict(zip(result[NUMBER], result[VERDICT], strict=True))
    assert verdicts == {"281,9 triệu đồng": t("capstone.fc_ok"), "60,9%": t("capstone.fc_ok"),
                        "250 triệu": t("capstone.fc_not_found"), "12,9%": t("capstone.fc_ok")}
    assert "1/4" in factcheck.summary(answer, TABLE)


def test_years_months_list_numbers_and_counts_are_skipped() -> None:
    answer = "Năm 2025:\n1. Tháng 12 bán 3 sản phẩm mới, ngày 2025-12-01."
    assert factcheck.check_numbers(answer, TABLE).empty
    shown = factcheck.check_numbers(answer, TABLE, show_skipped=True)
    assert len(shown) >= 4
    assert factcheck.summary(answer, TABLE) == t("capstone.fc_summary_none")


def test_share_written_as_percent_matches_a_fraction_and_extra_values() -> None:
    shares = pd.Series([0.25, 0.75], name="ty_trong")
    assert factcheck.made_up("Zalo chiếm 25%, cửa hàng 75%.", shares) == []
    assert factcheck.made_up("Cả năm 1,98 tỷ đồng.", TABLE) == ["1,98 tỷ đồng"]
    assert factcheck.made_up("Cả năm 1,98 tỷ đồng.", TABLE, extra=[1_983_915_000]) == []


def test_format_number_is_vietnamese() -> None:
    assert factcheck.format_number(281_930_000.0) == "281.930.000"
    assert factcheck.format_number(12.9) == "12,9"


def test_risky_promises_are_found_with_or_without_accents() -> None:
    assert factcheck.risky_phrases("Tiêu TỐT NHẤT, chữa khỏi ho!") == ["chữa khỏi", "TỐT NHẤT"]
    assert factcheck.risky_phrases("tieu so 1 Quang Tri") == ["so 1"]
    assert factcheck.risky_phrases("Tiêu thơm, cay nồng, hợp cá kho.") == []


def test_check_titles_counts_characters_and_missing_keywords() -> None:
    answer = "🧪 [MÔ PHỎNG]\n\n1. Hạt tiêu Cùa Quảng Trị OCOP 4 sao\n2. " + "Tiêu " * 30
    table = factcheck.check_titles(answer, limit=120, keywords=["tiêu Cùa", "ocop"])
    assert list(table[t("capstone.fc_col_chars")]) == [33, 149]
    assert table[t("capstone.fc_col_length_ok")].iloc[0] == "✅"
    assert table[t("capstone.fc_col_length_ok")].iloc[1] == t("capstone.fc_too_long", over=29)
    assert table[t("capstone.fc_col_missing")].iloc[1] == "tiêu Cùa, ocop"


def test_publish_checklist_flags_wrong_price_and_health_claim() -> None:
    product = {"ten_sp": "Hạt tiêu Cùa", "don_vi": "hũ 200 g", "gia_ban_vnd": 70000, "ocop_sao": 4}
    story = "Bà Hoa trồng tiêu hơn 30 năm."
    bad = "Bà Hoa trồng tiêu 30 năm. Hũ 200 g chỉ 65.000 đồng, chữa cảm lạnh!"
    result = dict(factcheck.publish_checklist(bad, product, source=story).to_numpy())
    assert result[t("capstone.ck_numbers")] == t("capstone.ck_numbers_bad", items="65.000 đồng")
    assert result[t("capstone.ck_promises")] == t("capstone.ck_promises_bad", items="chữa cảm")
    good = "Bà Hoa trồng tiêu 30 năm. Hũ 200 g giá 70.000 đồng."
    result = dict(factcheck.publish_checklist(good, product, source=story).to_numpy())
    assert result[t("capstone.ck_numbers")] == t("capstone.ck_numbers_ok")
    assert result[t("capstone.ck_promises")] == t("capstone.ck_promises_ok")
    assert result[t("capstone.ck_images")] == t("capstone.ck_manual")


def test_lesson07_curated_answer_has_exactly_two_made_up_numbers() -> None:
    # The lesson relies on this: the offline answer gets most numbers right and two wrong.
    import json

    from course.lessons import retrieval

    sales = pd.read_csv(retrieval.DATA_DIR / "doanh_so_2025.csv")
    table = sales.pivot_table(index="thang", columns="kenh", values="doanh_thu",
                              aggfunc="sum") / 1e6
    table["Tổng"] = table.sum(axis=1)
    table["So với tháng trước (%)"] = table["Tổng"].pct_change() * 100
    table = table.round(1)
    path = retrieval.DATA_DIR.parent / "offline" / "curated" / "lesson07.json"
    answer = json.loads(path.read_text(encoding="utf-8"))["entries"][0]["answers"][0]
    total = [sales["doanh_thu"].sum()]
    assert factcheck.made_up(answer, table, extra=total, unit=1e6) == [
        "250,4 triệu đồng", "2,1 tỷ đồng"]
    kept = factcheck.verified_lines(answer, table, extra=total, unit=1e6)
    assert len(kept) == 4 and not any("250,4" in line or "2,1 tỷ" in line for line in kept)
