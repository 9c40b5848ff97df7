"""The offline backend ("mô phỏng"): deterministic answers with no network and no key.

1. Curated answers for the lessons' and assignments' own prompts (data/offline/curated/*.json).
2. A customer's question to an assistant goes to the chat (course/llm/grounded.py): with a FAQ
   (`Hỏi:` / `Đáp:` lines) or plain fact sentences in the system prompt, it answers from the
   relevant entry or fact, calculates on given prices, uses the owner's voice, fallback and
   hand-over sentences. `Hỏi:`/`Đáp:` pairs pasted into the request itself (no system prompt
   question) are still answered from their best entry here (`_faq`).
3. Sentiment classification requests get the lexicon classifier of course.lessons.sentiment.
4. Anything else is read into a frame (course/llm/frame.py: product, counts, limits, format,
   JSON keys, table columns) and written from templates (course/llm/compose.py). A request with
   no frame (maths, translation, code, general knowledge) gets one honest sentence instead.

All wording lives in data files; this module only decides which pieces to use. Every answer
is returned *with* the simulation label line on top (see `label()`).
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ..i18n import t
from ..text import fold, nfc
from . import compose, grounded
from .frame import MAX_READ, read
from .offline_data import cues as frame_cues

DATA = Path(__file__).resolve().parent.parent / "data"


def label() -> str:
    return t("llm.simulation_label")


def with_label(text: str) -> str:
    return f"{label()}\n\n{text}"


def is_simulated(text: str) -> bool:
    """True when `text` is an answer of the offline simulation (it starts with the label)."""
    return isinstance(text, str) and text.startswith((t("llm.simulation_label"), "🧪 ["))


def strip_label(text: str) -> str:
    """The answer without the simulation label line (unchanged for real answers)."""
    if is_simulated(text):
        return text.split("\n", 1)[1].lstrip("\n") if "\n" in text else ""
    return text


# --------------------------------------------------------------------------- data files
@cache
def _generic() -> dict:
    return json.loads((DATA / "offline" / "generic.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Curated:
    id: str
    prompt: str | None
    keywords: tuple[str, ...]
    answers: tuple[str, ...]
    when: str | None = None  # "faq": only with FAQ pairs in the context; "no_faq": only without


@cache
def _curated() -> tuple[dict[str, Curated], tuple[Curated, ...]]:
    exact: dict[str, Curated] = {}
    by_keywords: list[Curated] = []
    for path in sorted((DATA / "offline" / "curated").glob("*.json")):
        entries = json.loads(path.read_text(encoding="utf-8")).get("entries", [])
        for e in entries:
            answers = tuple(nfc(a) for a in (e.get("answers") or [e.get("answer", "")]))
            item = Curated(e.get("id", path.stem), e.get("prompt"),
                           tuple(fold(k) for k in e.get("keywords", [])), answers, e.get("when"))
            if item.prompt and not item.when:
                exact[fold(item.prompt)] = item
            elif item.keywords or item.prompt:
                by_keywords.append(item)
    by_keywords.sort(key=lambda c: -len(c.keywords))  # most specific first
    return exact, tuple(by_keywords)


def _quoted(prompt: str) -> str:
    m = re.findall(r"[\"“](.+?)[\"”]", prompt, flags=re.S)
    if m:
        return max(m, key=len)
    return prompt.split(":", 1)[1] if ":" in prompt else prompt


def _sentiment(text: str) -> str:
    # One lexicon for the whole course: lesson 05's (course/lessons/sentiment.py).
    from ..lessons import sentiment

    return sentiment.classify(text, sentiment.LEXICON_SENTIMENT, sentiment.SENTIMENT_DEFAULT)


_FAQ_PAIR = re.compile(
    r"^[ \t]*(?:[-•*]\s*)?Hỏi:[ \t]*(.+?)[ \t]*\n[ \t]*(?:[-•*]\s*)?Đáp:[ \t]*(.+)$", re.M)


def _faq(context: str, question: str) -> str | None:
    """Answer from `Hỏi:`/`Đáp:` pairs (one line each) found in the system prompt or prompt."""
    pairs = _FAQ_PAIR.findall(nfc(context))
    if not pairs:
        return None
    stop = {"la", "co", "khong", "a", "oi", "shop", "cho", "em", "anh", "chi", "minh", "toi",
            "ban", "gi", "nao", "bao", "the", "va", "cua", "duoc", "thi", "nhe", "ha", "vay"}
    words = {w for w in re.findall(r"\w+", fold(question)) if w not in stop and len(w) > 1}
    best, best_score = None, 0
    for q, a in pairs:
        q_words = set(re.findall(r"\w+", fold(q)))
        score = len(words & q_words)
        if score > best_score:
            best, best_score = a.strip(), score
    g = _generic()
    if best is None:
        return grounded.fallback_sentence(context) or g["faq_unknown"]
    return g["faq_prefix"] + best[0].lower() + best[1:] if best[:1].isupper() else best


def answer(messages: list[dict], temperature: float | None = None) -> str:
    """The simulated answer to a chat request, with the label line on top."""
    system = "\n".join(str(m.get("content") or "") for m in messages if m.get("role") == "system")
    users = [str(m.get("content") or "") for m in messages if m.get("role") == "user"]
    prompt = nfc(users[-1] if users else "")[:MAX_READ]
    rng = compose.rng_for(prompt + system[:500], temperature)

    exact, keyworded = _curated()
    key = fold(prompt)
    has_faq = bool(_FAQ_PAIR.search(nfc(system + "\n" + prompt)))

    def fits(c: Curated) -> bool:
        if c.when == ("no_faq" if has_faq else "faq"):
            return False
        if c.prompt:
            return fold(c.prompt) == key
        return all(k in key for k in c.keywords)

    hit = exact.get(key) or next((c for c in keyworded if fits(c)), None)
    if hit is not None:
        choice = rng.choice(hit.answers) if temperature else hit.answers[0]
        return with_label(choice)

    from . import tables  # a pasted table to comment on: figures computed from it, no others

    commented = tables.comment(nfc((users[-1] if users else "")[:tables.MAX_READ + 1]))
    if commented is not None:
        return with_label(commented)

    if not has_faq:  # examples, then the item to write for: the answer is about that item
        shot = compose.few_shot(prompt, rng, temperature)
        if shot is not None:
            return with_label(shot)

    question = _FAQ_PAIR.sub("", prompt).strip() or prompt
    if _FAQ_PAIR.search(nfc(system)) and _is_question(question) and not re.search(
            r"phan loai|cam xuc|chu de|classify|sentiment", fold(prompt)):
        # A customer's question to a FAQ bot: the chat (hand-over, relevance, voice).
        return with_label(grounded.answer(system, question, messages))
    faq = _faq(system + "\n" + prompt, question)
    if faq is not None:
        return with_label(faq)

    f = fold(prompt)
    if re.search(r"phan loai|danh gia|classify|sentiment", f) and re.search(
            r"tich cuc|tieu cuc|cam xuc|sentiment|positive", f):
        given = read(prompt).given
        if len(given) >= 2:  # one label per review the participant pasted, in their order
            labels = [_sentiment(x) for x in given]
            if "json" in f:
                return with_label(json.dumps([{"stt": i + 1, "cam_xuc": v} for i, v in
                                              enumerate(labels)], ensure_ascii=False, indent=2))
            return with_label("\n".join(f"{i + 1}. {x} → {v}" for i, (x, v) in
                                         enumerate(zip(given, labels, strict=True))))
        verdict = _sentiment(_quoted(prompt))
        if "json" in f:
            verdict = json.dumps({"cam_xuc": verdict}, ensure_ascii=False)
        return with_label(verdict)

    if system.strip() and _is_question(prompt):
        return with_label(grounded.answer(system, prompt, messages))
    return with_label(generate(prompt, rng, temperature, system))


_WRITE = re.compile(r"^\W*(?:(?:ban |em )?hay |giup (?:toi|em|minh) |vui long )?"
                    r"(?:viet|soan|goi y|liet ke"
                    r"|tao|lap|dat ten|dat \d+ ten|tom tat|phan loai|len ke hoach|write|create"
                    r"|sua|chinh sua|viet lai"
                    r"|list|draft|suggest|translate|dich|tinh|giai|cho (?:toi|em|minh) (?:xin )?\d)"
                    r"(?!\w)")


def _is_question(prompt: str) -> bool:
    """With a system prompt: a customer's message (answered from its facts), unless the
    message opens with a writing verb ("Viết 3 câu chào…", "Soạn tin nhắn…")."""
    f = fold(prompt)
    if _WRITE.match(f):
        return False
    fr = read(prompt)
    if prompt.rstrip().endswith("?") and not fr.fmt and not re.search(
            r"(?<!\w)(?:viet|soan|tao|lap|goi y|liet ke)(?!\w)", f):
        return True  # "Một tuần học mấy buổi?" is a customer's question, not a list to write
    return not (fr.fmt or fr.out_of_scope or (fr.kind and fr.count))


def generate(prompt: str, rng: random.Random, temperature: float | None, system: str = "") -> str:
    """The answer to a writing request, from its frame; or one honest sentence."""
    fr = read(prompt)
    if fr.out_of_scope:
        return grounded.cannot(fr.out_of_scope)
    if re.match(frame_cues()["greetings"], fold(prompt)):  # "Xin chào", "Cảm ơn nhé"
        return _generic()["thanks_reply" if fold(prompt).startswith(("cam", "thank"))
                          else "greeting_reply"]
    if fr.name is None and fr.product is None and fr.place and fr.has_task_verb:
        fr.name = fr.place  # "Viết lời cảm ơn khách đã ở Homestay Mây": the place is the business
    if fr.name is None and fr.product is None and system:
        named = read(system)  # "Bạn là nhân viên của Homestay Mây…" names the business
        fr.name, fr.place = named.name, fr.place or named.place
        fr.biz = named.biz if not fr.biz.known else fr.biz
    if fr.task == "fix":
        return compose.corrected(prompt, fr)
    if fr.task == "summary":
        source = _quoted(prompt)
        sentences = re.split(r"(?<=[.!?])\s+", source.strip())
        n = fr.sentences or fr.count or 2
        return _within(sentences[:n], fr.words[0]) if fr.words else " ".join(sentences[:n])
    if fr.task == "reply" and not fr.count:
        s = compose.slots(fr, rng)
        return compose.fill(rng.choice(_generic()["reply"]), s)
    if fr.fmt == "json":
        return compose.as_json(fr, rng, temperature)
    if fr.fmt == "table" and fr.columns:
        return compose.as_table(fr, rng, temperature)
    if fr.sentences:
        return compose.sentences(fr, rng, temperature)
    if len(fr.listed) >= 2 and fr.fmt != "table" and (fr.count in (None, len(fr.listed))):
        return compose.per_thing(fr, rng, temperature)
    if fr.kind == "message" and not fr.count and not fr.fmt:
        return compose.text_piece(fr, rng, temperature)  # "Viết tin nhắn …": one message
    if fr.count or fr.fmt in ("bullets", "numbered", "table") or (fr.kind and fr.task is None):
        return compose.listing(fr, rng, temperature)
    if fr.task or fr.channel or fr.kind == "message":
        return compose.text_piece(fr, rng, temperature)
    if fr.has_task_verb and (fr.name or fr.product) and re.search(
            r"(?<!\w)(cach|lam sao|lam the nao|goi y|tu van|ke hoach|chien luoc|tang)(?!\w)",
            fold(prompt)):
        s = compose.slots(fr, rng)
        lines = [compose.fill(x, s) for x in _generic()["fallback_advice"] if compose.usable(x, s)]
        return lines[0] + "\n" + "\n".join(f"- {x}" for x in lines[1:])
    if fr.has_task_verb and (fr.name or fr.product):
        return compose.text_piece(fr, rng, temperature)
    return grounded.cannot(None)


def _within(sentences: list[str], limit: int) -> str:
    """Whole sentences while they fit in `limit` words; never half a sentence. When the first
    alone is too long: its leading clauses (up to a comma) that fit, closed with a full stop."""
    kept: list[str] = []
    for x in sentences:
        if len(" ".join([*kept, x]).split()) > limit:
            break
        kept.append(x)
    if kept:
        return " ".join(kept)
    head = ""
    for clause in re.split(r"(?<=[,;:])\s+", sentences[0] if sentences else ""):
        if len(f"{head} {clause}".split()) > limit:
            break
        head = f"{head} {clause}".strip()
    head = head or " ".join((sentences[0] if sentences else "").split()[:limit])
    return head.rstrip(",;: ") + "." if head else head


def stream_answer(messages: list[dict], temperature: float | None = None):
    """Yield the simulated answer in small pieces, like a real streaming model."""
    text = answer(messages, temperature)
    yield from re.findall(r"\S+\s*|\s+", text)
