"""course.review against labelled prompts (tests/data/prompt_cases.csv)."""

from __future__ import annotations

import csv
import itertools
import json
import unicodedata
from pathlib import Path

import pytest

from course.i18n import t
from course.review import PARTS, PromptReview, normalise, review_prompt

CASES_FILE = Path(__file__).parent / "data" / "prompt_cases.csv"
CUES_FILE = Path(__file__).parents[1] / "course" / "data" / "review" / "cues.json"
WEIGHTS = json.loads(CUES_FILE.read_text(encoding="utf-8"))["weights"]


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text).replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in decomposed if not unicodedata.combining(c))


FORMS = {
    "nfc": lambda s: unicodedata.normalize("NFC", s),
    "nfd": lambda s: unicodedata.normalize("NFD", s),
    "plain": _plain,
}


def _load() -> list[tuple[str, dict[str, bool], str]]:
    with CASES_FILE.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return [
        (FORMS[r["form"]](r["prompt"]), {p: r[p] == "1" for p in PARTS}, r["note"]) for r in rows
    ]


CASES = _load()

# Parts written as separate sentences, added one by one to test that the score only grows.
PIECES = {
    "task": "Viết bài đăng giới thiệu hạt tiêu Cùa.",
    "role": "Bạn là nhân viên bán hàng của hợp tác xã.",
    "context": "Cửa hàng tôi ở Cam Lộ, hũ 200 g giá 70.000 đ.",
    "format": "Trình bày thành gạch đầu dòng.",
    "tone": "Giọng văn thân thiện.",
    "constraints": "Dưới 80 chữ.",
}


def test_case_file_is_big_and_varied() -> None:
    assert len(CASES) >= 30
    forms = {r["form"] for r in csv.DictReader(CASES_FILE.open(encoding="utf-8"))}
    assert forms == {"nfc", "nfd", "plain"}
    for part in PARTS:  # every part appears present and absent somewhere
        assert {c[1][part] for c in CASES} == {True, False}


@pytest.mark.parametrize("text,expected,note", CASES, ids=[c[2] for c in CASES])
def test_labelled_prompt(text: str, expected: dict[str, bool], note: str) -> None:
    review = review_prompt(text)
    assert review.parts == expected, note
    assert review.score == sum(WEIGHTS[p] for p in PARTS if expected[p])
    assert set(review.tips) == {p for p in PARTS if not expected[p]}
    present = {p for p in PARTS if expected[p]}
    assert set(review.evidence) <= present
    assert present - set(review.evidence) <= {"context"}  # context may come from length alone


def test_forms_agree() -> None:
    for text, _, _ in CASES:
        nfc = review_prompt(unicodedata.normalize("NFC", text))
        assert review_prompt(unicodedata.normalize("NFD", text)).parts == nfc.parts
        assert review_prompt(_plain(text)).parts == nfc.parts
        assert review_prompt(text.upper()).parts == nfc.parts
        assert review_prompt("  " + text.replace(" ", "   ") + "\n").parts == nfc.parts


def test_score_grows_as_parts_are_added() -> None:
    for order in itertools.permutations(PARTS):
        text, last = "", 0
        for part in order:
            text = f"{text} {PIECES[part]}".strip()
            review = review_prompt(text)
            assert review.parts[part], (part, text)
            assert review.score > last, (order, text)
            last = review.score
        assert last == 100


def test_each_piece_is_detected_alone() -> None:
    for part, piece in PIECES.items():
        review = review_prompt(piece)
        assert [p for p in PARTS if review.parts[p]] == [part], piece


def test_weights_sum_to_100() -> None:
    assert set(WEIGHTS) == set(PARTS) and sum(WEIGHTS.values()) == 100


@pytest.mark.parametrize("text", ["", "   ", "\n\t ", None])
def test_empty_prompt_scores_zero_with_a_tip(text: str | None) -> None:
    review = review_prompt(text)  # type: ignore[arg-type]
    assert review.score == 0 and review.empty
    assert not any(review.parts.values())
    assert list(review.tips) == list(PARTS)
    assert review.tips["task"] == t("review.tip_empty")
    assert review.summary() == "Điểm 0/100 (cần bổ sung). Prompt còn trống."


def test_review_object_and_texts() -> None:
    review = review_prompt("Viết bài quảng cáo hạt tiêu Cùa, giọng vui vẻ.")
    assert isinstance(review, PromptReview)
    assert list(review.parts) == list(PARTS)
    assert review.labels == {
        "role": "vai trò",
        "context": "bối cảnh",
        "task": "nhiệm vụ",
        "format": "định dạng",
        "tone": "giọng văn",
        "constraints": "giới hạn",
    }
    assert review.score == 35
    assert review.tips["format"] == t("review.tip_format")
    assert review.summary() == (
        "Điểm 35/100 (cần bổ sung). Đã có: nhiệm vụ, giọng văn. "
        "Nên thêm: vai trò, bối cảnh, định dạng, giới hạn."
    )
    report = str(review).splitlines()
    assert report[0] == "Điểm prompt: 35/100 (cần bổ sung)"
    assert report[3] == "✓ Nhiệm vụ: có"
    assert report[4].startswith("✗ Định dạng: chưa có. Nói rõ định dạng")
    assert len(report) == 7
    assert review.evidence == {"task": "Viết", "tone": "vui vẻ"}


def test_full_prompt_summary() -> None:
    review = review_prompt(CASES[1][0])
    assert review.score == 100 and review.tips == {}
    assert review.summary() == "Điểm 100/100 (rất tốt). Prompt đã đủ 6 phần."


def test_evidence_quotes_the_original_text() -> None:
    text = unicodedata.normalize("NFD", "Bạn  là   chuyên gia. Hãy soạn\nbản tin, dưới 100 từ.")
    review = review_prompt(text)
    assert review.evidence["role"] == "Bạn  là   chuyên gia"  # a role names who: "chuyên gia"
    assert review.evidence["constraints"] == "dưới 100 từ"


def test_normalise() -> None:
    text = unicodedata.normalize("NFD", "  Đặt  HÀNG\t\tnhé \n\n Ạ ")
    assert normalise(text) == "dat hang nhe\na"


def test_long_paste_is_handled() -> None:
    page = "Cà phê Arabica Khe Sanh được trồng trên cao nguyên, hương thơm dịu. " * 60
    text = "Tóm tắt tài liệu sau thành 5 gạch đầu dòng:\n" + page * 50 + "1" * 100000
    review = review_prompt(text)
    assert review.parts["task"] and review.parts["format"] and review.parts["constraints"]
    assert review.parts["context"]  # long description counts as context


@pytest.mark.parametrize("bad", [42, ["Viết bài"], b"Viet bai"])
def test_non_text_gets_a_vietnamese_message(bad: object) -> None:
    with pytest.raises(TypeError, match="Prompt phải là một đoạn chữ"):
        review_prompt(bad)  # type: ignore[arg-type]


def test_ipython_shows_the_readable_report() -> None:
    from IPython.lib.pretty import pretty

    review = review_prompt("Viết bài quảng cáo")
    assert pretty(review) == str(review)
    assert pretty(review).startswith("Điểm prompt: 25/100")


def test_public_api_exports() -> None:
    import course
    import course.privacy

    assert course.review_prompt is review_prompt and course.PromptReview is PromptReview
    assert course.find_pii is course.privacy.find_pii
    assert course.mask_pii is course.privacy.mask_pii
    assert course.PiiMatch is course.privacy.PiiMatch


def test_catalogue_files_are_nfc_and_complete() -> None:
    root = Path(__file__).parents[1] / "course" / "data" / "messages"
    keys = [f"label_{p}" for p in PARTS] + [f"tip_{p}" for p in PARTS] + ["tip_empty", "summary"]
    for lang in ("vi", "en"):
        raw = (root / lang / "review.json").read_text(encoding="utf-8")
        assert unicodedata.is_normalized("NFC", raw)
        assert all(key in json.loads(raw) for key in keys)
    # Cues are matched on folded text, so a cue with diacritics or capitals could never match.
    cues = json.loads(CUES_FILE.read_text(encoding="utf-8"))["parts"]
    assert all(c.isascii() and c == c.lower() for part in cues.values() for c in part)


# --------------------------------------------------------------------------- own business
OWN_PIECES = [  # (part, sentence) for businesses that are not in the course data
    [("task", "Viết câu chào khách."), ("context", "Homestay của tôi ở Phong Nha, phòng đôi "
      "450.000 đồng/đêm."), ("role", "Bạn là lễ tân của homestay."),
     ("format", "Trình bày gạch đầu dòng."), ("tone", "Giọng thân thiện."),
     ("constraints", "Mỗi câu dưới 12 từ.")],
    [("task", "Đặt tên cho món mới."), ("role", "Bạn là chủ quán."),
     ("context", "Khách chủ yếu là sinh viên ở Huế."), ("tone", "Giọng vui vẻ."),
     ("format", "Dạng bảng gồm cột Tên và Lý do."), ("constraints", "Không quá 5 tên.")],
    [("task", "Soạn tin nhắn Zalo báo mẻ nấm mới."), ("format", "Dưới dạng danh sách."),
     ("context", "HTX chúng tôi trồng nấm rơm ở Hòa Bình."), ("constraints", "Tối đa 60 từ."),
     ("role", "Bạn là nhân viên bán hàng của HTX."), ("tone", "Giọng ân cần.")],
    [("task", "Tóm tắt các đánh giá sau."), ("constraints", "Chỉ 3 câu."),
     ("context", "Khách du lịch đánh giá làng gốm Thanh Hà."), ("tone", "Giọng khách quan, "
      "nghiêm túc."), ("role", "Bạn là trợ lý của làng nghề."), ("format", "Trình bày theo "
      "từng ý.")],
]


@pytest.mark.parametrize("pieces", OWN_PIECES, ids=["homestay", "bun-hen", "nam-rom", "gom"])
def test_own_business_score_rises_with_each_part(pieces: list[tuple[str, str]]) -> None:
    for form in FORMS.values():
        text, last = "", -1
        for part, sentence in pieces:
            text = f"{text} {sentence}".strip()
            review = review_prompt(form(text))
            assert review.parts[part], (part, text)
            assert review.score > last, (part, text, review.score)
            last = review.score
        assert last == 100


@pytest.mark.parametrize("nonsense", ["Bạn là con mèo.", "Đóng vai con khủng long.",
                                      "Viết gì cũng được.", "Bạn là cái bàn."])
def test_nonsense_never_raises_the_score(nonsense: str) -> None:
    base = "Viết bài đăng cho nước mắm Cửa Việt, dưới 80 từ."
    assert review_prompt(f"{nonsense} {base}").score <= review_prompt(base).score
    assert review_prompt(nonsense).score == 0
    assert review_prompt("Bạn là con mèo. Viết gì cũng được").score == 0


@pytest.mark.parametrize(("text", "part"), [
    ("Nước mắm Cửa Việt đậm vị biển.", "task"),  # Việt is not viết
    ("Nuoc mam Cua Viet dam vi bien.", "task"),
    ("Khách của tôi là dân văn phòng.", "tone"),  # văn phòng is not văn phong
    ("Khach cua toi la dan van phong.", "tone"),
    ("Nếu không có, hãy nói em sẽ hỏi lại quản lý.", "context"),  # quản lý is not a quán
])
def test_syllables_not_substrings(text: str, part: str) -> None:
    for form in FORMS.values():
        assert not review_prompt(form(text)).parts[part], (text, part)


def test_accents_tell_words_apart() -> None:
    assert not review_prompt("Táo đỏ Hà Giang loại một.").parts["task"]  # táo is not tạo
    assert review_prompt("Tạo bảng giá táo đỏ.").parts["task"]


@pytest.mark.parametrize("verb", ["Đặt 5 tên", "Gợi ý", "Liệt kê", "Soạn", "Lập danh sách",
                                  "Tóm tắt", "Phân loại", "Trả lời"])
def test_task_verbs(verb: str) -> None:
    text = f"{verb} cho homestay của tôi."
    for form in FORMS.values():
        assert review_prompt(form(text)).parts["task"], text
