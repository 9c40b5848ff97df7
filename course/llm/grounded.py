"""Offline customer-care answers from what the conversation was given: the system prompt's facts.

A shop owner writes "Giặt sấy 15.000 đồng/kg. Giao nhận tận nhà. Mở 7:00–21:00." and maybe
"xưng cô, gọi khách là con" and "nếu không biết, trả lời: …". The customer asks. The simulation:

1. hands the message to a person when it must (a sick child, a refund, an intolerance …:
   `course.lessons.retrieval.handover_kind`), in the assistant's own voice; a complaint or a
   large order is answered from the owner's own policy if there is one, else handed over;
2. reads the question: its topic words (grouped into Vietnamese words with the facts' own
   vocabulary, segmented by underthesea), what it asks for (a price, a time, a duration, a
   place) and any quantity ("3 ký");
3. scores every fact sentence and clause by how much of the topic it covers (a word inside a
   longer word counts less: "nhận" is not "giao nhận") and keeps the best one only if it
   covers enough (the relevance threshold) and holds what was asked for (a price for "bao
   nhiêu"); a follow-up ("Vậy 3 ký thì sao?") falls back on the conversation so far;
4. quotes that fact, or works out "3 ký × 15.000 đồng = 45.000 đồng" from a price per unit;
5. otherwise says the owner's fallback sentence as written, or an honest "… sẽ hỏi lại".

A FAQ in the system prompt (`Hỏi:` / `Đáp:` lines, lesson 05) is read the same way: an entry
is quoted when lesson 05's own retrieval finds it and it shares the question's topic. A
message with several questions gets each part answered, the fallback for a part nothing
answers.

Nothing is invented: every number in an answer is in the facts or the question, or is the
result of a calculation shown in the answer. Cue words live in data/offline/chat.json.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from ..i18n import t
from ..numbers import number
from ..text import fold, fold_chars, nfc

CHAT_FILE = Path(__file__).resolve().parent.parent / "data" / "offline" / "chat.json"
THRESHOLD = 0.6  # share of the question's topic a fact must cover to be quoted
FAQ_FLOOR = 0.25  # a FAQ entry the lesson's retrieval found needs less (its own threshold)
_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n+")
_CLAUSE = re.compile(r"(?<=[,:])\s+")
_SYL = re.compile(r"[^\W_]+(?:[.,/:]\d+)*")


@cache
def cues() -> dict:
    """How the chat reads a system prompt and a message: data/offline/chat.json."""
    return json.loads(CHAT_FILE.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- the owner's rules
@dataclass(frozen=True)
class Voice:
    """Who the assistant is to the customer: "em" / "anh/chị", "cô" / "con", "chúng tôi" /
    "Quý khách". An elder talking to a younger customer drops "Dạ … ạ"."""

    own: str = "em"
    you: str = "anh/chị"

    @property
    def elder(self) -> bool:
        c = cues()
        return self.own in c["elder_selves"] and self.you in c["younger_addresses"]

    def fill(self, template: str, **extra: str) -> str:
        own, you = self.own, self.you
        text = template.format(self=own, Self=_cap(own), you=you, You=_cap(you), **extra)
        return re.sub(r"\s+([,.!?])", r"\1", text).strip()


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


@lru_cache(maxsize=64)
def voice(system: str) -> Voice:
    """The self-name and form of address the instructions set (defaults "em", "anh/chị")."""
    c = cues()
    f = fold(nfc(system))
    own, you = "em", "anh/chị"
    m = re.search(c["self_re"], f)
    if m:
        own = c["pronouns"][m.group(1)]
    m = re.search(c["address_re"], f)
    if m:
        you = c["addresses"][m.group(1)]
    return Voice(own, you)


def _said_span(text: str, cue: str) -> tuple[int, int, str] | None:
    """The sentence an instruction matching `cue` tells the assistant to say, as written:
    "… trả lời đúng câu: X", "… hãy nói: \"X\"" -> (start of the instruction, end of X, X)."""
    f = _fold_keep(text)
    m = re.search(cue, f)
    if not m:
        return None
    rest_start = m.end()
    lead = re.match(cues()["fallback_lead_re"], f[rest_start:])
    if lead:
        rest_start += lead.end()
    rest = text[rest_start:]
    q = re.match(r"\s*[\"“'‘«](.+?)[\"”'’»]", rest, flags=re.S)
    if q:
        sentence, end = q.group(1), rest_start + q.end()
    else:
        piece = re.split(r"(?<=[.!?])\s|\n", rest.strip(), maxsplit=1)[0]
        sentence, end = piece, rest_start + len(rest) - len(rest.lstrip()) + len(piece)
    sentence = sentence.strip().strip("\"“”'")
    if not sentence:
        return None
    return m.start(), end, sentence


@lru_cache(maxsize=64)
def _owner_sentences(system: str) -> dict[str, tuple[int, int, str]]:
    """The owner's own words for handing over ("Nếu khách phàn nàn, nói: …") and for "I
    don't know" ("Nếu không biết, trả lời: …"); the hand-over one is found first, so that
    "nếu khách không hài lòng, nói …" is not taken for the fallback."""
    text = nfc(system)
    out = {}
    handover = _said_span(text, cues()["handover_instruction_re"])
    if handover:
        out["handover"] = handover
        text = text[:handover[0]] + " " * (handover[1] - handover[0]) + text[handover[1]:]
    fallback = _said_span(text, cues()["fallback_re"])
    if fallback:
        out["fallback"] = fallback
    return out


def _owner_sentence(system: str, which: str) -> str | None:
    span = _owner_sentences(system).get(which)
    if span is None:
        return None
    sentence = span[2]
    if sentence[:1].islower():  # indirect speech: a sentence in the assistant's register
        polite = not voice(system).elder and not fold(sentence).startswith("da")
        sentence = "Dạ, " + sentence if polite else _cap(sentence)
    return sentence if sentence.endswith((".", "!", "?", "…")) else sentence + "."


def handover_sentence(system: str) -> str | None:
    """The owner's sentence for a message a person must answer, if the owner wrote one."""
    return _owner_sentence(system, "handover")


def fallback_sentence(system: str) -> str | None:
    """The owner's "if you don't know, say: …" sentence, as written, or None.

    Any phrasing: "Nếu không biết, trả lời: …", "Nếu câu hỏi không có trong thông tin này,
    trả lời đúng câu: …", "Câu hỏi ngoài phạm vi … thì nói …", "If you don't know, say …".
    Indirect speech ("hãy nói em sẽ hỏi lại quản lý") becomes a sentence of its own."""
    return _owner_sentence(system, "fallback")


def _fold_keep(text: str) -> str:
    """Folded text with the same length as `text`, so spans map back (NFC input)."""
    return fold_chars(text.lower())


def _is_instruction(sentence: str) -> bool:
    c = cues()
    f = fold(sentence)
    return (f.startswith(tuple(c["instruction_starts"]))
            or bool(re.search(c["instruction_marks_re"], f))
            or bool(re.search(c["fallback_re"], f)))


@lru_cache(maxsize=64)
def facts(system: str) -> list[str]:
    """Sentences of the system prompt that state facts (not orders to the assistant)."""
    text = _FAQ_PAIR.sub("\n", nfc(system))  # FAQ entries are facts of their own (_facts)
    for start, end, _ in sorted(_owner_sentences(text).values(), reverse=True):
        text = text[:start] + "\n" + text[end:]  # the owner's words to say are not facts
    out = []
    for sentence in _SENTENCE.split(text):
        s = sentence.strip(" -•*\t\"“”")
        if len(s) < 4:
            continue
        f = fold(s)
        if re.match(r"(?:hoi|dap)\s*:", f):
            continue
        if _is_instruction(s):
            # "Trả lời thay thầy: …" is an order; "Thông tin: giặt sấy 15.000 đ" is a fact.
            continue
        if re.match(r"(?:thong tin|du lieu|bang gia|gia|dich vu|san pham)\s*:", f):
            s = s.split(":", 1)[1].strip()
        out.append(s.rstrip(";,: "))
    return [s for s in out if len(s) >= 4]


# --------------------------------------------------------------------------- words and facts
@cache
def _tokenizer():
    # underthesea (about 0.7 s of CPU) is loaded on the first text the course's memo lacks
    from .vi_words import word_tokenize

    return word_tokenize


@dataclass(frozen=True)
class Fact:
    text: str          # as written, quoted in the answer
    syllables: tuple[str, ...]   # lower case, accents kept
    plain: tuple[str, ...]       # the same, folded
    starts: frozenset[int]       # indexes where an underthesea word starts
    ends: frozenset[int]         # indexes where one ends (exclusive)
    sentence: int                # which sentence it comes from
    whole: bool                  # the whole sentence (not one clause of it)
    faq: str = ""                # for a FAQ answer ("Đáp:"), its question ("Hỏi:")
    asked: frozenset[str] = frozenset()  # what that question asks for (price, time …)


def _segment(text: str) -> tuple[tuple[str, ...], frozenset[int], frozenset[int]]:
    syl: list[str] = []
    starts, ends = set(), set()
    try:
        words = _tokenizer()(text)
    except Exception:  # underthesea missing or failing: every syllable is a word
        words = _SYL.findall(text)
    for w in words:
        parts = [p.lower() for p in _SYL.findall(w)]
        if not parts:
            continue
        starts.add(len(syl))
        syl.extend(parts)
        ends.add(len(syl))
    return tuple(syl), frozenset(starts), frozenset(ends)


@lru_cache(maxsize=64)
def _facts(system: str) -> tuple[Fact, ...]:
    out: list[Fact] = []
    for i, sentence in enumerate(facts(system)):
        clauses = [c.rstrip(",:; ") for c in _CLAUSE.split(sentence)]
        pieces = [(sentence, True)] + ([(c, False) for c in clauses if len(c.split()) >= 2]
                                       if len(clauses) > 1 else [])
        for piece, whole in pieces:
            syl, starts, ends = _segment(piece)
            out.append(Fact(piece, syl, tuple(fold(s) for s in syl), starts, ends, i, whole))
    # A FAQ entry is one fact: matched on its question and answer, quoted as its answer.
    for j, (ask, reply) in enumerate(faq_pairs(system)):
        qs, q_starts, q_ends = _segment(ask)
        rs, r_starts, r_ends = _segment(reply)
        n = len(qs)
        syl = qs + rs
        asked = frozenset(k for k, i in cues()["intents"].items() if re.search(i["ask_re"],
                                                                             fold(ask)))
        out.append(Fact(reply.strip(), syl, tuple(fold(x) for x in syl),
                        q_starts | {x + n for x in r_starts}, q_ends | {x + n for x in r_ends},
                        10_000 + j, True, ask.strip(), asked))
    return tuple(out)


_FAQ_PAIR = re.compile(
    r"^[ \t]*(?:[-•*]\s*)?Hỏi:[ \t]*(.+?)[ \t]*\n[ \t]*(?:[-•*]\s*)?Đáp:[ \t]*(.+)$", re.M)


@lru_cache(maxsize=64)
def faq_pairs(system: str) -> tuple[tuple[str, str], ...]:
    """`Hỏi:` / `Đáp:` pairs (one line each) in the system prompt (lesson 05's format)."""
    return tuple(_FAQ_PAIR.findall(nfc(system)))


@lru_cache(maxsize=256)
def _faq_hits(system: str, *texts: str) -> frozenset[str]:
    """FAQ questions the lesson's own retrieval (`retrieval.search`'s scores and relevance
    threshold, its top 3) finds for the customer's words."""
    pairs = faq_pairs(system)
    if not pairs:
        return frozenset()
    from ..lessons.retrieval import MIN_SCORE, score_rows

    hoi, dap = tuple(h for h, _ in pairs), tuple(d for _, d in pairs)
    found: set[str] = set()
    for text in texts:
        if text.strip():
            scored = [(sc, i) for i, sc in enumerate(score_rows(hoi, dap, text)) if sc >= MIN_SCORE]
            found |= {hoi[i].strip() for _, i in sorted(scored, key=lambda x: (-x[0], x[1]))[:3]}
    return frozenset(found)


@lru_cache(maxsize=64)
def _vocabulary(system: str) -> tuple[frozenset[tuple[str, ...]], frozenset[tuple[str, ...]]]:
    """The facts' multi-syllable words (accented and folded): how the question is grouped."""
    acc, plain = set(), set()
    for fact in _facts(system):
        for s in fact.starts:
            e = min((x for x in fact.ends if x > s), default=s + 1)
            if e - s > 1:
                acc.add(fact.syllables[s:e])
                plain.add(fact.plain[s:e])
    return frozenset(acc), frozenset(plain)


# --------------------------------------------------------------------------- the question
@dataclass
class Question:
    topic: dict[tuple[str, ...], float]   # topic words (syllables) -> weight
    intents: set[str]
    quantities: list[tuple[float, str, str, str]]  # (value, unit, number as typed, unit as typed)
    per_units: set[str]                   # "bao nhiêu một ký" -> {"kg"}
    accented: bool
    followup: bool
    text: str = ""


@cache
def _unit_lookup() -> dict[str, str]:
    out = {}
    for unit, words in cues()["units"].items():
        for w in words:
            out[w] = unit
            out[fold(w)] = unit
    return out


@cache
def _question_res(accented: bool) -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    """Quantities ("3 ký"), per-unit asks ("một ký") and stop phrases, compiled once."""
    nums = _number_words(accented)
    num_alt = "|".join(re.escape(w) for w in sorted(nums, key=len, reverse=True))
    units = _unit_re(accented)
    qty = re.compile(rf"(?<![\w.,/])(?:(\d+(?:[.,]\d+)?)\s*|({num_alt})\s+)({units})(?!\w)")
    per = re.compile(rf"(?<!\w)(?:một|mỗi|1|mot|moi)\s+({units})(?!\w)")
    places = set(cues()["place_words"]) if accented else set()
    phrases = sorted(set(_stop_phrases(accented)) | set(_venue(accented)) | places, key=len,
                     reverse=True)
    stop = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(p) for p in phrases) + r")(?!\w)")
    return qty, per, stop


@cache
def _unit_re(accented: bool) -> str:
    written = [w for ws in cues()["units"].values() for w in ws]
    words = sorted({w if accented else fold(w) for w in written}, key=len, reverse=True)
    return "|".join(re.escape(w) for w in words)


def _number_words(accented: bool) -> dict[str, float]:
    words = cues()["number_words"]
    if accented:
        return dict(words)
    return {fold(w): v for w, v in words.items() if fold(w) in ("mot", "hai", "bon", "muoi")}


def _has_accents(text: str) -> bool:
    return fold(text) != " ".join(nfc(text).lower().split())


def read_question(question: str, system: str) -> Question:
    """Topic words, what is asked, quantities: from the customer's message."""
    c = cues()
    q = nfc(question)
    accented = _has_accents(q)
    f = fold(q)
    intents = {name for name, i in c["intents"].items() if re.search(i["ask_re"], f)}
    followup = bool(re.match(c["followup_starts_re"], f))

    # The asked part is the last clause; earlier clauses ("Con tôi học lớp 7, …") are context.
    clauses = [x for x in _CLAUSES.split(q) if x.strip()]
    weights = [0.5] * (len(clauses) - 1) + [1.0] if clauses else []

    topic: dict[tuple[str, ...], float] = {}
    quantities: list[tuple[float, str, str, str]] = []
    per_units: set[str] = set()
    units = _unit_lookup()
    nums = _number_words(accented)
    qty_re, per_re, stop_re = _question_res(accented)
    acc_vocab, plain_vocab = _vocabulary(system)
    stop = _stopwords(accented)
    vocab = acc_vocab if accented else plain_vocab
    vocab = vocab | _cue_words(accented)

    for clause, weight in zip(clauses, weights, strict=True):
        low = clause.lower() if accented else fold(clause)
        low = re.sub(r"\b\d{1,2}[/-]\d{1,2}(?:[/-]\d{2,4})?\b", " ", low)  # dates are no topic
        for m in per_re.finditer(low):
            per_units.add(units[m.group(1)])
        for m in qty_re.finditer(low):
            before = low[:m.start()].split()[-1:] or [""]
            if fold(before[0]) in ("luc", "tu", "den", "toi", "truoc", "sau", "khoang"):
                continue  # "lúc 7 giờ", "từ 5 ký": a time or a threshold, not an amount
            raw = m.group(1) or m.group(2)
            value = nums.get(raw) or float(raw.replace(",", "."))
            unit = units[m.group(3)]
            topic[(unit,)] = max(topic.get((unit,), 0.0), weight)
            if value == 1:
                per_units.add(unit)
            else:
                quantities.append((value, unit, raw if raw[0].isdigit() else number(value),
                                   m.group(3)))
        low = per_re.sub(lambda m: " " + m.group(1) + " ", low)
        low = qty_re.sub(" qtymark ", low)
        low = stop_re.sub(" | ", low)
        # Proper names typed with capitals ("Đông Ba", "Hà Tĩnh") weigh half: a place asked
        # about is a detail, the service asked about is the point.
        caps = _capitalised(clause) if accented or clause != clause.lower() else set()
        words = [w for w in re.findall(r"[^\W_]+|\|", low)]
        i, counted = 0, False
        while i < len(words):
            if words[i] == "|":
                i += 1
                continue
            if words[i] == "qtymark":  # "3 cái áo": the unit says what is counted
                i, counted = i + 1, True
                continue
            size = next((n for n in (3, 2) if tuple(words[i:i + n]) in vocab), 1)
            group = tuple(words[i:i + size])
            i += size
            if size == 1 and (group[0] in stop or len(group[0]) < 2 and not group[0].isdigit()):
                continue
            w, counted = (weight * 0.5 if counted else weight), False
            if group[0].isdigit():
                w *= 0.5
            elif all(g in caps for g in group):
                w *= 0.5
            if group[0] in units and size == 1:
                group = (units[group[0]],)
            topic[group] = max(topic.get(group, 0.0), w)
    # Names typed as one capitalised run count once ("Hà Tĩnh", not "Hà" and "Tĩnh").
    topic = _merge_names(topic, q, accented)
    return Question(topic, intents, quantities, per_units, accented, followup, q)


@cache
def _cue_words(accented: bool) -> frozenset[tuple[str, ...]]:
    words = cues()["compounds"]
    return frozenset(tuple((w if accented else fold(w)).split()) for w in words)


def _capitalised(clause: str) -> set[str]:
    words = re.findall(r"[^\W_]+", clause)
    return {w.lower() for w in words[1:] if w[:1].isupper()}


def _merge_names(topic: dict[tuple[str, ...], float], question: str,
                 accented: bool) -> dict[tuple[str, ...], float]:
    words = re.findall(r"[^\W_]+", nfc(question))
    runs, run = [], []
    for w in words[1:]:
        if w[:1].isupper():
            run.append(w.lower() if accented else fold(w))
        else:
            if len(run) > 1:
                runs.append(tuple(run))
            run = []
    if len(run) > 1:
        runs.append(tuple(run))
    for name in runs:
        parts = [(s,) for s in name]
        if all(p in topic for p in parts):
            weight = max(topic.pop(p) for p in parts)
            topic[name] = weight
    return topic


@cache
def _stopwords(accented: bool) -> frozenset[str]:
    words = cues()["stopwords"]
    return frozenset(w for w in words) if accented else frozenset(fold(w) for w in words)


@cache
def _stop_phrases(accented: bool) -> tuple[str, ...]:
    words = cues()["stop_phrases"]
    out = {w for w in words} if accented else {fold(w) for w in words}
    return tuple(sorted(out, key=len, reverse=True))


@cache
def _venue(accented: bool) -> tuple[str, ...]:
    words = cues()["venue_words"]
    out = {w for w in words} if accented else {fold(w) for w in words}
    return tuple(sorted(out, key=len, reverse=True))


# --------------------------------------------------------------------------- matching
def _cover(group: tuple[str, ...], fact: Fact, accented: bool) -> float:
    """How well `fact` contains the word `group`: 1 as a whole word, 0.75 as the head of a
    longer word ("giặt" in "giặt sấy"), 0.25 inside one ("nhận" in "giao nhận")."""
    seq = fact.syllables if accented else fact.plain
    if len(group) == 1 and group[0] in cues()["units"]:
        return 1.0 if _mentions_unit(fact, group[0]) else 0.0
    n = len(group)
    best = 0.0
    for i in range(len(seq) - n + 1):
        if seq[i:i + n] != group:
            continue
        if i in fact.starts and i + n in fact.ends:
            return 1.0
        best = max(best, 0.75 if i in fact.starts else 0.25)
    if best == 0.0 and n > 1:  # "mở cửa" asked, "mở 7:00–21:00" written: the head word
        for i, s in enumerate(seq):  # (half only: "đậu xe" typed "dau xe" is not "gội đầu")
            if s == group[0] and i in fact.starts and i + 1 in fact.ends:
                best = 0.5
                break
        # or each syllable on its own ("cam", "hái" in "Cam Vinh …, hái tại vườn")
        parts = [_cover((s,), fact, accented) for s in group]
        best = max(best, 0.9 * sum(parts) / n)
    return best


@cache
def _synonyms(accented: bool) -> dict[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    out = {}
    for word, alts in cues()["synonyms"].items():
        key = tuple((word if accented else fold(word)).split())
        out[key] = tuple(tuple((a if accented else fold(a)).split()) for a in alts)
    return out


def _cover_any(group: tuple[str, ...], fact: Fact, accented: bool) -> float:
    """`_cover`, or a little less through a synonym ("đóng cửa" -> "mở", "ship" -> "giao")."""
    best = _cover(group, fact, accented)
    for alt in _synonyms(accented).get(group, ()):
        if best >= 0.9:
            break
        best = max(best, 0.9 * _cover(alt, fact, accented))
    return best


def _mentions_unit(fact: Fact, unit: str) -> bool:
    words = {fold(w) for w in cues()["units"][unit]}
    return any(s in words for s in fact.plain)


def _holds(fact: Fact, intent: str) -> bool:
    if intent in fact.asked:  # the owner's answer to "Phí giao hàng bao nhiêu?" is the fee
        return True
    return bool(re.search(cues()["intents"][intent]["has_re"], " ".join(fact.plain)
                          .replace(" / ", "/").replace(" : ", ":")))


def _coverage(q: Question, fact: Fact) -> float:
    total = sum(q.topic.values())
    if not total:
        return 0.0
    got = sum(w * _cover_any(g, fact, q.accented) for g, w in q.topic.items())
    return got / total


def _prices(fact: Fact) -> list[tuple[float, str, str, str]]:
    """(amount, unit, amount as written, unit as written) for each price in the fact; a
    price with no unit ("Bánh mì trứng 15.000 đồng") has the unit "*": one of it."""
    c = cues()
    text = fact.text
    out = []
    unit_alt = _unit_re(True) + "|" + _unit_re(False)
    for m in re.finditer(c["money_re"], text, flags=re.I):
        amount = _amount(m.group(1), m.group(2))
        after = text[m.end():]
        u = re.match(rf"\s*(?:/|một|mỗi|cho một|cho 1|1)\s*({unit_alt})(?!\w)", after, flags=re.I)
        unit = _unit_lookup().get(u.group(1).lower()) if u else None
        word = u.group(1) if u else ""
        if unit is None:  # "Tô bún hến 25.000 đồng": the clause opens with its unit
            word = text.split()[0].lower() if text.split() else ""
            unit = _unit_lookup().get(word)
        out.append((amount, unit or "*", m.group(0).strip(), word if unit else ""))
    return out


def _price_for(fact: Fact, unit: str) -> tuple[float, str, str, str] | None:
    """The one price of `fact` per `unit`; a price with no unit counts for a counted unit
    ("3 ổ", "2 lần") when it is the only price. Two candidates: None (a guess otherwise)."""
    prices = _prices(fact)
    exact = [p for p in prices if p[1] == unit]
    if len(exact) == 1:
        return exact[0]
    if not exact and unit in cues()["count_units"] and len(prices) == 1 and prices[0][1] == "*":
        return prices[0]
    return None


def _amount(digits: str, word: str) -> float:
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", digits):
        value = float(re.sub(r"[.,]", "", digits))
    else:
        value = float(digits.replace(",", "."))
    scale = {"k": 1e3, "nghìn": 1e3, "ngàn": 1e3, "triệu": 1e6, "tr": 1e6}.get(word.lower(), 1)
    return value * scale


def _context(history: list[dict] | None, system: str) -> tuple[Question | None, str]:
    """The previous question (read) and the assistant's last answer, if any."""
    if not history:
        return None, ""
    users = [str(m.get("content") or "") for m in history if m.get("role") == "user"]
    bots = [str(m.get("content") or "") for m in history if m.get("role") == "assistant"]
    previous = read_question(users[-2], system) if len(users) >= 2 else None
    last = nfc(bots[-1]) if bots and len(users) >= 2 else ""
    return previous, last


def _pick(q: Question, system: str, previous: Question | None, last: str,
          need_unit: str | None = None) -> Fact | None:
    candidates = _facts(system)
    if need_unit:  # exactly one price per that unit, or the product would be a guess
        candidates = tuple(f for f in candidates if _price_for(f, need_unit))
    # A follow-up ("Còn ủi?", "Vậy 3 ký?") asks what the previous question asked; "Ok" asks nothing.
    follow = bool(previous and (q.topic or q.quantities) and (q.followup or not q.topic))
    intents = q.intents or (previous.intents if follow else set())
    if not (q.topic or intents or need_unit or q.per_units):
        return None  # "Ok", "Vâng ạ": nothing asked, nothing to quote
    own = [g for g in q.topic if not (len(g) == 1 and g[0] in cues()["units"])]
    if previous and previous.topic and not own and not any(
            _coverage(previous, f) >= THRESHOLD for f in _facts(system)):
        # "Có giặt hấp không?" (not in the facts) then "Giá bao nhiêu?" / "Vậy 3 ký?": still
        # about the thing nobody wrote down, so no other service's price either.
        return None
    hits = _faq_hits(system, q.text, previous.text if follow else "")
    scored = []
    for fact in candidates:
        if intents and not any(_holds(fact, i) for i in intents):
            continue
        if q.per_units and not any(_mentions_unit(fact, u) for u in q.per_units):
            continue
        cov = _coverage(q, fact) if q.topic else None
        if fact.faq:
            # A FAQ entry must be found by the lesson's retrieval and share the topic.
            if fact.faq not in hits or (cov is not None and cov < FAQ_FLOOR):
                continue
        elif cov is not None and cov < THRESHOLD:
            continue
        ctx = 0.0
        if last and fact.text.lower().rstrip(".") in last.lower():
            ctx += 1.0  # the fact the assistant just quoted: "Vậy 3 ký thì …" is about it
        if previous and previous.topic:
            ctx += 0.5 * _coverage(previous, fact)
        if cov is None and not (ctx or need_unit or intents):
            continue
        scored.append(((cov or 0.0) + 0.3 * ctx, fact))
    if not scored:
        return None
    if not q.topic and not need_unit and not (previous or last):
        whole = [f for s, f in scored if f.whole]
        if len({f.sentence for f in whole}) > 1:
            return None  # "Bao nhiêu tiền?" with several prices and nothing to go on
    best = max(s for s, _ in scored)
    top = [f for s, f in scored if s >= best - 1e-9]
    clauses = [f for f in top if not f.whole]
    # One clause of a sentence says it all: quote just that clause, unless the rest of the
    # sentence sets a condition ("tối thiểu 3 kg") or nothing but "ở đâu?" was asked.
    if len(clauses) == 1 and (q.topic or need_unit):
        clause = clauses[0]
        sentence = next(f for f in _facts(system) if f.whole and f.sentence == clause.sentence)
        cond = cues()["calc_conditions_re"]
        if need_unit or not re.search(cond, fold(sentence.text)) or re.search(
                cond, fold(clause.text)):
            return clause
        return sentence
    return next((f for f in top if f.whole), top[0])


# --------------------------------------------------------------------------- answers
def best_fact(system: str, question: str, history: list[dict] | None = None) -> str | None:
    """The fact sentence or clause that answers `question`, or None (below the threshold)."""
    previous, last = _context(history, system)
    q = read_question(question, system)
    fact = _pick(q, system, previous, last)
    return fact.text if fact else None


def _quote(text: str, v: Voice) -> str:
    text = text.strip().rstrip(",;:")
    if v.elder:
        return _cap(text)
    first = text.split()[0] if text.split() else ""
    proper = (len(text.split()) > 1 and text.split()[1][:1].isupper()
              and not first.endswith((".", ":", "!", "?")))  # "Có. Anh/chị gửi …" is no name
    if first[:1].isupper() and not first.isupper() and not proper:
        text = text[0].lower() + text[1:]
    return text


def _calculation(q: Question, system: str, previous: Question | None, last: str,
                 v: Voice) -> str | None:
    if not q.quantities:
        return None
    lines, total, fact_text = [], 0.0, None
    for value, unit, typed, unit_typed in q.quantities:
        fact = _pick(q, system, previous, last, need_unit=unit)
        if fact is None:
            return None  # one amount has no price per that unit: no half-made total
        sentence = facts(system)[fact.sentence] if not fact.faq else fact.text
        if re.search(cues()["calc_conditions_re"], fold(sentence)):
            return None  # "tối thiểu 3 kg", "giảm 10% từ 5 ký": quoted, not multiplied
        amount, _, written, word = _price_for(fact, unit)
        price = f"{number(amount)} đồng" if re.search(r"\d\s*(?:k|nghìn|ngàn|tr)", written,
                                                     flags=re.I) else written
        result = value * amount
        total += result
        lines.append(cues()["replies"]["calc_one"].format(
            qty=typed, unit=word or unit_typed, price=price, total=f"{number(result)} đồng"))
        fact_text = fact_text or fact.text
    calc = cues()["replies"]["calc_lead"] + " " + "; ".join(lines)
    if len(lines) > 1:
        calc += "; " + cues()["replies"]["calc_sum"].format(
            terms=" + ".join(re.search(r"= (.+)$", x).group(1) for x in lines),
            total=f"{number(total)} đồng")
    register = "elder" if v.elder else "polite"
    fact = _quote(fact_text or "", v).rstrip(".")
    return v.fill(cues()["replies"][register]["calc"], fact=fact + ",", Fact=_cap(fact) + ",",
                  calc=calc)


def answer(system: str, question: str, history: list[dict] | None = None) -> str:
    """A customer-care answer from the system prompt's facts or its fallback sentence.

    `history`: the whole conversation (system, user and assistant messages), so that a
    follow-up ("Vậy 3 ký thì bao nhiêu?") uses what was said before. A message a person must
    answer (`course.lessons.retrieval.handover_reason`) is handed over, never answered."""
    from ..lessons.retrieval import handover_kind

    v = voice(system)
    register = cues()["replies"]["elder" if v.elder else "polite"]
    kind = handover_kind(question)
    if kind and kind not in cues()["handover_soft"]:
        return handover_sentence(system) or v.fill(register["handover"])
    f = fold(question)
    if re.match(cues()["greeting_re"], f) and len(question) < 40:
        return v.fill(register["greeting"])
    if re.match(cues()["thanks_re"], f) and len(question) < 40:
        return v.fill(register["thanks"])
    if re.match(cues()["ack_re"], f):  # "Ok", "Vâng ạ": nothing asked
        return v.fill(register["ack"])
    previous, last = _context(history, system)
    found = _answer_part(question, system, previous, last, v)
    if found:
        return found
    # "Con lấy 5 ký, giao về phường Hưng Dũng được không?": each part on its own; what
    # can be answered is, and a question part nothing answers gets the fallback after it.
    parts = [p for p in _CLAUSES.split(nfc(question)) if p.strip()]
    if len(parts) > 1:
        answers = [_answer_part(p, system, previous, last, v) for p in parts]
        said = [a for a in dict.fromkeys(answers) if a]
        if said:
            if not answers[-1] and read_question(parts[-1], system).topic:
                said.append(_unknown(system, v, kind))
            return " ".join(said)
    return _unknown(system, v, kind)


_CLAUSES = re.compile(r"[,;](?=\s)|[,;](?!\d)|\s+(?:nhưng|mà|nhung)\s+")


def _unknown(system: str, v: Voice, kind: str) -> str:
    register = cues()["replies"]["elder" if v.elder else "polite"]
    if kind:  # a complaint or a large order the owner wrote nothing about: a person answers
        return handover_sentence(system) or v.fill(register["handover"])
    return fallback_sentence(system) or v.fill(register["unknown"])


def _answer_part(question: str, system: str, previous: Question | None, last: str,
                 v: Voice) -> str:
    """A calculation or a quoted fact for `question`, or "" when no fact answers it."""
    register = cues()["replies"]["elder" if v.elder else "polite"]
    q = read_question(question, system)
    calc = _calculation(q, system, previous, last, v)
    if calc:
        return calc
    fact = _pick(q, system, previous, last)
    if fact is None:
        return ""
    text = _quote(fact.text, v)
    text = text if text.endswith((".", "!", "?")) else text + "."
    return v.fill(register["quote"], fact=text, Fact=_cap(text))


def cannot(reason: str | None) -> str:
    """One honest sentence: the simulation can't do this; connect a real model."""
    return t("offline.cannot", what=t(f"offline.what_{reason or 'unknown'}"))
