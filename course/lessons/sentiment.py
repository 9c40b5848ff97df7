"""Review classification helpers for lesson 05 (sentiment and topic).

Two jobs:
1. `to_label` turns a model's free-text answer ("Tiêu cực." or "Cảm xúc: tích cực") into one
   of the allowed labels, so answers can be compared with hand-made labels in pandas.
2. The offline simulation has to classify reviews without a model. `LEXICON_SENTIMENT` and
   `LEXICON_TOPIC` are small, ordered keyword lists (first match wins) that the build script
   turns into curated offline answers (course/data/offline/curated/lesson05.json), and the
   one word list the offline simulation classifies any other review with. Like a
   real model they make mistakes on sarcasm, "không ... lắm nhưng" and rare wording, so the
   lesson's accuracy is realistic (about 85-95%) and the same on every run.
"""

from __future__ import annotations

import re

import pandas as pd

from ..text import fold, nfc

SENTIMENTS = ("tích cực", "tiêu cực", "trung tính")
TOPICS = ("giao hàng", "chất lượng", "giá cả", "đóng gói", "phục vụ")

# The lesson's user messages start with these words; the curated entries key on them so they
# never answer other lessons' prompts. Keep in sync with notebooks/05_cham_soc_khach_hang.ipynb.
SENTIMENT_MARKER = "Cảm xúc của nhận xét này là gì?"
TOPIC_MARKER = "Chủ đề của nhận xét này là gì?"

# (phrase without diacritics, label), checked in order. Negations and neutral phrases come
# before the single words they contain ("khong thom" before "thom").
LEXICON_SENTIMENT: tuple[tuple[str, str], ...] = (
    ("binh thuong", "trung tính"), ("cung tam", "trung tính"), ("chua dung", "trung tính"),
    ("chua thay", "trung tính"),
    ("khong che", "tích cực"), ("khong bi vo", "tích cực"), ("khong bi ro ri", "tích cực"),
    ("khong thom", "tiêu cực"), ("khong ai", "tiêu cực"), ("khong mua", "tiêu cực"),
    ("khong nhanh", "tiêu cực"),
    ("cham", "tiêu cực"), ("bi vo", "tiêu cực"), ("mop", "tiêu cực"), ("bung", "tiêu cực"),
    ("thung", "tiêu cực"), ("so sai", "tiêu cực"), ("dat hon", "tiêu cực"),
    ("cao hon", "tiêu cực"), ("mui la", "tiêu cực"), ("len men", "tiêu cực"),
    ("co san", "tiêu cực"), ("kho chiu", "tiêu cực"), ("that vong", "tiêu cực"),
    ("thom", "tích cực"), ("ngon", "tích cực"), ("nhanh", "tích cực"), ("can than", "tích cực"),
    ("nhiet tinh", "tích cực"), ("de thuong", "tích cực"), ("dep", "tích cực"),
    ("deo", "tích cực"), ("dang tien", "tích cực"), ("re hon", "tích cực"),
    ("khen", "tích cực"), ("tuyet voi", "tích cực"), ("chac chan", "tích cực"),
    # Services too (a laundry, a spa): checked last, so the lesson's own reviews keep their labels.
    ("khong hai long", "tiêu cực"), ("hai long", "tích cực"), ("giao tre", "tiêu cực"),
    ("tre hen", "tiêu cực"), ("mat mot", "tiêu cực"), ("bi mat", "tiêu cực"),
    ("sach se", "tích cực"),
)
SENTIMENT_DEFAULT = "trung tính"

LEXICON_TOPIC: tuple[tuple[str, str], ...] = (
    ("phi ship", "giá cả"), ("dat hon", "giá cả"), ("re hon", "giá cả"), ("giam gia", "giá cả"),
    ("dang tien", "giá cả"), ("gia nay", "giá cả"), ("gia cung", "giá cả"), ("gia si", "giá cả"),
    ("dong goi", "đóng gói"), ("goi hang", "đóng gói"), ("goi ky", "đóng gói"),
    ("bi vo", "đóng gói"), ("mop", "đóng gói"), ("bung", "đóng gói"), ("thung", "đóng gói"),
    ("ro ri", "đóng gói"), ("hop qua", "đóng gói"),
    ("giao hang", "giao hàng"), ("ship", "giao hàng"), ("nhan hang", "giao hàng"),
    ("nhan duoc", "giao hàng"), ("ngay moi", "giao hàng"), ("tuan moi", "giao hàng"),
    ("tu van", "phục vụ"), ("nhan vien", "phục vụ"), ("tra loi", "phục vụ"),
    ("nhan tin", "phục vụ"), ("goi dien", "phục vụ"),
)
TOPIC_DEFAULT = "chất lượng"


def to_label(answer: object, labels: tuple[str, ...] = SENTIMENTS) -> str:
    """The first allowed label that occurs in `answer`, or "không rõ" if none does."""
    text = str(answer or "")
    # Drop the offline label line ("[MÔ PHỎNG ...]") so its words never count as an answer.
    lines = [ln for ln in nfc(text).splitlines() if "MÔ PHỎNG" not in ln.upper()]
    folded = " " + " ".join(re.findall(r"\w+", fold(" ".join(lines)))) + " "
    hits = [(folded.find(f" {fold(label)} "), label) for label in labels]
    hits = [(pos, label) for pos, label in hits if pos >= 0]
    return min(hits)[1] if hits else "không rõ"


def to_topic(answer: object) -> str:
    """`to_label` for the topic question (so lessons can write `.map(sentiment.to_topic)`)."""
    return to_label(answer, TOPICS)


def classify(text: str, lexicon: tuple[tuple[str, str], ...], default: str) -> str:
    """The lexicon's verdict for one review (what the offline simulation answers)."""
    folded = fold(nfc(text))
    return next((label for phrase, label in lexicon if phrase in folded), default)


def curated_entries() -> list[dict[str, object]]:
    """Offline answers: one keyword entry per lexicon phrase, in priority order.

    The offline backend tries keyword entries with more keywords first and keeps file order
    among equals, so every entry has exactly two keywords (marker + phrase) and the catch-all
    default has one.
    """
    entries: list[dict[str, object]] = []
    for name, marker, lexicon, default in (
        ("cam-xuc", SENTIMENT_MARKER, LEXICON_SENTIMENT, SENTIMENT_DEFAULT),
        ("chu-de", TOPIC_MARKER, LEXICON_TOPIC, TOPIC_DEFAULT),
    ):
        key = fold(marker).rstrip("?").strip()
        for i, (phrase, label) in enumerate(lexicon, 1):
            entries.append({"id": f"l05-lex-{name}-{i:02d}", "keywords": [key, phrase],
                            "answers": [label]})
        entries.append({"id": f"l05-lex-{name}-mac-dinh", "keywords": [key],
                        "answers": [default]})
    return entries


def accuracy(df: pd.DataFrame, truth: str, predicted: str) -> float:
    """Share of rows where the predicted label equals the hand-made one (0-1)."""
    if len(df) == 0:
        return 0.0
    return float((df[truth].map(nfc) == df[predicted].map(nfc)).mean())
