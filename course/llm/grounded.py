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
from .frame import cues, generic

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


def _words(text: str) -> set[str]:
    stop = set(cues()["chat_stopwords"])
    return {w for w in re.findall(r"[^\W_]+", fold(text)) if w not in stop and len(w) > 1}


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


def best_fact(system: str, question: str) -> str | None:
    q = _words(question)
    fq = " " + " ".join(re.findall(r"[^\W_]+", fold(question))) + " "
    links = cues()["question_links"]
    wanted: set[str] = set()
    for cue, hints in links.items():
        if f" {cue} " in fq:
            wanted.update(hints)
    best, best_score = None, 0.0
    for sentence in facts(system):
        fs = " " + " ".join(re.findall(r"[^\W_]+", fold(sentence))) + " "
        shared = len(q & _words(sentence))
        if not shared:
            continue
        score = shared + 0.5 * sum(1 for h in wanted if f" {h} " in fs)
        if wanted and re.search(r"\d", sentence):
            score += 0.5
        if score > best_score:
            best, best_score = sentence, score
    return best


def answer(system: str, question: str) -> str:
    """A customer-care answer from the system prompt's facts or its fallback sentence."""
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
