"""The tiny n-gram model of lesson 01, trained on the real lesson data."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pandas as pd
import pytest

from course.lessons.ngram import COL_PROB, COL_WORD, NgramModel, detokenize, tokenize

DATA = Path(__file__).resolve().parents[1] / "course" / "data" / "lessons" / "product_texts.csv"

TEXTS = [
    "Cà phê Khe Sanh thơm ngon.",
    "Cà phê Khe Sanh có vị chua thanh.",
    "Cà phê phin đậm đà.",
    "Hạt tiêu Cùa cay nồng.",
]


@pytest.fixture(scope="module")
def lesson_texts() -> pd.Series:
    return pd.read_csv(DATA)["noi_dung"]


def test_tokenize_normalises_nfc_and_lowercases() -> None:
    nfd = unicodedata.normalize("NFD", "Hạt Tiêu Cùa, cay!")
    assert tokenize(nfd) == ["hạt", "tiêu", "cùa", ",", "cay", "!"]
    assert tokenize(nfd, keep_case=True)[:2] == ["Hạt", "Tiêu"]


def test_bigram_probabilities_follow_counts() -> None:
    model = NgramModel.train(TEXTS, n=2)
    probs = model.next_word_probs("cà phê")
    assert list(probs[COL_WORD]) == ["Khe", "phin"]  # shown as usually written
    assert probs[COL_PROB].tolist() == pytest.approx([2 / 3, 1 / 3], abs=0.001)
    assert probs.attrs["context"] == "phê"


def test_trigram_uses_two_words_and_backs_off_when_unseen() -> None:
    model = NgramModel.train(TEXTS, n=3)
    assert model.next_word_probs("khe sanh")[COL_WORD].tolist() == ["thơm", "có"]
    assert model.next_word_probs("hạt tiêu")[COL_WORD].tolist() == ["Cùa"]
    # "xin sanh" was never seen: falls back to what follows "sanh" alone.
    backed = model.next_word_probs("xin sanh")
    assert backed.attrs["context"] == "sanh"
    unknown = model.next_word_probs("máy cày")
    assert unknown.attrs["context"] == ""
    assert unknown[COL_PROB].sum() <= 1.0


def test_temperature_zero_is_greedy_and_seed_is_reproducible() -> None:
    model = NgramModel.train(TEXTS, n=2)
    # Ties are broken alphabetically, so greedy output is fixed.
    assert model.generate("cà phê", length=10, temperature=0) == "Cà phê Khe Sanh có vị chua thanh."
    a = model.generate("cà", length=8, temperature=1.2, seed=7)
    b = model.generate("cà", length=8, temperature=1.2, seed=7)
    assert a == b


def test_high_temperature_spreads_choices(lesson_texts: pd.Series) -> None:
    model = NgramModel.train(lesson_texts, n=2)
    cold = {model.generate("sản phẩm", 6, temperature=0, seed=s) for s in range(20)}
    hot = {model.generate("sản phẩm", 6, temperature=1.5, seed=s) for s in range(20)}
    assert len(cold) == 1
    assert len(hot) > 5


def test_trained_on_lesson_data(lesson_texts: pd.Series) -> None:
    assert len(lesson_texts) >= 100
    model = NgramModel.train(lesson_texts, n=3)
    assert model.vocabulary_size > 200
    top = model.next_word_probs("cà phê arabica")[COL_WORD].iloc[0]
    assert top == "Khe"
    text = model.generate("hạt tiêu", length=12, temperature=0.7, seed=1)
    assert text.startswith("Hạt tiêu")
    assert unicodedata.is_normalized("NFC", text)


def test_detokenize_spacing() -> None:
    assert detokenize(["xin", "chào", ",", "bạn", "!", "mua", "nhé"]) == "Xin chào, bạn! Mua nhé"


@pytest.mark.parametrize("bad", [[], ["", "   "], [None, float("nan")]])
def test_empty_texts_get_a_vietnamese_message(bad: list) -> None:
    with pytest.raises(ValueError, match="Chưa có câu chữ"):
        NgramModel.train(bad)


def test_bad_settings_are_explained() -> None:
    with pytest.raises(ValueError, match="n = 2 hoặc n = 3"):
        NgramModel.train(TEXTS, n=5)
    model = NgramModel.train(TEXTS)
    with pytest.raises(ValueError, match="Nhiệt độ"):
        model.generate("cà", temperature=-1)
    with pytest.raises(ValueError, match="Nhiệt độ"):
        model.generate("cà", temperature="nóng")


def test_the_mistakes_lesson_01_points_out_are_really_produced(lesson_texts: pd.Series) -> None:
    # Lesson 01 says: 156 texts; the greedy trigram puts Mỹ Thủy fish sauce in Cam Lộ (it is
    # made in Hải Lăng); at temperature 1.2 the bigram makes organic rice "from sea krill".
    assert len(lesson_texts) == 156
    trigram = NgramModel.train(lesson_texts, n=3)
    assert "Cam Lộ" in trigram.generate("nước mắm", length=15, temperature=0)
    bigram = NgramModel.train(lesson_texts, n=2)
    hot = [bigram.generate("gạo hữu cơ", length=20, temperature=1.2, seed=s) for s in range(3)]
    assert any("ruốc" in text for text in hot)
    assert bigram.next_word_probs("sản phẩm")[COL_PROB].iloc[0] < 0.5  # a real choice to show
