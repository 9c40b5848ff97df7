"""Read a request into a frame before the offline simulation writes anything.

The frame keeps what the participant said verbatim: the product, brand, place or business they
named (any casing, with or without diacritics), how many items, the limit per item, the total
length, hashtag and emoji counts, JSON keys and table columns. `course.llm.compose` then fills
data-file templates with these values, so a homestay in Phong Nha stays a homestay in Phong Nha.

`read` runs small named readers (`_read_count`, `_read_tags`, `_read_format`, `_read_length`,
`_read_tone_and_channel`, `_read_names`, `_read_details`, `_read_task`), each filling its part
of the frame. Their cue words live in data/offline/frame.json (the "read" group, one entry
per reader) and generic.json (kinds and tones).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..text import fold, fold_chars, nfc
from .kinds import Kind, detect
from .names import Product, business_named, clean_name, named, sample_named
from .offline_data import NUMBER_WORDS, cues, generic

MAX_READ = 6000  # characters of a prompt the simulation reads (a 50-page paste stays fast)

_NUM = r"(\d{1,2}|" + "|".join(NUMBER_WORDS) + r")"


@dataclass
class Frame:
    kind: str | None = None  # slogan, greeting, headline, idea, tip, question, message, ...
    task: str | None = None  # post, email, script, reply, summary, description, json, table
    count: int | None = None
    count_at: int = -1
    item_max: int | None = None  # words per item
    words: tuple[int, str] | None = None  # (target, "about" | "max")
    chars: tuple[int, str] | None = None
    hashtags: tuple[int, str] | None = None  # (n, "exact" | "max")
    emoji: tuple[int, str] | None = None
    fmt: str | None = None  # bullets | numbered | table | json
    tone: str = "friendly"
    tone_named: bool = False
    channel: str | None = None
    name: str | None = None  # verbatim product / business the request named
    place: str | None = None  # verbatim place the request named
    product: Product | None = None  # a sample product named specifically
    audience: str | None = None
    price: str | None = None
    facts: list[str] = field(default_factory=list)  # "Dữ kiện: a; b; c" clauses, verbatim
    source: list[str] = field(default_factory=list)  # sentences of a pasted text ("… sau: …")
    keys: list[str] = field(default_factory=list)  # JSON keys
    columns: list[str] = field(default_factory=list)  # table columns
    rows: list[str] = field(default_factory=list)  # things to put one per table row
    keywords: list[str] = field(default_factory=list)  # "có các từ khóa: a, b"
    out_of_scope: str | None = None
    has_task_verb: bool = False
    short_wanted: bool = False
    cta: bool = False  # "kết thúc bằng lời kêu gọi hành động": the call to action must stay
    sentences: int | None = None  # "bài đăng 3 câu": one text of exactly this many sentences
    per_sentence: dict[int, str] = field(default_factory=dict)  # "câu cuối mời khách …"
    given: list[str] = field(default_factory=list)  # items the participant pasted, numbered
    listed: list[str] = field(default_factory=list)  # days, plans, channels listed one by one
    biz: Kind = field(default_factory=Kind)  # product, service, lodging, venue or unclear

    @property
    def label_name(self) -> str | None:
        return self.product.short if self.product else self.name


def _num(token: str) -> int:
    return int(token) if token.isdigit() else NUMBER_WORDS[token]


def _any(words: list[str]) -> str:
    """Cue pieces of frame.json as one regex alternative, in the order written."""
    return "|".join(words)


def _limit() -> str:
    return rf"(?:{_any(cues()['read']['length']['limits'])})"


def _has_word(f: str, words: list[str] | tuple[str, ...]) -> str | None:
    for w in words:
        if re.search(rf"(?<![\w]){re.escape(w)}(?![\w])", f):
            return w
    return None


def _instruction(original: str) -> str:
    """The request without a pasted text after "sau:" / quotes (a story is not an order)."""
    m = re.search(r"(?:sau|dưới đây|như sau|below|following)\s*:", original, flags=re.I)
    return original[:m.start()] if m else original


def _split_list(text: str) -> list[str]:
    parts = re.split(r"\s*(?:,|;|/|\bvà\b|\bva\b|\band\b)\s*", text)
    return [clean_name(p) for p in parts if clean_name(p)]


def _lists() -> dict:
    return cues()["read"]["lists"]


def _keys(original: str, f: str) -> list[str]:
    c = _lists()
    pattern = rf"(?:{_any(c['key_words'])})\s*(?:la|:|gom)?\s*([^.\n]{{1,120}})"
    m = re.search(r"(?:cac |nhung |voi |co |gom )" + pattern, f) or re.search(pattern, f)
    if not m:
        return []
    text = original[m.start(1):m.end(1)]
    joins, leads, stops = set(c["key_joins"]), set(c["key_leads"]), set(c["key_stops"])
    out: list[str] = []
    for token in re.findall(r"[^\s,;:\"'“”`()]+", text):
        word = token.strip(".")
        if fold(word) in joins or (not out and fold(word) in leads):
            continue
        if fold(word) in stops:
            break
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,30}", word) and word not in out:
            out.append(word)
            continue
        break  # the first ordinary word ends the list of keys
    return out[:8]


def _columns(original: str, f: str) -> list[str]:
    m = re.search(r"(?:cac |nhung )?(?:cot|columns?)\s*(?:la|:|gom)?\s*([^.\n]{1,160})", f)
    if not m:
        return []
    seg = f[m.start(1):m.end(1)]
    end = m.start(1) + _cut(original[m.start(1):m.end(1)], seg,
                            _any(_lists()["column_stops"]))
    return [c for c in _split_list(original[m.start(1):end]) if len(c) <= 30][:8]


def _cut(written: str, folded: str, words: str) -> int:
    """Where a list ends: the first stop word *as written* ("để", not "đề"; "có", not "Cơ")."""
    plain = fold(written) == written.lower()
    as_written = _lists()["as_written"]
    for c in re.finditer(rf"\s(?:{words})(?=\s)", " " + folded + " "):
        word = re.match(r"\w*", written[c.start():]).group(0)  # type: ignore[union-attr]
        first = fold(word)
        if plain and word[:1].isupper():
            continue  # "Co ban, Tieu chuan" (no diacritics): a capital starts a listed name
        if plain or word.lower() in as_written.get(first, first).split():
            return c.start() - 1 if c.start() else 0
    return len(folded)


WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


def enumeration(original: str, f: str) -> list[str]:
    """Things the request lists one by one: "từ Thứ Hai đến Thứ Sáu", "3 gói A, B, C"."""
    days = "|".join(fold(d) for d in WEEKDAYS)
    m = re.search(rf"(?:tu\s+)?({days})\s+(?:den|toi|-|–)\s+({days})(?!\w)", f)
    if m:
        names = [fold(d) for d in WEEKDAYS]
        a, b = names.index(m.group(1)), names.index(m.group(2))
        if a < b:
            return list(WEEKDAYS[a:b + 1])
    c = _lists()
    m = re.search(rf"(?<!\w){_NUM}\s+(?:loai\s+)?(?:{_any(c['enumerated_nouns'])})\s*"
                  r"(?:la|gom|:)?\s*([^.;:\n()]{3,160})", f)
    if m:
        end = m.start(2) + _cut(original[m.start(2):m.end(2)], f[m.start(2):m.end(2)],
                                _any(c["enumeration_stops"]))
        items = _split_list(original[m.start(2):end])
        lead = re.match(r"(?:[a-zà-ỹđ]\S*\s+)+(?=[A-ZĐÀ-Ỹ])", items[0]) if items else None
        if lead and all(x[:1].isupper() for x in items[1:]):
            items[0] = items[0][lead.end():]  # "3 gói chụp ảnh cưới Cơ bản, Tiêu chuẩn, …"
        items = [x for x in items if 0 < len(x.split()) <= 5]
        if len(items) == _num(m.group(1)) and len(items) >= 2:
            return items
    return []


def _default_columns(original: str, f: str, rows: list[str]) -> list[str]:
    """Columns for a table of listed things when the request named none: the thing first
    (its own noun, "Gói", "Ngày", "Kênh"), then what only the owner knows, as gaps."""
    table = cues()["table_columns"]
    if all(fold(r).startswith(("thu ", "chu nhat")) for r in rows):
        return list(table["days"])
    if all(fold(r) in cues()["read"]["channel"]["names"] or fold(r) == "tiktok shop"
           for r in rows):
        return list(table["channels"])
    m = re.search(rf"(?<!\w){_NUM}\s+(?:loai\s+)?({_any(_lists()['enumerated_nouns'])})(?!\w)",
                  f)
    head = original[m.start(2):m.end(2)] if m else table["thing"]
    return [head[:1].upper() + head[1:], *table["things"]]


def _rows(original: str, f: str, columns: list[str]) -> list[str]:
    listed = enumeration(original, f)
    if listed:
        return listed
    found = []
    for ch in cues()["read"]["channel"]["spellings"]:
        i = f.find(fold(ch))
        if i >= 0 and not any(fold(ch) in fold(x) for _, x in found):
            found.append((i, ch))  # the channel's own spelling, "zalo" -> "Zalo"
    if len(found) >= 2:
        return [x for _, x in sorted(found)]
    m = re.search(r"(?:cho|so sanh|gom|moi dong|cac)\s+(?:cac\s+|moi\s+)?(?:san pham|mon|kenh|"
                  r"goi|loai|phong)?\s*:?\s*([^.\n]{3,160})", f[f.find("cot") + 3:] if columns
                  else f)
    if m and columns:
        base = f.find("cot") + 3
        items = _split_list(original[base + m.start(1):base + m.end(1)])
        items = [x for x in items if 0 < len(x.split()) <= 5]
        if len(items) >= 2:
            return items[:10]
    return []


def read(prompt: str) -> Frame:
    """The frame of a request: each small reader below fills its part, in this order."""
    original = nfc(prompt[:MAX_READ])
    instr = _instruction(original)
    low = instr.lower()
    f = fold_chars(low)
    fr = Frame()
    _read_count(fr, f)
    _read_tags(fr, f)
    _read_format(fr, instr, low, f)
    _read_length(fr, f)
    _read_tone_and_channel(fr, f)
    _read_names(fr, instr, f)
    _read_details(fr, original, instr, low, f)
    fr.source = _pasted_sentences(nfc(prompt[:MAX_READ])[len(instr):])
    _read_task(fr, low, f)
    _sentence_plan(instr, f, fr)
    fr.listed = (fr.rows or _rows(instr, f, [])) if fr.fmt != "json" else []
    fr.given = given_items(nfc(prompt[:MAX_READ])[len(instr):] or original)
    fr.out_of_scope = _scope(f, fr)
    return fr


def _kind_nouns() -> list[tuple[str, str]]:
    """(noun, kind) of generic.json's kinds, longest noun first."""
    return sorted(((n, k) for k, v in generic()["kinds"].items() for n in v["nouns"]),
                  key=lambda x: -len(x[0]))


def _read_count(fr: Frame, f: str) -> None:
    """Kind and count: "3 khẩu hiệu", "năm ý tưởng", "5 slogans", "Liệt kê 4 món"."""
    c = cues()["read"]["count"]
    nouns = _kind_nouns()
    kind_of = dict(nouns)
    noun_re = "|".join(re.escape(n) for n, _ in nouns)
    counted = re.compile(rf"(?<!\w){_NUM}\s+(?:(?:{_any(c['classifiers'])})\s+)?({noun_re})s?"
                         r"(?!\w)")
    for m in counted.finditer(f):
        kind = kind_of[m.group(2)]
        before = f[:m.start()]
        if re.search(rf"({_any(c['inside_one_text'])})\s*$", before) and kind in (
                "hashtag", "emoji"):
            continue  # "tối đa 3 hashtag", "kèm 2 emoji" are counts inside one text
        if kind == "emoji":
            continue
        fr.count, fr.kind, fr.count_at = min(_num(m.group(1)), 30), kind, m.start()
        break
    if fr.count is None and "json" in f:  # "… JSON với khóa ten_mon, gia, 4 món"
        m = re.search(rf"(?<!\w){_NUM}\s+(?:{_any(c['json_items'])})(?!\w)", f)
        if m:
            fr.count = min(_num(m.group(1)), 30)
    if fr.count is None:  # "Liệt kê 4 món …": a count without a known noun
        m = re.search(rf"(?<!\w)(?:{_any(c['verbs'])})"
                      r"\s+(?:gom\s+|co\s+)?(\d{1,2}|hai|ba|bon|nam|sau|bay|tam|chin|muoi)"
                      r"\s+[a-z]", f)  # digits or Vietnamese numbers: "tên" is not "ten"
        if m:
            fr.count, fr.count_at = min(_num(m.group(1)), 30), m.start()
    if fr.kind is None:
        safe = set(c["safe_nouns"])
        for noun, kind in nouns:
            if kind == "cta":
                continue  # "kết thúc bằng lời kêu gọi hành động": a part of one text, no list
            if (" " in noun or noun in safe) and re.search(
                    rf"(?<!\w){re.escape(noun)}(?!\w)", f):
                fr.kind = kind
                break


def _read_tags(fr: Frame, f: str) -> None:
    """Hashtag and emoji counts: "kèm 3 hashtag", "tối đa 2 emoji", "không dùng emoji"."""
    c = cues()["read"]["tags"]
    for what in ("hashtag", "emoji"):
        n = None
        m = re.search(rf"({_any(c['at_most'])})?\s*{_NUM}\s+(?:{_any(c['words'][what])})"
                      r"s?(?!\w)", f)
        if m and not (fr.kind == what and fr.count_at == m.start(2)):
            n = (_num(m.group(2)), "max" if m.group(1) else "exact")
        if re.search(rf"({_any(c['negations'])})\s+(?:(?:{_any(c['negated_verbs'])})\s+)?"
                     rf"(?:{_any(c['negated_words'][what])})", f):
            n = (0, "exact")
        if n is not None:
            setattr(fr, "hashtags" if what == "hashtag" else "emoji", n)


def _read_format(fr: Frame, instr: str, low: str, f: str) -> None:
    """JSON (and its keys), table (columns, rows), bullets or numbered."""
    c = cues()["read"]["format"]
    if "json" in f:
        fr.fmt = "json"
    elif re.search(r"(?<!\w)bảng(?!\w)|\btable\b", low) or (re.search(
            rf"\b({_any(c['table_verbs'])}) bang\b", f) and "bằng" not in low):
        fr.fmt = "table"
    elif re.search(_any(c["bullets"]), f):
        fr.fmt = "bullets"
    elif re.search(_any(c["numbered"]), f):
        fr.fmt = "numbered"
    if fr.fmt == "json":
        fr.keys = _keys(instr, f)
    if fr.fmt == "table":
        fr.columns = _columns(instr, f)
        fr.rows = _rows(instr, f, fr.columns)
        if fr.rows and not fr.columns:  # "bảng so sánh 3 gói A, B, C": columns that fit them
            fr.columns = _default_columns(instr, f, fr.rows)


def _read_length(fr: Frame, f: str) -> None:
    """Per-item limit ("mỗi câu dưới 12 từ"), total words or characters, "ngắn gọn"."""
    c = cues()["read"]["length"]
    limit, about = _limit(), _any(c["about"])
    per = re.search(rf"(?<!\w)(?:{_any(c['each'])})(?!\w)[^,.;\n\d]{{0,30}}?{limit}?\s*"
                    rf"(\d{{1,3}})\s*({_any(c['words'])})(?!\w)", f)
    if per:
        k = int(per.group(1))
        strict = any(s in f[per.start():per.end()] for s in c["strict"])
        fr.item_max = max(3, k - 1 if strict else k)
    for m in re.finditer(rf"(?:{limit}\s*)?(\d{{1,5}})\s*({_any(c['words'])})(?!\w)", f):
        if per and per.start() <= m.start() < per.end():
            continue
        mode = "about" if re.search(about, f[m.start():m.end()]) \
            or not re.search(limit, f[m.start():m.end()]) else "max"
        fr.words = (int(m.group(1)), mode)
        break
    for m in re.finditer(rf"(?:{limit}\s*)?(\d{{1,5}})\s*({_any(c['chars'])})(?!\w)", f):
        mode = "about" if re.search(about, f[m.start():m.end()]) else "max"
        fr.chars = (int(m.group(1)), mode)
        break
    if re.search(_any(c["short"]), f) or re.search(
            rf"(?<!\w)(?:{_any(c['short_texts'])})\s+(?:\w+\s+){{0,2}}ngan(?!\w)", f):
        fr.short_wanted = True  # "bài đăng Zalo ngắn"


def _read_tone_and_channel(fr: Frame, f: str) -> None:
    """The tone named (generic.json's tones) and the channel (first found), e-mail last."""
    for tone, data in generic()["tones"].items():
        if any(re.search(rf"(?<!\w){re.escape(x)}(?!\w)", f) for x in data["cues"]):
            fr.tone, fr.tone_named = tone, True
            break
    c = cues()["read"]["channel"]
    for ch in c["names"]:
        if ch in f:
            fr.channel = ch
            break
    if re.search(_any(c["email"]), f):
        fr.channel = fr.channel or "email"


def _read_names(fr: Frame, instr: str, f: str) -> None:
    """The product or business named, the place, a sample product, the kind of business."""
    business, span = business_named(instr, f)
    fr.name, fr.place = named(instr, f, span)
    if business and (fr.name is None or fold(business) in fold(fr.name)
                     or fold(fr.name) in fold(business)):
        fr.name = business  # "lớp của tôi" after "Tôi mở lớp dạy bơi": the business
    elif business and fold(fr.name) not in fold(business):
        fr.name = f"{fr.name} của {business}"  # "phòng đôi của homestay Mây ở Phong Nha"
    if fr.name:  # "về Homestay Mây của Homestay Mây" (product and business are one): once
        same = re.fullmatch(r"(.+?)\s+của\s+(.+)", fr.name, flags=re.IGNORECASE)
        if same and fold(same.group(1)) == fold(same.group(2)):
            fr.name = same.group(1)
    if fr.name and fold(instr) == instr.lower() and fr.name[:1].islower():
        # typed without diacritics or capitals: one spelling, a name's, in every sentence
        fr.name = " ".join(w[:1].upper() + w[1:] for w in fr.name.split())
    fr.product = sample_named(instr, f, fr)
    fr.biz = detect(fr.name or "", business or "", fr.product.short if fr.product else "")


def _read_details(fr: Frame, original: str, instr: str, low: str, f: str) -> None:
    """Call to action, audience, price, the owner's facts and keywords, verbatim."""
    c = cues()["read"]["details"]
    fr.cta = bool(re.search(_any(c["cta"]), f))
    m = re.search(rf"(?<!\w)(?:{_any(c['audience_triggers'])})\s+"
                  rf"((?:{_any(c['audience_heads'])})[^,.;:\n]{{0,40}})", f)
    if m:
        fr.audience = original[m.start(1):m.end(1)].strip()
    m = re.search(r"(\d{1,3}(?:[.,]\d{3})+|\d+\s?(?:k|nghin|ngan|trieu)(?!\w))"
                  r"\s*(?:dong|d|vnd)?(?!\w)(?:\s*/\s*\w+)?", fold_chars(original.lower()))
    if m:
        fr.price = original[m.start():m.end()].strip()
    m = re.search(rf"(?:{_any(c['facts'])})\s*:\s*([^\n]{{5,600}})", fold_chars(low))
    if m:
        seg = instr[m.start(1):m.end(1)]
        seg = re.split(r"\.\s+(?=[A-ZĐÀ-Ỹ])", seg)[0]
        fr.facts = [x.strip(" .") for x in seg.split(";") if len(x.strip()) > 3][:6]
    if not fr.facts:  # "về dịch vụ … (giặt sấy 15.000 đồng/kg, giao nhận tận nhà, mở 7:00–21:00)"
        for m in re.finditer(r"\(([^()\n]{5,300})\)", instr):
            parts = [x.strip(" .") for x in re.split(r"[,;]\s+", m.group(1)) if x.strip(" .")]
            if len(parts) >= 2 and all(1 <= len(x.split()) <= 12 for x in parts):
                fr.facts = parts[:6]
                break
    m = re.search(r"(?:cac |nhung )?tu khoa\s*(?:sau)?\s*:\s*([^.\n]{2,200})", f)
    if m and fr.kind != "keyword":
        fr.keywords = _split_list(instr[m.start(1):m.end(1)])[:6]


def _pasted_sentences(pasted: str) -> list[str]:
    """Sentences of a text pasted after "sau:" (kept verbatim, a few)."""
    if not pasted.strip():
        return []
    sentences = re.split(r"(?<=[.!?])\s+", pasted.split(":", 1)[-1].strip())
    return [x.strip() for x in sentences if 3 <= len(x.split()) <= 35][:6]


def _read_task(fr: Frame, low: str, f: str) -> None:
    """What kind of text (fix, reply, summary, script, description, post, email), and the
    counts that a single text turns into ("bài đăng kèm 3 hashtag", "Viết 1 bài đăng")."""
    c = cues()["read"]["task"]
    fr.has_task_verb = bool(_has_word(f, cues()["task_verbs"]))
    if re.match(c["fix"], low) or (fold(low) == low and re.match(c["fix_plain"], f)):
        fr.task = "fix"  # "Sửa bài đăng sau: …": the given text, corrected
        fr.has_task_verb = True
    else:
        for task, pattern in c["order"]:
            if re.search(pattern, f) and not (task == "description" and fr.count):
                fr.task = task
                break
        else:
            if fr.channel == "email":
                fr.task = "email"
    if fr.channel == "email" and fr.task in ("post", None):
        fr.task = "email"
    if fr.task in ("post", "email", "description", "script") and fr.kind in ("hashtag", "keyword")\
            and fr.count_at > 0:
        post_at = re.search(c["one_text"], f)
        if post_at and post_at.start() < fr.count_at and fr.kind == "hashtag":
            fr.hashtags = (fr.count or 3, "exact")  # "bài đăng kèm 3 hashtag": one post
            fr.count = fr.kind = None
    if fr.count == 1 and fr.kind in (None, "message") and (
            fr.task in ("post", "email", "description", "script") or fr.kind == "message"):
        fr.count = None  # "Viết 1 bài đăng": one text, not a numbered list of one
    if fr.fmt == "table" and fr.count is None and not fr.rows:
        periods = _any(cues()["read"]["count"]["table_periods"])
        m = re.search(rf"(?<!\w){_NUM}\s+(?:{periods})(?!\w)", f)
        if m:
            fr.count = min(_num(m.group(1)), 31)


_ORDINALS = {"dau": 0, "dau tien": 0, "thu nhat": 0, "thu hai": 1, "thu 2": 1, "thu ba": 2,
             "thu 3": 2, "thu tu": 3, "thu 4": 3, "thu nam": 4, "thu 5": 4}


def _sentence_plan(original: str, f: str, fr: Frame) -> None:
    """"Bài đăng 3 câu, câu cuối mời khách hẹn giờ": one text, N sentences, the last one given."""
    for m in re.finditer(r"(?<!\w)cau (dau tien|dau|cuoi cung|cuoi|thu (?:nhat|hai|ba|tu|nam|\d))"
                         r"\s*(?::|la|phai|thi|se|nen)?\s+([^,.;\n]{3,80})", f):
        where = m.group(1)
        at = -1 if where.startswith("cuoi") else _ORDINALS.get(where, 0)
        fr.per_sentence[at] = original[m.start(2):m.end(2)].strip()
    counted = fr.kind == "point" and fr.count and re.search(
        rf"(?<!\w){_NUM}\s+cau(?!\w)(?! hoi| chao| slogan| khau hieu| tra loi)", f)
    if counted and (fr.per_sentence or fr.task in ("post", "email", "description")
                    or fr.channel or re.search(r"(?<!\w)(?:doan|bai|tin nhan|loi)(?!\w)", f)):
        fr.sentences, fr.count, fr.kind = fr.count, None, None


_GIVEN = re.compile(r"(?:^|\s)(\d{1,2})[.)]\s+(.+?)(?=\s+\d{1,2}[.)]\s|$)", re.S)


def given_items(text: str) -> list[str]:
    """Numbered items (or one per line, or quoted) the participant pasted after "sau:"."""
    text = text.split(":", 1)[1] if ":" in text[:200] else text
    found = [(int(a), b.strip()) for a, b in _GIVEN.findall(text)]
    if len(found) >= 2 and [n for n, _ in found] == list(range(1, len(found) + 1)):
        return [b for _, b in found]
    quoted = re.findall(r"[\"“]([^\"“”]{3,400})[\"”]", text)
    if len(quoted) >= 2:
        return [q.strip() for q in quoted]
    lines = [x.strip(" -•*\t") for x in text.splitlines() if len(x.strip(" -•*\t").split()) >= 2]
    return lines if len(lines) >= 2 else []


def _scope(f: str, fr: Frame) -> str | None:
    """Why the request is outside what the simulation can do, or None."""
    c = cues()["out_of_scope"]
    if re.search(cues()["math_expression"], f) and not fr.kind and not fr.task and not \
            fr.has_task_verb:
        return "maths"
    for reason in ("translate", "code", "maths", "knowledge", "analysis"):
        hit = _has_word(f, c[reason])
        if hit is None:
            continue
        if reason == "analysis" and (fr.columns or fr.kind not in (None, "point")):
            continue  # "lập bảng so sánh với các cột …", "5 ý tưởng phân tích": a frame exists
        if reason == "translate" and re.search(r"dich vu|muc dich", f) and not re.search(
                r"(?<!muc )(?<!\w)dich(?! vu)(?!\w)", f):
            continue
        return reason
    return None
