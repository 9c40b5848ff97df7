"""course.privacy against labelled Vietnamese strings (tests/data/pii_cases.csv)."""

from __future__ import annotations

import csv
import random
import re
import unicodedata
from pathlib import Path

import pytest

from course.i18n import t
from course.privacy import (
    KINDS,
    NUMBER_KINDS,
    PiiMatch,
    find_pii,
    luhn_ok,
    mask_pii,
    pii_summary,
    placeholder,
    tax_check_ok,
)

CASES_FILE = Path(__file__).parent / "data" / "pii_cases.csv"


def _load() -> list[tuple[str, list[tuple[str, str]], str]]:
    with CASES_FILE.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    cases = []
    for row in rows:
        expected = [tuple(item.split("=", 1)) for item in row["expected"].split("|") if item]
        cases.append((row["text"], expected, row["note"]))
    return cases


CASES = _load()
POSITIVE = [c for c in CASES if c[1]]
NEGATIVE = [c for c in CASES if not c[1]]


def _numbers(text: str) -> list:
    """The number and e-mail matches: pii_cases.csv labels only these kinds (names and
    addresses have their own labelled set, tests/data/ner_cases.csv)."""
    return [m for m in find_pii(text) if m.kind in NUMBER_KINDS]


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text).replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def test_case_file_is_big_and_balanced() -> None:
    assert len(CASES) >= 60
    assert len(POSITIVE) >= 30 and len(NEGATIVE) >= 25
    assert {kind for _, exp, _ in CASES for kind, _ in exp} == set(NUMBER_KINDS)


@pytest.mark.parametrize("text,expected,note", CASES, ids=[c[2] for c in CASES])
def test_labelled_case(text: str, expected: list[tuple[str, str]], note: str) -> None:
    found = _numbers(text)
    assert [(m.kind, m.text) for m in found] == expected, note
    for m in found:
        assert text[m.start : m.end] == m.text  # CSV text is NFC, so offsets index it


@pytest.mark.parametrize("text,expected,note", POSITIVE, ids=[c[2] for c in POSITIVE])
def test_nfd_input_gives_same_matches(text: str, expected: list, note: str) -> None:
    nfd = unicodedata.normalize("NFD", text)
    found = [m for m in find_pii(nfd) if m.kind in NUMBER_KINDS]
    assert [(m.kind, m.text) for m in found] == expected
    nfc = unicodedata.normalize("NFC", nfd)
    assert all(nfc[m.start : m.end] == m.text for m in found)


# Cases marked "(needs diacritics)" are left out: without them 'có' and 'cô' are one word.
PLAIN_CASES = [c for c in CASES if "(needs diacritics)" not in c[2]]


@pytest.mark.parametrize("text,expected,note", PLAIN_CASES, ids=[c[2] for c in PLAIN_CASES])
def test_text_without_diacritics_gives_same_kinds(text: str, expected: list, note: str) -> None:
    plain = _strip_marks(text)
    assert [m.kind for m in _numbers(plain)] == [kind for kind, _ in expected]


@pytest.mark.parametrize("text,expected,note", POSITIVE, ids=[c[2] for c in POSITIVE])
def test_mask_removes_every_digit_of_the_match(text: str, expected: list, note: str) -> None:
    masked = mask_pii(text)
    for kind, value in expected:
        assert placeholder(kind) in masked
        assert value not in masked
    # Whatever digits remain were in the text outside the matches.
    outside = text
    for _, value in expected:
        outside = outside.replace(value, "")
    assert sorted(re.findall(r"\d", masked)) == sorted(re.findall(r"\d", outside))
    assert find_pii(masked) == []


@pytest.mark.parametrize("text,expected,note", NEGATIVE, ids=[c[2] for c in NEGATIVE])
def test_mask_leaves_text_without_personal_data_unchanged(
    text: str, expected: list, note: str
) -> None:
    assert mask_pii(text) == text


def test_mask_keeps_context_words_and_bank_name() -> None:
    masked = mask_pii("STK Vietcombank 0123456789, gọi 0912 345 678 gặp chị Lan.")
    assert masked == "STK Vietcombank [SỐ TÀI KHOẢN], gọi [SỐ ĐIỆN THOẠI] gặp chị [HỌ TÊN]."


def test_placeholders_are_vietnamese_for_every_kind() -> None:
    expected = {
        "phone": "[SỐ ĐIỆN THOẠI]",
        "cccd": "[CCCD]",
        "cmnd": "[CMND]",
        "tax_code": "[MÃ SỐ THUẾ]",
        "email": "[EMAIL]",
        "bank_account": "[SỐ TÀI KHOẢN]",
        "card": "[SỐ THẺ]",
        "name": "[HỌ TÊN]",
        "address": "[ĐỊA CHỈ]",
    }
    assert {k: placeholder(k) for k in KINDS} == expected


def test_nfd_mask_returns_nfc() -> None:
    text = unicodedata.normalize("NFD", "Số điện thoại của chị Hoà: 0912.345.678")
    assert mask_pii(text) == "Số điện thoại của chị [HỌ TÊN]: [SỐ ĐIỆN THOẠI]"


def test_match_is_a_tuple_and_sorted_without_overlap() -> None:
    text = "lan0912345678@gmail.com hoặc 0912345678, CCCD 045203012345"
    found = find_pii(text)
    kind, start, end, value = found[0]
    assert (kind, value) == ("email", "lan0912345678@gmail.com")
    assert isinstance(found[0], PiiMatch) and found[0].kind == kind
    assert [m.kind for m in found] == ["email", "phone", "cccd"]
    assert all(a.end <= b.start for a, b in zip(found, found[1:], strict=False))


def test_summary_counts_by_kind_in_vietnamese() -> None:
    text = "0912345678, 0987654321, CCCD 045203012345"
    assert pii_summary(find_pii(text)) == t(
        "privacy.summary", items=f"2 {t('privacy.kind_phone')}, 1 {t('privacy.kind_cccd')}")
    assert pii_summary([]) == t("privacy.summary_none") == "Không phát hiện thông tin cá nhân."
    assert pii_summary([("email", 0, 5, "a@b.vn")]) == t(
        "privacy.summary", items=f"1 {t('privacy.kind_email')}")


def test_catalogue_files_are_nfc_and_complete() -> None:
    root = Path(__file__).parents[1] / "course" / "data" / "messages"
    for lang in ("vi", "en"):
        raw = (root / lang / "privacy.json").read_text(encoding="utf-8")
        assert unicodedata.is_normalized("NFC", raw)
        for kind in KINDS:
            assert f'"kind_{kind}"' in raw and f'"placeholder_{kind}"' in raw


def test_validators() -> None:
    assert tax_check_ok("0100109106") and not tax_check_ok("0100109105")
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")


def test_empty_and_digit_free_text() -> None:
    assert find_pii("") == [] and mask_pii("") == "" and find_pii(None) == []  # type: ignore[arg-type]
    assert find_pii("Chào chị, em cảm ơn chị đã ủng hộ cửa hàng!") == []


def test_long_text_is_handled() -> None:
    # 50 pages of mixed text plus a pathological digit run; must simply finish and be right.
    page = "Giá 120.000đ, ngày 12/05/2025. Gọi 0912 345 678. " * 40
    text = page * 50 + " " + "1 " * 20000 + "@" * 5000
    found = find_pii(text)
    assert len(found) == 2000 and {m.kind for m in found} == {"phone"}


@pytest.mark.parametrize("bad", [912345678, 3.5, ["0912345678"], b"0912345678"])
def test_non_text_gets_a_vietnamese_message(bad: object) -> None:
    for func in (find_pii, mask_pii):
        with pytest.raises(TypeError, match="Cần một đoạn chữ"):
            func(bad)  # type: ignore[arg-type]


def _random_phone(rng: random.Random) -> tuple[str, str]:
    """A random mobile number written in one of the common ways, and its 0-leading digits."""
    prefix = rng.choice(["032", "038", "052", "056", "070", "079", "083", "086", "090", "091",
                         "094", "096", "098", "099"])
    digits = prefix + "".join(rng.choice("0123456789") for _ in range(7))
    rest = digits[1:]
    styles = [
        digits,
        f"{digits[:4]} {digits[4:7]} {digits[7:]}",
        f"{digits[:4]}.{digits[4:7]}.{digits[7:]}",
        f"{digits[:3]}-{digits[3:6]}-{digits[6:]}",
        f"+84 {rest[:3]} {rest[3:6]} {rest[6:]}",
        f"84{rest}",
        f"(+84) {rest}",
    ]
    return rng.choice(styles), digits


def test_random_phones_in_sentences_are_all_found() -> None:
    rng = random.Random(2025)
    templates = ["Gọi {} nhé", "SĐT: {}.", "{}", "Liên hệ chị Hoa ({}) để đặt hàng",
                 "sdt {}, giao buổi sáng", "Zalo:{}"]
    for _ in range(300):
        written, digits = _random_phone(rng)
        text = rng.choice(templates).format(written)
        found = find_pii(text)
        assert [(m.kind, m.text) for m in found if m.kind != "name"] == [("phone", written)], text
        assert digits not in re.sub(r"\D", "", mask_pii(text))


def test_random_amounts_dates_times_are_never_flagged() -> None:
    rng = random.Random(7)
    for _ in range(400):
        amount = f"{rng.randint(1, 10**12):,}".replace(",", ".")
        unit = rng.choice(["đ", " đ", " đồng", " VND", " vnđ", "", " triệu"])
        day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(1990, 2030)
        samples = [
            f"Giá {amount}{unit}",
            f"Tổng {amount.replace('.', '')} đồng",
            f"Ngày {day:02d}/{month:02d}/{year}",
            f"Ngày {year}-{month:02d}-{day:02d}",
            f"Hạn {day:02d}.{month:02d}.{year}",
            f"Lúc {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}",
            f"Tăng {rng.randint(1, 999)}%",
            f"Gói {rng.randint(1, 9999)} g, thùng {rng.randint(1, 99)}.{rng.randint(100, 999)} kg",
            f"Mã DH{year}{month:02d}{day:02d}{rng.randint(100, 999)}",
        ]
        for text in samples:
            assert find_pii(text) == [], text
