"""Offline answers from what the conversation was given: a system prompt's own facts.

A shop owner writes "Phòng đôi 450.000 đồng/đêm. Nhận phòng từ 14 giờ." in the instructions;
the customer asks "Giá phòng bao nhiêu?". The simulation picks the fact sentence that shares
the most words with the question (sentence-level retrieval) and quotes it. When no fact fits it
says the owner's own fallback sentence ("nếu không biết, trả lời: …") or hands over to a person.
It never answers a customer with marketing advice.
"""

from __future__ import annotations

import re

from ..i18n import t
from ..text import fold, fold_chars, nfc
from .offline_data import cues, generic

_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n+")


def fallback_sentence(system: str) -> str | None:
    """The owner's "if you don't know, say: …" sentence, as written, or None."""
    text = nfc(system)
    f = fold_chars(text.lower())
    m = re.search(cues()["fallback_instruction"] + r"[^:\n]{0,60}?(?:tra loi|noi|dap|say|reply)"
                  r"(?: la| rang)?\s*[:：]?\s*", f)
    if not m:
        return None
    rest = text[m.end():].strip()
    q = re.match(r"[\"“'‘«](.+?)[\"”'’»]", rest)
    sentence = q.group(1) if q else re.split(r"(?<=[.!?])\s|\n", rest)[0]
    sentence = sentence.strip().strip("\"“”'")
    return sentence or None


def _words(text: str, accents: bool = False) -> set[str]:
    """Content words; with `accents`, "đồng" and "Đông" stay different words."""
    stop = set(cues()["chat_stopwords"])
    words = re.findall(r"[^\W_]+", nfc(text).lower() if accents else fold(text))
    return {w for w in words if fold(w) not in stop and len(w) > 1}


def _accented(text: str) -> bool:
    return fold(text) != " ".join(nfc(text).lower().split())


def facts(system: str) -> list[str]:
    """Sentences of the system prompt that state facts (not orders to the assistant)."""
    starts = tuple(cues()["instruction_starts"])
    out = []
    for sentence in _SENTENCE.split(nfc(system)):
        s = sentence.strip(" -•*\t")
        if len(s) < 4:
            continue
        f = fold(s)
        if f.startswith(starts) or re.match(r"(?:hoi|dap)\s*:", f):
            if ":" in s and not f.startswith(("ban la", "you are")):
                tail = s.split(":", 1)[1].strip()  # "Thông tin: phòng đôi 450.000 đ" keeps the fact
                if len(tail) > 6 and re.search(r"\d", tail) and not f.startswith("neu"):
                    out.append(tail)
            continue
        out.append(s)
    return out


def _name_words(system: str, accents: bool) -> set[str]:
    """Words of the business's own name: shared by every fact, so they say nothing."""
    from .frame import read

    first = _SENTENCE.split(nfc(system).strip(), 1)[0]
    words = set()
    if len(first.split()) <= 6 and not re.search(r"\d", first):
        words |= _words(first, accents)  # a title line: "Quán bún hến Bà Tư."
    name = read(system[:400]).name
    return words | (_words(name, accents) if name else set())


def best_fact(system: str, question: str) -> str | None:
    accents = _accented(question)
    tokens = re.findall(r"[^\W_]+", nfc(question))
    names = {(t.lower() if accents else fold(t)) for t in tokens[1:] if t[:1].isupper()}
    q = _words(question, accents) - _name_words(system, accents) - names  # "Đông Ba" is a place
    fq = " " + " ".join(re.findall(r"[^\W_]+", fold(question))) + " "
    links = cues()["question_links"]
    wanted: set[str] = set()
    for cue, hints in links.items():
        if f" {cue} " in fq:
            wanted.update(hints)
    best, best_score = None, 0.0
    for sentence in facts(system):
        fs = " " + " ".join(re.findall(r"[^\W_]+", fold(sentence))) + " "
        shared = len(q & _words(sentence, accents))
        if not shared:
            continue
        score = shared + 0.5 * sum(1 for h in wanted if f" {h} " in fs)
        if wanted and re.search(r"\d", sentence):
            score += 0.5
        if score > best_score:
            best, best_score = sentence, score
    return best


def answer(system: str, question: str) -> str:
    """A customer-care answer from the system prompt's facts or its fallback sentence.

    A message a person must answer (infants, health, complaints, refunds, wholesale, personal
    data: `course.lessons.retrieval.handover_reason`) is handed over, never answered."""
    from ..lessons.retrieval import handover_reason

    if handover_reason(question):
        return generic()["handover_reply"]
    fact = best_fact(system, question)
    if fact:
        fact = fact.rstrip()
        fact = fact if fact.endswith((".", "!", "?")) else fact + "."
        return generic()["faq_prefix"] + fact[0].lower() + fact[1:] if fact[:1].isupper() and \
            not fact.split()[0].isupper() and not _proper(fact) else generic()["faq_prefix"] + fact
    if re.fullmatch(r"\W*(xin )?(chao|hello|hi|alo)\b.*", fold(question)) and len(question) < 40:
        return generic()["greeting_reply"]
    return fallback_sentence(system) or generic()["faq_unknown"]


def _proper(sentence: str) -> bool:
    """True when the first two words are capitalised (a name: "Homestay Mây …")."""
    words = sentence.split()
    return len(words) > 1 and words[1][:1].isupper()


def cannot(reason: str | None) -> str:
    """One honest sentence: the simulation can't do this; connect a real model."""
    return t("offline.cannot", what=t(f"offline.what_{reason or 'unknown'}"))
