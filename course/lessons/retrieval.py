"""Keyword retrieval over a small FAQ table (lesson 05).

A shop's FAQ has a few dozen rows, so plain keyword overlap is enough and easy to explain:
normalise both sides (NFC, lower case, diacritics removed so "doi tra" finds "đổi trả"), split
into syllables and two-syllable phrases ("giao hang"), and score the terms each FAQ row shares
with the customer's question. Rare terms count more than common ones (a light TF-IDF).
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from functools import cache, lru_cache
from pathlib import Path

import pandas as pd

from ..errors import CourseError
from ..i18n import t
from ..text import fold, nfc

DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "lessons"
FAQ_FILE = "cskh_faq.csv"

# Frequent function words that say nothing about the topic of a question.
# Written without diacritics because matching happens after `normalize`.
STOPWORDS = frozenset(
    "a ah oi vay thi la co khong cho minh toi em anh chi shop ban nhe nha ha cua va voi duoc "
    "the nao gi bi cai nay do ma thoi roi nhi a".split()
)
_WORD = re.compile(r"[^\W_]+")  # letters and digits, accented ones included


def normalize(text: str, keep_accents: bool = False) -> str:
    """Lower case, single spaces, no punctuation; without accents unless `keep_accents`.

    'Đổi  TRẢ hàng?' -> 'doi tra hang' (or 'đổi trả hàng' with `keep_accents`).
    """
    text = nfc(str(text)).lower()
    # Same folding as the offline backend's matcher, so both agree on what "matches" means.
    return " ".join(_WORD.findall(text if keep_accents else fold(text)))


def terms(text: str, keep_accents: bool = False) -> set[str]:
    """Content syllables plus two-syllable phrases (Vietnamese words are often two syllables)."""
    words = normalize(text, keep_accents).split()
    # A phrase of two function words ("shop có", "có không") says nothing about the topic.
    bigrams = {f"{a} {b}" for a, b in zip(words, words[1:], strict=False)
               if fold(a) not in STOPWORDS or fold(b) not in STOPWORDS}
    singles = {w for w in words if fold(w) not in STOPWORDS and len(w) > 1}
    return singles | bigrams


def _has_accents(text: str) -> bool:
    return fold(nfc(text)) != nfc(text).lower()


MIN_SCORE = 6.0  # below this a row is not about the question (lesson 05 shows the scores)


def search(faq: pd.DataFrame, question: str, k: int = 3,
           min_score: float = MIN_SCORE) -> pd.DataFrame:
    """Return the k FAQ rows that best match `question`, best first, with a `diem` column.

    `faq` needs columns `hoi` (question) and `dap` (answer). A shared term scores more when it
    is a two-syllable phrase, when it is in the FAQ question (customers' words) rather than
    the answer, and when few rows contain it (like "vỡ", unlike "hàng"). If the question is
    typed with accents, a match that only agrees without accents ("mưa" / "mua") counts half.
    Rows scoring below `min_score` are dropped, so an unrelated question returns nothing.
    """
    missing = {"hoi", "dap"} - set(faq.columns)
    if missing:
        raise CourseError(t("capstone.faq_missing_columns", missing=", ".join(sorted(missing))))
    if not str(question).strip():
        return faq.head(0).assign(diem=pd.Series(dtype=float))
    scores = score_rows(tuple(faq["hoi"].astype(str)), tuple(faq["dap"].astype(str)),
                        str(question))
    found = faq.assign(diem=scores)
    found = found[found["diem"] >= min_score]
    # Stable sort keeps the table's own order for ties, so results are reproducible.
    return found.sort_values("diem", ascending=False, kind="stable").head(k)


@lru_cache(maxsize=64)
def _row_terms(hoi: tuple[str, ...], dap: tuple[str, ...]) -> tuple[list[tuple], Counter]:
    """Each row's terms (question and answer, with and without accents) and how many rows
    hold each term: computed once per table, not once per question."""
    rows = [(terms(h, True), terms(h), terms(d, True), terms(d))
            for h, d in zip(hoi, dap, strict=True)]
    return rows, Counter(term for r in rows for term in r[1] | r[3])


def score_rows(hoi: tuple[str, ...], dap: tuple[str, ...], question: str) -> list[float]:
    """`search`'s score of every row (same order), without building a table."""
    rows, doc_freq = _row_terms(hoi, dap)
    n = len(rows)
    accented = _has_accents(question)
    asked = [(term, fold(term)) for term in terms(question, keep_accents=accented)]
    scores = []
    for q_acc, q_plain, a_acc, a_plain in rows:
        total = 0.0
        for term, plain in asked:
            if plain not in q_plain and plain not in a_plain:
                continue
            weight = (2.0 if " " in term else 1.0) * (math.log((1 + n) / (1 + doc_freq[plain])) + 1)
            where = 2.0 if plain in q_plain else 1.0
            exact = not accented or term in (q_acc if plain in q_plain else a_acc)
            total += weight * where * (1.0 if exact else 0.5)
        scores.append(round(total, 2))
    return scores


def faq_block(rows: pd.DataFrame) -> str:
    """FAQ rows as 'Hỏi: ... / Đáp: ...' lines, the format the system prompt uses."""
    return "\n\n".join(f"Hỏi: {h}\nĐáp: {d}" for h, d in zip(rows["hoi"], rows["dap"], strict=True))


def load_faq(name: str = FAQ_FILE) -> pd.DataFrame:
    """The lesson's FAQ table (a CSV in course/data/lessons)."""
    return pd.read_csv(DATA_DIR / name)


def prompt_for(question: str, faq: pd.DataFrame, instructions: str, k: int = 3) -> str:
    """A system prompt: the shop's instructions plus only the k FAQ entries that match."""
    found = search(faq, question, k=k)
    if found.empty:
        return instructions + "\n\n" + t("capstone.rt_no_faq")
    return instructions + "\n\n" + faq_block(found)


# A person, not the bot, must answer these (see lesson 05, part 5). The rules are data
# (course/data/offline/chat.json, "handover"), in order: money, children, health, angry customers,
# complaints about lost or damaged items, wholesale, personal data. Each rule has phrases written
# with accents (matched as written when the customer types accents, folded when they don't),
# extra phrases for messages typed without accents, regular expressions on the folded text, and
# optionally "needs": a phrase such as "em bé" or "con tôi" counts only together with one of
# them ("uống", "bị", "sốt" …), so "Có giặt đồ em bé không?" stays a plain question.
@cache
def _chat_cues() -> dict:
    path = Path(__file__).resolve().parents[1] / "data" / "offline" / "chat.json"
    return json.loads(path.read_text(encoding="utf-8"))


def handover_rules() -> list[dict]:
    """The hand-over rules, in the order they are tried (see the data file)."""
    return _chat_cues()["handover"]


@cache
def _ambiguous_plain() -> frozenset[str]:
    # Folded words that stand for more than one accented word ("te": tệ, tê, tế; "chua": chữa,
    # chua): without accents they count only inside the longer phrases of the rules.
    return frozenset(_chat_cues()["handover_ambiguous_plain"])


@cache
def _compiled(accented: bool) -> tuple[tuple[str, tuple, tuple, tuple, tuple | None], ...]:
    """Each rule's phrases normalised once: (reason, except, phrases, patterns, needs), each
    phrase padded with spaces and tagged with the text it is looked up in (0: as typed,
    1: folded)."""
    def side(phrases: list[str], plain_only: list[str] = ()) -> tuple[tuple[int, str], ...]:
        out = []
        for p in phrases:
            if accented:
                out.append((0, f" {normalize(p, keep_accents=True)} "))
            elif normalize(p) not in _ambiguous_plain():
                out.append((1, f" {normalize(p)} "))
        if not accented:
            out += [(1, f" {normalize(p)} ") for p in plain_only]
        return tuple(out)

    rules = []
    for rule in handover_rules():
        excepts = tuple(f" {normalize(p, keep_accents=accented)} " for p in rule.get("except", []))
        patterns = tuple(re.compile(p) for p in rule["patterns"])
        needs = (side(rule["needs"], rule.get("needs_plain", [])) if "needs" in rule else None)
        rules.append((rule["reason"], excepts, side(rule["phrases"], rule["plain_only"]),
                      patterns, needs))
    return tuple(rules)


def _rule_fires(rule: tuple, message: str, accented: bool) -> bool:
    _, excepts, phrases, patterns, needs = rule
    text = " " + normalize(message, keep_accents=accented) + " "
    for phrase in excepts:  # "phun thuốc" is not medicine, "kiện hàng" is no lawsuit
        text = text.replace(phrase, " ")
    texts = (text, " " + fold(text) + " ")
    hit = any(p in texts[i] for i, p in phrases) or any(p.search(texts[1]) for p in patterns)
    if not hit or needs is None:
        return hit
    return any(p in texts[i] for i, p in needs)


def handover_kind(message: str) -> str:
    """The first hand-over rule `message` meets ("money", "child", "health", "angry",
    "complaint", "wholesale", "personal"), or ""."""
    accented = _has_accents(str(message))
    for rule in _compiled(accented):
        if _rule_fires(rule, str(message), accented):
            return rule[0]
    return ""


def handover_reason(message: str, faq: pd.DataFrame | None = None) -> str:
    """Why a person should answer `message` (Vietnamese), or "" if the bot may answer.

    Keyword rules first (money, infants and sick children, health and intolerances, angry
    customers, lost or damaged items and returns, wholesale, personal data), with or without
    accents; then, if a FAQ is given, a question the FAQ does not cover also goes to a person
    instead of a guess. A plain question ("Có đổi trả không?") is never handed over.
    """
    kind = handover_kind(message)
    if kind:
        return t(f"capstone.rt_handover_{kind}")
    if faq is not None and search(faq, message, k=1).empty:
        return t("capstone.rt_handover_unknown")
    return ""


# Phrases that try to give the bot new orders from inside a customer's message. Written with
# accents for display; matched without them, so "bo qua moi huong dan" is caught too.
INJECTION_PHRASES = (
    "bỏ qua mọi hướng dẫn", "bỏ qua hướng dẫn", "bỏ qua các hướng dẫn", "quên hết", "quên đi",
    "hướng dẫn trước đó", "từ giờ bạn là", "bạn là quản lý", "đóng vai", "tiết lộ",
    "system prompt", "prompt", "ignore previous", "ignore all", "mật khẩu",
)


def injection_signs(message: str) -> list[str]:
    """Phrases in a customer's message that look like orders to the bot (prompt injection)."""
    text = " " + normalize(message) + " "
    return [p for p in INJECTION_PHRASES if f" {normalize(p)} " in text]
