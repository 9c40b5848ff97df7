"""Names and street addresses (course.privacy.people) against tests/data/ner_cases.csv.

Each row is a sentence written for this set (orders, reviews, Zalo chats, delivery notes),
with the names and addresses it contains marked as exact substrings. `form` says how the row
is typed: "vi" with diacritics, "plain" without, "nfd" with diacritics that the test
decomposes (NFD) before running. Precision and recall are computed per kind over the whole
set on exact spans and held to floors; rows with nothing personal must come back untouched.
"""

from __future__ import annotations

import csv
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from course.i18n import t
from course.privacy import find_pii, mask_pii, pii_summary, placeholder

CASES_FILE = Path(__file__).parent / "data" / "ner_cases.csv"
PRECISION_FLOOR = 0.90
RECALL_FLOOR = 0.85


def _load() -> list[dict]:
    with CASES_FILE.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        row["gold"] = Counter(
            [("name", s) for s in row["names"].split("|") if s]
            + [("address", s) for s in row["addresses"].split("|") if s]
        )
        row["input"] = unicodedata.normalize("NFD", row["text"]) if row["form"] == "nfd" else \
            row["text"]
    return rows


CASES = _load()
EMPTY = [r for r in CASES if not r["gold"]]


def _found(row: dict) -> Counter:
    return Counter((m.kind, m.text) for m in find_pii(row["input"]) if m.kind in ("name",
                                                                                 "address"))


@pytest.fixture(scope="module")
def results() -> list[tuple[dict, Counter]]:
    return [(row, _found(row)) for row in CASES]


def _scores(results: list[tuple[dict, Counter]], kind: str) -> tuple[float, float, list]:
    tp = fp = fn = 0
    misses = []
    for row, found in results:
        gold = Counter({k: v for k, v in row["gold"].items() if k[0] == kind})
        got = Counter({k: v for k, v in found.items() if k[0] == kind})
        hit = sum((gold & got).values())
        tp += hit
        fp += sum(got.values()) - hit
        fn += sum(gold.values()) - hit
        if gold != got:
            misses.append((row["note"], sorted(gold - got), sorted(got - gold)))
    return tp / max(tp + fp, 1), tp / max(tp + fn, 1), misses


def test_case_file_is_big_varied_and_well_formed() -> None:
    assert len(CASES) >= 150
    forms = Counter(r["form"] for r in CASES)
    assert forms["vi"] >= 60 and forms["plain"] >= 30 and forms["nfd"] >= 10
    assert len(EMPTY) >= 40
    kinds = Counter(k for r in CASES for k, _ in r["gold"].elements())
    assert kinds["name"] >= 80 and kinds["address"] >= 70
    for row in CASES:
        assert unicodedata.is_normalized("NFC", row["text"]), row["note"]
        for _, span in row["gold"]:
            assert span in row["text"], (row["note"], span)


@pytest.mark.parametrize("kind", ["name", "address"])
def test_precision_and_recall_floors(results: list, kind: str) -> None:
    precision, recall, misses = _scores(results, kind)
    report = "\n".join(f"{note}: missed {m} extra {e}" for note, m, e in misses)
    assert precision >= PRECISION_FLOOR, f"{kind} precision {precision:.3f}\n{report}"
    assert recall >= RECALL_FLOOR, f"{kind} recall {recall:.3f}\n{report}"


@pytest.mark.parametrize("form", ["vi", "plain", "nfd"])
def test_each_way_of_typing_is_covered(results: list, form: str) -> None:
    """The floors hold for every way of typing, not only on average."""
    subset = [(row, found) for row, found in results if row["form"] == form]
    for kind in ("name", "address"):
        precision, recall, misses = _scores(subset, kind)
        assert precision >= PRECISION_FLOOR - 0.05 and recall >= RECALL_FLOOR - 0.05, (
            form, kind, precision, recall, misses)


@pytest.mark.parametrize("row", EMPTY, ids=[r["note"] for r in EMPTY])
def test_sentences_without_personal_data_are_not_masked(row: dict) -> None:
    """Provinces, towns, brands, products, shop names and public figures stay readable."""
    text = unicodedata.normalize("NFC", row["input"])
    assert mask_pii(row["input"]) == text


@pytest.mark.parametrize("row", CASES, ids=[r["note"] for r in CASES])
def test_masking_is_idempotent_and_spans_map_back(row: dict) -> None:
    nfc = unicodedata.normalize("NFC", row["input"])
    once = mask_pii(row["input"])
    assert mask_pii(once) == once
    for m in find_pii(row["input"]):
        assert nfc[m.start : m.end] == m.text


def test_the_lesson_08_order_masks_name_phone_and_address_and_keeps_the_rest() -> None:
    order = ("Chị Nguyễn Thị Mai, 0912 345 678, số 12 Lê Duẩn, phường Đông Hà, đặt 2 hộp "
             "cà phê Khe Sanh 180.000 đ, giao ngày 12/05/2026. Shop ở Cam Lộ.")
    masked = mask_pii(order)
    name, phone, address = (t(f"privacy.placeholder_{k}") for k in ("name", "phone", "address"))
    assert masked == (f"Chị {name}, {phone}, {address}, đặt 2 hộp cà phê Khe Sanh "
                      "180.000 đ, giao ngày 12/05/2026. Shop ở Cam Lộ.")
    kinds = [m.kind for m in find_pii(order)]
    assert kinds == ["name", "phone", "address"]
    assert pii_summary(find_pii(order)) == t("privacy.summary", items=", ".join(
        f"1 {t(f'privacy.kind_{k}')}" for k in ("phone", "name", "address")))


def test_without_diacritics_and_nfd_give_the_same_kinds() -> None:
    text = "Chị Nguyễn Thị Mai, số 12 Lê Duẩn, phường Đông Hà, đặt 2 hộp cà phê."
    plain = "".join(c for c in unicodedata.normalize("NFD", text)
                    if not unicodedata.combining(c)).replace("đ", "d").replace("Đ", "D")
    for variant in (text, plain, unicodedata.normalize("NFD", text)):
        assert [m.kind for m in find_pii(variant)] == ["name", "address"], variant


def test_placeholders_follow_the_language() -> None:
    from course.i18n import set_language

    set_language("en")
    try:
        assert mask_pii("Anh Tuấn, 45 Hùng Vương, Đông Hà") == "Anh [NAME], [ADDRESS]"
        assert placeholder("address") == "[ADDRESS]"
    finally:
        set_language("vi")
    assert placeholder("name") == "[HỌ TÊN]"


@pytest.mark.parametrize(
    "text,expected",
    [
        ("MST: 3100123456", "MST: [MÃ SỐ THUẾ]"),
        ("MST 3100123456-001", "MST [MÃ SỐ THUẾ]"),
        ("ma so thue 3100123459, chi nhanh 3100123459-002", "ma so thue [MÃ SỐ THUẾ], chi nhanh "
         "[MÃ SỐ THUẾ]"),
        ("HTX có mã số thuế 3200123452.", "HTX có mã số thuế [MÃ SỐ THUẾ]."),
        ("Mã số thuế cá nhân 045203012345", "Mã số thuế cá nhân [MÃ SỐ THUẾ]"),
        # Without a tax context word a wrong check digit is an order number, not a tax code.
        ("Mã đơn 3100123456 đã giao", "Mã đơn 3100123456 đã giao"),
        ("MST: giá 1.250.000 đ, ngày 12/05/2025", "MST: giá 1.250.000 đ, ngày 12/05/2025"),
        ("Đơn 2025031201 ngày 12/03/2025", "Đơn 2025031201 ngày 12/03/2025"),
    ],
)
def test_tax_codes_with_context_words(text: str, expected: str) -> None:
    assert mask_pii(text) == expected
    found = [m for m in find_pii(text) if m.kind != "name"]
    assert all(m.kind == "tax_code" for m in found)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Nguoi nhan: chi Lan\ndia chi: thon An Binh, xa Trieu Long\nsdt 0912345678",
         "Nguoi nhan: chi [HỌ TÊN]\ndia chi: [ĐỊA CHỈ]\nsdt [SỐ ĐIỆN THOẠI]"),
        ("Người nhận: Trần Văn Bình\nĐịa chỉ: 18 Nguyễn Trãi, Đông Hà\nHàng: 2 hộp cà phê",
         "Người nhận: [HỌ TÊN]\nĐịa chỉ: [ĐỊA CHỈ]\nHàng: 2 hộp cà phê"),
        # A name copied with diacritics, the address typed without: each line is read alone.
        ("Người nhận: Trần Văn Bình\ndia chi: thon An Binh, xa Trieu Long\ngiao cho quan",
         "Người nhận: [HỌ TÊN]\ndia chi: [ĐỊA CHỈ]\ngiao cho quan"),
    ],
)
def test_a_pasted_form_over_several_lines(text: str, expected: str) -> None:
    """Each line is its own field: an address never runs on into the next line."""
    assert mask_pii(text) == expected


def test_masking_is_idempotent_on_shuffled_words() -> None:
    """Word salad from the labelled set (any case, line breaks): mask twice = mask once, and
    every reported span is the NFC text at its offsets."""
    import random

    words = " ".join(r["text"] for r in CASES).split()
    rng = random.Random(16)
    for _ in range(600):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 25)))
        if rng.random() < 0.3:
            text = text.lower()
        if rng.random() < 0.2:
            text = text.replace(",", "\n")
        once = mask_pii(text)
        assert mask_pii(once) == once, text
        nfc = unicodedata.normalize("NFC", text)
        assert all(nfc[m.start : m.end] == m.text for m in find_pii(text)), text


def test_prompts_about_participants_own_businesses_are_not_flagged() -> None:
    """Principle 7: prompts written for businesses outside the course data (a homestay, a bún
    hến stall "Bà Tư", a café "Chú Long", a pottery village…; tests/data/own_business_cases.csv,
    also typed without diacritics and in NFD) name no customer: nothing is masked."""
    path = Path(__file__).parent / "data" / "own_business_cases.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    prompts = []
    for row in rows:
        text = row["prompt"]
        if row["form"] == "nfd":
            text = unicodedata.normalize("NFD", text)
        elif row["form"] == "plain":
            text = "".join(c for c in unicodedata.normalize("NFD", text)
                           if not unicodedata.combining(c)).replace("đ", "d").replace("Đ", "D")
        prompts.append(text)
    assert len(prompts) >= 60
    flagged = [(p, m.text) for p in prompts for m in find_pii(p) if m.kind in ("name",
                                                                             "address")]
    assert flagged == []
