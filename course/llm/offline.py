"""The offline backend ("mô phỏng"): deterministic answers with no network and no key.

1. Curated answers for the lessons' and assignments' own prompts (data/offline/curated/*.json).
2. A customer-care FAQ in the system prompt (`Hỏi:` / `Đáp:` lines) is answered from its best entry.
3. Sentiment classification requests get a small lexicon classifier.
4. Anything else goes to a generator that visibly follows the prompt: how many items, which
   format (bullets, numbered, table, JSON), word/character limits, tone, product, audience, channel.

All wording lives in data files; this module only decides which pieces to use. Every answer
is returned *with* the simulation label line on top (see `label()`).
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from ..i18n import t
from ..text import fold, nfc

DATA = Path(__file__).resolve().parent.parent / "data"
MAX_READ = 6000  # characters of a prompt the simulation reads (a 50-page paste stays fast)

NUMBER_WORDS = {"mot": 1, "hai": 2, "ba": 3, "bon": 4, "tu": 4, "nam": 5, "sau": 6, "bay": 7,
                "tam": 8, "chin": 9, "muoi": 10, "one": 1, "two": 2, "three": 3, "four": 4,
                "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
_NUM = r"(\d{1,2}|" + "|".join(NUMBER_WORDS) + r")"


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


@dataclass(frozen=True)
class Product:
    short: str
    benefit: str
    place: str
    audience: str


@cache
def _products() -> list[tuple[tuple[str, ...], Product]]:
    aliases = json.loads((DATA / "offline" / "product_aliases.json").read_text(encoding="utf-8"))
    out = []
    with open(DATA / "products.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            names = aliases.get(row["ma_sp"], [fold(row["ten_sp"])])
            benefit = re.split(r"[,;]", row["diem_noi_bat"])[0].strip()
            place = row["noi_san_xuat"].split(",")[0].strip()
            out.append((tuple(names), Product(row["ten_sp"], benefit, place,
                                              row["khach_hang_muc_tieu"])))
    return out


# --------------------------------------------------------------------------- spec parsing
@dataclass
class Spec:
    count: int | None = None
    kind: str | None = None
    fmt: str | None = None  # "bullets" | "numbered" | "table" | "json" | None
    max_words: int | None = None
    max_chars: int | None = None
    tone: str = "friendly"
    tone_named: bool = False
    channel: str | None = None
    product: Product | None = None
    audience: str | None = None
    task: str | None = None  # reply | summary | translate | post | email | script
    extras: dict = field(default_factory=dict)


def _num(token: str) -> int:
    return int(token) if token.isdigit() else NUMBER_WORDS[token]


def _fold_same_length(text: str) -> str:
    """Like `fold` but keeps every position, so matches map back onto the original text."""
    out = []
    for ch in text:
        f = fold(ch) if not ch.isspace() else " "
        out.append(f[0] if f else ch)
    return "".join(out)


def parse(prompt: str) -> Spec:
    original = nfc(prompt[:MAX_READ])
    low = original.lower()
    f = _fold_same_length(low)
    g = _generic()
    spec = Spec()

    # Kind and count: "3 khẩu hiệu", "năm ý tưởng", "5 slogans".
    nouns = sorted(((n, k) for k, v in g["kinds"].items() for n in v["nouns"]),
                   key=lambda x: -len(x[0]))
    noun_re = "|".join(re.escape(n) for n, _ in nouns)
    counted = re.compile(rf"\b{_NUM}\s+(?:(?:cai|mau|loai|cau|bai)\s+)?({noun_re})s?\b")
    for m in counted.finditer(f):
        kind = dict(nouns)[m.group(2)]
        if re.search(r"(toi da|khong qua|duoi|it hon|max|at most)\s*$", f[:m.start()]):
            spec.extras[f"max_{kind}"] = _num(m.group(1))  # "tối đa 3 hashtag" is a limit
            continue
        spec.count, spec.kind = min(_num(m.group(1)), 30), kind
        spec.extras["count_at"] = m.start()
        break
    if spec.kind is None:
        for noun, kind in nouns:
            if len(noun) > 3 and re.search(rf"\b{re.escape(noun)}\b", f):
                spec.kind = kind
                break

    # Format. "bảng" (table) and "bằng" (by) fold to the same word: check the accented text.
    if "json" in f:
        spec.fmt = "json"
    elif re.search(r"\bbảng\b|\btable\b", low) or re.search(
            r"\b(dang|thanh|ke|lap|ve) bang\b|\bbang (gom|co) \d", f) and "bằng" not in low:
        spec.fmt = "table"
    elif re.search(r"gach dau dong|gach dau|bullet|cham dau dong|dau cham dau dong", f):
        spec.fmt = "bullets"
    elif re.search(r"danh so|so thu tu|numbered|1\.\s", f):
        spec.fmt = "numbered"

    # Limits: "dưới 50 từ", "tối đa 100 chữ", "không quá 150 ký tự", "under 40 words".
    limit = r"(?:duoi|toi da|khong qua|it hon|ngan hon|trong vong|trong|khoang|under|max|at most|no more than|less than|<=?)"  # noqa: E501
    m = re.search(rf"{limit}\s*(\d{{1,5}})\s*(tu|chu|words?)\b", f)
    if m:
        spec.max_words = int(m.group(1))
    m = re.search(rf"(?:{limit}\s*)?(\d{{1,5}})\s*(ky tu|characters|chars)\b", f)
    if m:
        spec.max_chars = int(m.group(1))
    if spec.max_words is None and re.search(r"ngan gon|that ngan|short|concise", f):
        spec.extras["short"] = True

    # Tone.
    for tone, data in g["tones"].items():
        if any(re.search(rf"\b{re.escape(c)}\b", f) for c in data["cues"]):
            spec.tone, spec.tone_named = tone, True
            break

    for ch in ("facebook", "zalo", "tiktok", "shopee", "lazada", "instagram", "website"):
        if ch in f:
            spec.channel = ch
            break
    if re.search(r"\bemail\b|\be-mail\b|\bthu dien tu\b", f):
        spec.channel = spec.channel or "email"

    for names, product in _products():
        if any(re.search(rf"\b{re.escape(n)}\b", f) for n in names):
            spec.product = product
            break
    if spec.product is None:
        m = re.search(r"\b(?:cho|ve|gioi thieu|quang ba|ban|san pham)\s+(?:san pham\s+|mon\s+)?"
                      r"([^,.;:\n\"“”()]{3,40})", f)
        if m:
            name = original[m.start(1):m.end(1)]
            name = re.split(r"\s(?:voi|với|danh|dành|cho|giong|giọng|duoi|dưới|toi|tối|bang|bằng"
                            r"|trong|o|ở|theo|de|để|gom|gồm|khong|không)\s", " " + name + " ")[0]
            name = name.strip()
            if name and not re.match(r"(khach|khách|nguoi|người|ban|bạn|toi|tôi)\b", name.lower()):
                spec.extras["named_product"] = name

    m = re.search(r"\b(?:danh cho|doi tuong(?: la)?|khach hang(?: muc tieu)?(?: la)|huong toi"
                  r"|nham vao|cho)\s+((?:nguoi|khach|cac|gioi|phu nu|sinh vien|me|gia dinh|nha hang"
                  r"|quan|tre|hoc sinh|nhan vien|chu)[^,.;:\n]{0,40})", f)
    if m:
        spec.audience = original[m.start(1):m.end(1)].strip()

    if re.search(r"\b(tra loi|phan hoi|xin loi)\b.*\b(khach|phan nan|khieu nai|danh gia)", f):
        spec.task = "reply"
    elif re.search(r"\btom tat\b|\bsummar", f):
        spec.task = "summary"
    elif re.search(r"\bdich\b|\btranslate\b", f):
        spec.task = "translate"
    elif re.search(r"\bkich ban\b|\bscript\b", f):
        spec.task = "script"
    elif re.search(r"\bbai (dang|viet)\b|\bpost\b|\bcaption\b|\bstatus\b|\bmo ta\b", f):
        spec.task = "post"
    elif spec.channel == "email":
        spec.task = "email"
    post_at = re.search(r"\bbai (dang|viet)\b|\bpost\b|\bcaption\b|\bstatus\b", f)
    if (spec.task == "post" and spec.kind in ("hashtag", "keyword") and post_at
            and post_at.start() < spec.extras.get("count_at", -1)):
        spec.extras["max_hashtag"] = spec.count  # "bài đăng kèm 3 hashtag": one post
        spec.count = spec.kind = None
    return spec


# --------------------------------------------------------------------------- generation
def _rng(prompt: str, temperature: float | None) -> random.Random:
    temp = round(float(temperature or 0.0), 2)
    seed_text = fold(prompt) + ("" if temp <= 0 else f"|{temp}")
    return random.Random(int(hashlib.sha256(seed_text.encode()).hexdigest()[:12], 16))


def _slots(spec: Spec, rng: random.Random) -> dict[str, str]:
    g = _generic()
    tone = g["tones"][spec.tone]
    base = g["generic_product"]
    p = spec.product
    short = p.short if p else spec.extras.get("named_product") or base["short"]
    place = p.place if p else base["place"]
    return {
        "product": short, "short": short, "short_lower": short.lower(),
        "benefit": p.benefit if p else base["benefit"],
        "place": place, "place_lower": place.lower(),
        "placeword": place.split()[-1] if place else "Quê",
        "audience": spec.audience or (p.audience if p else base["audience"]),
        "you": tone["you"], "emoji": rng.choice(tone["emoji"]), "cta": rng.choice(tone["cta"]),
        "channel": (spec.channel or "mạng xã hội").capitalize(),
        "tag": re.sub(r"\W", "", fold(short).title().replace(" ", "")) or "SanPham",
        "tagplace": re.sub(r"\W", "", fold(place).title().replace(" ", "")) or "QueNha",
    }


def _fill(template: str, slots: dict[str, str]) -> str:
    text = template.format(**slots)
    text = re.sub(r"\s+([,.!?])", r"\1", re.sub(r"[ \t]{2,}", " ", text)).strip()
    return text[0].upper() + text[1:] if text else text


def _pick(items: list[str], n: int, rng: random.Random, temperature: float | None) -> list[str]:
    order = list(items)
    if temperature:  # higher temperature: a shuffled choice
        rng.shuffle(order)
    else:  # 0: templates in order, from a start that depends on the prompt
        k = rng.randrange(len(order))
        order = order[k:] + order[:k]
    while len(order) < n:
        order += order
    return order[:n]


def _items(spec: Spec, n: int, rng: random.Random, temperature: float | None) -> list[str]:
    g = _generic()
    kind = spec.kind or "point"
    slots = _slots(spec, rng)
    out = []
    seen: set[str] = set()
    for i, tpl in enumerate(_pick(g["kinds"][kind]["items"], n, rng, temperature)):
        slots["emoji"] = rng.choice(g["tones"][spec.tone]["emoji"])
        text = _fill(tpl, slots)
        if spec.tone == "playful" and kind not in ("hashtag", "keyword") and not any(
                e and e in text for e in g["tones"]["playful"]["emoji"]):
            text = f"{text} {slots['emoji']}"  # a playful tone shows in every line
        if text in seen:  # more items than templates: keep them distinct
            text = f"{text} ({i + 1})"
        seen.add(text)
        out.append(text)
    return out


def _format(items: list[str], spec: Spec) -> str:
    label_ = _generic()["kinds"].get(spec.kind or "point", {}).get("label", "Nội dung")
    if spec.fmt == "json":
        key = fold(label_).replace(" ", "_")
        return json.dumps([{"stt": i + 1, key: x} for i, x in enumerate(items)],
                          ensure_ascii=False, indent=2)
    if spec.fmt == "table":
        rows = [f"| STT | {label_} |", "|---|---|"]
        rows += [f"| {i + 1} | {x.replace('|', '/')} |" for i, x in enumerate(items)]
        return "\n".join(rows)
    if spec.fmt == "bullets":
        return "\n".join(f"- {x}" for x in items)
    return "\n".join(f"{i + 1}. {x}" for i, x in enumerate(items))


def _post(spec: Spec, rng: random.Random, temperature: float | None) -> str:
    g = _generic()
    slots = _slots(spec, rng)
    hook = _fill(_pick(g["post"]["hooks"], 1, rng, temperature)[0], slots)
    body = _fill(_pick(g["post"]["bodies"], 1, rng, temperature)[0], slots)
    parts = [hook, body, slots["cta"]]
    if spec.channel in ("facebook", "tiktok", "instagram", "zalo", None) and spec.task != "email":
        n_tags = spec.extras.get("max_hashtag") or 3
        tags = _items(Spec(kind="hashtag", product=spec.product, tone=spec.tone), n_tags, rng,
                      None)
        parts.append(" ".join(tags))
    if spec.channel == "email" or spec.task == "email":
        tone = g["tones"][spec.tone]
        subject = f"Tiêu đề: {slots['short']} – {slots['benefit']}"
        parts = [subject, f"Kính gửi {tone['you']}," if spec.tone == "formal"
                 else f"Chào {tone['you']},", body, slots["cta"], tone["close"]]
    if spec.task == "script":
        parts = [f"Cảnh 1 (3 giây): {hook}", f"Cảnh 2 (10 giây): {body}",
                 f"Cảnh 3 (5 giây): {slots['cta']}"]
    return "\n\n".join(p for p in parts if p)


def _limit(text: str, spec: Spec) -> str:
    if spec.extras.get("short") and spec.max_words is None and spec.count is None:
        spec.max_words = 40
    if spec.max_words is not None and len(text.split()) > spec.max_words:
        kept, count = [], 0
        for line in text.split("\n"):
            room = spec.max_words - count
            if room <= 0:
                break
            toks = line.split()
            kept.append(" ".join(toks[:room]))
            count += min(room, len(toks))
        text = "\n".join(kept).rstrip(" ,;:")
    if spec.max_chars is not None and len(text) > spec.max_chars:
        cut = text[: max(spec.max_chars - 1, 1)]
        cut = cut.rsplit(" ", 1)[0] if " " in cut else cut
        text = cut.rstrip(" ,;:") + "…"
    return text


def _quoted(prompt: str) -> str:
    m = re.findall(r"[\"“](.+?)[\"”]", prompt, flags=re.S)
    if m:
        return max(m, key=len)
    return prompt.split(":", 1)[1] if ":" in prompt else prompt


def _sentiment(text: str) -> str:
    g = _generic()["sentiment"]
    f = " " + " ".join(re.findall(r"\w+", fold(text))) + " "  # punctuation must not hide words
    pos = sum(f.count(f" {w} ") for w in g["positive"])
    neg = sum(f.count(f" {w} ") for w in g["negative"])
    for neg_word in ("khong", "chua", "chang"):  # "không ngon" flips a positive word
        pos -= sum(f.count(f" {neg_word} {w} ") for w in g["positive"])
    key = "positive" if pos > neg else "negative" if neg > pos else "neutral"
    return g["labels"][key]


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
        return g["faq_unknown"]
    return g["faq_prefix"] + best[0].lower() + best[1:] if best[:1].isupper() else best


def answer(messages: list[dict], temperature: float | None = None) -> str:
    """The simulated answer to a chat request, with the label line on top."""
    system = "\n".join(str(m.get("content") or "") for m in messages if m.get("role") == "system")
    users = [str(m.get("content") or "") for m in messages if m.get("role") == "user"]
    prompt = nfc(users[-1] if users else "")[:MAX_READ]
    rng = _rng(prompt + system[:500], temperature)

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

    question = _FAQ_PAIR.sub("", prompt).strip() or prompt
    faq = _faq(system + "\n" + prompt, question)
    if faq is not None:
        return with_label(faq)

    f = fold(prompt)
    if re.search(r"phan loai|danh gia|classify|sentiment", f) and re.search(
            r"tich cuc|tieu cuc|cam xuc|sentiment|positive", f):
        verdict = _sentiment(_quoted(prompt))
        if "json" in f:
            verdict = json.dumps({"cam_xuc": verdict}, ensure_ascii=False)
        return with_label(verdict)

    spec = parse(prompt)
    if spec.task == "translate":
        return with_label(_generic()["cannot_translate"])
    if spec.task == "summary":
        source = _quoted(prompt)
        sentences = re.split(r"(?<=[.!?])\s+", source.strip())
        n = spec.count or 2
        return with_label(_limit(" ".join(sentences[:n]), spec))
    if spec.task == "reply" and not spec.count:
        slots = _slots(spec, rng)
        return with_label(_limit(_fill(rng.choice(_generic()["reply"]), slots), spec))
    if spec.count or spec.fmt in ("bullets", "numbered", "table", "json") or (
            spec.kind and spec.task is None):
        n = spec.count or 3
        text = _format(_items(spec, n, rng, temperature), spec)
        if spec.max_words or spec.max_chars:
            per = None
            if spec.max_words:
                per = max(2, (spec.max_words - 2 * n) // n)
            items = _items(spec, n, rng, temperature)
            if per:
                items = [" ".join(x.split()[:per]) for x in items]
            if spec.max_chars:
                room = max(4, (spec.max_chars - 6 * n) // n)
                items = [x if len(x) <= room else x[: room - 1].rstrip() + "…" for x in items]
            text = _format(items, spec)
        return with_label(text)
    if spec.task in ("post", "email", "script") or spec.channel:
        return with_label(_limit(_post(spec, rng, temperature), spec))
    slots = _slots(spec, rng)
    g = _generic()
    lines = [_fill(x, slots) for x in g["fallback"]]
    text = lines[0] + "\n" + "\n".join(f"- {x}" for x in lines[1:])
    return with_label(_limit(text, spec))


def stream_answer(messages: list[dict], temperature: float | None = None):
    """Yield the simulated answer in small pieces, like a real streaming model."""
    text = answer(messages, temperature)
    yield from re.findall(r"\S+\s*|\s+", text)
