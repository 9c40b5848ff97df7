"""Write the offline answer from a frame (course/llm/frame.py) and data-file templates.

Every value the request gave is slotted in as written; counts, limits and formats are met by
choosing whole templates that fit, never by cutting sentences into fragments.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from dataclasses import dataclass

from ..text import fold, nfc
from .frame import Frame
from .kinds import bank
from .offline_data import generic

EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf\u2b50\u2764]\ufe0f?")
_HASHTAG = re.compile(r"#\w+")


def rng_for(prompt: str, temperature: float | None) -> random.Random:
    temp = round(float(temperature or 0.0), 2)
    seed_text = fold(prompt) + ("" if temp <= 0 else f"|{temp}")
    return random.Random(int(hashlib.sha256(seed_text.encode()).hexdigest()[:12], 16))


def _tag(text: str) -> str:
    return re.sub(r"\W", "", fold(text).title().replace(" ", ""))


def _core(name: str) -> str:
    """The part of a name a hashtag keeps: "phòng đôi của homestay Mây ở Phong Nha" -> business."""
    name = re.split(r"\s+(?:ở|tại)\s+", name)[0]
    head, _, owner = name.rpartition(" của ")
    if not head or fold(owner) in {"toi", "minh", "em", "chung toi", "chung em", "ban", "nha toi",
                                   "gia dinh toi", "anh", "chi"}:
        return head or name  # "homestay của tôi" -> "homestay"
    return owner


def slots(fr: Frame, rng: random.Random) -> dict[str, str]:
    g = generic()
    tone = g["tones"][fr.tone]
    kind = fr.biz
    base = g["generic_product"]
    p = fr.product
    short = p.short if p else fr.name or base["short"]
    place = fr.place or (p.place if p else base["place"])
    base_words = (place or _core(short)).split()
    word = " ".join(w[:1].upper() + w[1:] for w in base_words[-2:])  # "Đồng Hới", "Mây"
    return {
        "product": short, "short": short, "benefit": p.benefit if p else "",
        "place": place, "audience": fr.audience or (p.audience if p else ""),
        "you": tone["you"], "emoji": rng.choice(tone["emoji"]),
        "cta": rng.choice(bank(tone["cta"], kind)),
        "channel": (fr.channel or "mạng xã hội").capitalize(), "word": word,
        "tag": _tag(_core(short)) if (p or fr.name) else "", "tagplace": _tag(place),
        "price": fr.price or "", "named": "1" if (p or fr.name) else "",
    }


def fill(template: str, s: dict[str, str]) -> str:
    text = template.format(**s)
    text = re.sub(r"\s+([,.!?:])", r"\1", re.sub(r"[ \t]{2,}", " ", text)).strip(" –-")
    first = text.split()[0] if text else ""
    if any(ch.isupper() for ch in first[1:]):
        return text  # "iPhone", "eShop": a name's own casing stays as written
    return text[0].upper() + text[1:]  # a sentence starts with a capital, even on a name


def _order(items: list[str], rng: random.Random, temperature: float | None,
           keep: bool = False) -> list[str]:
    order = list(items)
    if keep:  # a plan's weeks stay in order
        return order
    if temperature:
        rng.shuffle(order)
    else:  # 0: in order, from a start that depends on the prompt
        k = rng.randrange(len(order))
        order = order[k:] + order[:k]
    return order


def usable(tpl: str, s: dict[str, str]) -> bool:
    """A template is used only when the request gave what it needs (no invented facts)."""
    needs = {"place": "place", "tagplace": "place", "price": "price", "benefit": "benefit",
             "audience": "audience", "tag": "tag"}
    return all(s[v] or f"{{{k}}}" not in tpl for k, v in needs.items())


def items(fr: Frame, n: int, rng: random.Random, temperature: float | None,
          budget: int | None = None, room: int | None = None) -> list[str]:
    """n distinct complete items, each 3..limit words (and <= room characters) when limited."""
    g = generic()
    kind = fr.kind or "point"
    s = slots(fr, rng)
    limit = min(x for x in (fr.item_max, budget, 10_000) if x is not None)
    pool = [t for t in _order(bank(g["kinds"][kind]["items"], fr.biz), rng, temperature,
                              kind == "plan")
            if usable(t, s)]
    if kind == "name":
        s["word"] = _tag(s["word"]) and s["word"]
    filled = []
    for tpl in pool:
        if fr.tone != "playful" or kind in ("hashtag", "keyword"):
            s["emoji"] = "" if "{emoji}" in tpl and fr.tone == "formal" else s["emoji"]
        text = fill(tpl, s)
        if fr.tone == "playful" and kind not in ("hashtag", "keyword") and not EMOJI.search(text):
            text = f"{text} {rng.choice(g['tones']['playful']['emoji'])}"
        filled.append(text)
    if kind == "point":  # "5 ý nổi bật … dựa trên câu chuyện sau": the owner's facts first
        own = [x.rstrip(".") for x in fr.facts]
        if len(own) > n and not fr.source:  # 3 facts in 2 sentences: all of them
            own = [", ".join(own[i::n]) for i in range(n)]
        own = [x[:1].upper() + x[1:] for x in own]  # "giao nhận tận nhà" as an item: a capital
        filled = own + [x.rstrip(".") for x in fr.source] + filled
    if kind == "hashtag":  # the business's own tag first
        own = f"#{s['tag']}"
        filled = list(dict.fromkeys(([own] if own in filled else []) + filled))
    given = set(own) if kind == "point" else set()  # "Mở 8:00–18:00": a fact, however short
    fits = [x for x in filled if (kind in ("hashtag", "keyword", "name") or
                                  (3 if x not in given else 1) <= len(x.split()) <= limit)
            and (room is None or len(x) <= room)]
    if len(fits) < n:  # fall back on short stock phrases that still fit
        stock = [x for x in g["short_items"] if 3 <= len(x.split()) <= limit
                 and (room is None or len(x) <= room) and x not in fits]
        fits += stock
    if not fits:
        fits = sorted(filled, key=len)
    out: list[str] = []
    i = 0
    while len(out) < n:
        x = fits[i % len(fits)]
        if i >= len(fits):  # more items than templates: vary the tail, keep it whole
            x = f"{x.rstrip('.!')} ({i // len(fits) + 1})" if kind not in ("hashtag",) \
                else f"{x}{i // len(fits) + 1}"
        out.append(x)
        i += 1
    name = fr.label_name
    if name and kind not in ("hashtag", "name") and not any(name.lower() in x.lower()
                                                            for x in out):
        for j, x in enumerate(out):  # the named product goes into the first item that has room
            cand = f"{name}: {x[0].lower()}{x[1:]}"
            if not any(ch.isupper() for ch in cand.split()[0][1:]):  # "iPhone" stays
                cand = cand[:1].upper() + cand[1:]  # an item starts with a capital, even a name
            if len(cand.split()) <= limit and (room is None or len(cand) <= room):
                out[j] = cand
                break
    return out


def format_list(values: list[str], fr: Frame) -> str:
    label = generic()["kinds"].get(fr.kind or "point", {}).get("label", "Nội dung")
    if fr.fmt == "table":
        rows = [f"| STT | {label} |", "|---|---|"]
        rows += [f"| {i + 1} | {x.replace('|', '/')} |" for i, x in enumerate(values)]
        return "\n".join(rows)
    if fr.fmt == "bullets":
        return "\n".join(f"- {x}" for x in values)
    return "\n".join(f"{i + 1}. {x}" for i, x in enumerate(values))


def listing(fr: Frame, rng: random.Random, temperature: float | None) -> str:
    n = fr.count or 3
    budget = room = None
    if fr.words:  # a total limit shares out over the items; "1." or "-" is a word too
        budget = max(3, fr.words[0] // n - 1)
    if fr.chars:
        room = max(8, fr.chars[0] // n - 6)
    values = items(fr, n, rng, temperature, budget, room)
    text = format_list(values, fr)
    name = fr.label_name
    if name and name.lower() not in text.lower():
        text = f"{name}:\n{text}"
    return text


# --------------------------------------------------------------------------- one text
def _hashtags(fr: Frame, rng: random.Random, n: int) -> list[str]:
    sub = Frame(kind="hashtag", name=fr.name, place=fr.place, product=fr.product, biz=fr.biz)
    tags = items(sub, max(n, 1) + 2, rng, None) if n else []
    s = slots(sub, rng)
    own = [f"#{s['tag']}"] + ([f"#{s['tagplace']}"] if s["place"] else [])
    ordered = [x for x in own if x in tags] + [x for x in tags if x not in own]
    return ordered[:n]  # the business's own tag first


def _emoji(fr: Frame, rng: random.Random, n: int) -> list[str]:
    pool = [e for t in generic()["tones"].values() for e in t["emoji"] if e]
    pool = list(dict.fromkeys(pool))
    rng.shuffle(pool)
    return [pool[i % len(pool)] for i in range(n)]


def _measure(parts: list[str], by_chars: bool) -> int:
    text = "\n\n".join(parts)
    return len(text) if by_chars else len(text.split())


def _fit(head: list[str], pool: list[str], tail: list[str], fr: Frame,
         reserve: int = 0) -> list[str] | None:
    """Whole sentences: add from `pool` until the length target is reached, never past it.

    `reserve` is room kept for what is added afterwards (emoji). None when even the head and
    the tail alone are too long: the caller tries fewer hashtags or a shorter opening.
    """
    target = fr.chars or fr.words
    by_chars = fr.chars is not None
    if target is None:
        short = fr.short_wanted
        return head + pool[: 1 if short else 3] + tail
    n, mode = target
    lo, hi = (0.8 * n, 1.2 * n) if mode == "about" else (0.75 * n, n)
    hi -= reserve
    if _measure(head + tail, by_chars) > hi:
        return None
    body: list[str] = []
    for sentence in pool:
        trial = [" ".join(body + [sentence])] if body else [sentence]
        if _measure(head + trial + tail, by_chars) > hi:
            continue
        body.append(sentence)
        if _measure(head + [" ".join(body)] + tail, by_chars) >= lo - reserve:
            break
    return head + ([" ".join(body)] if body else []) + tail


def _cut(parts: list[str], fr: Frame, reserve: int) -> list[str]:
    """Last resort for a tiny limit: the first sentence, cut at a word."""
    by_chars = fr.chars is not None
    n, mode = fr.chars or fr.words  # type: ignore[misc]
    hi = (1.2 * n if mode == "about" else n) - reserve
    words = parts[0].split()
    while words and _measure([" ".join(words)], by_chars) > hi:
        words.pop()
    return [" ".join(words)]


def text_piece(fr: Frame, rng: random.Random, temperature: float | None) -> str:
    """A post, e-mail, product description, message or script for the named product."""
    g = generic()
    s = slots(fr, rng)
    if fr.emoji is not None or fr.tone == "formal":
        s["emoji"] = ""
    hooks = [h for h in bank(g["post"]["hooks"], fr.biz) if usable(h, s)]
    if fr.kind == "message":  # one message, not a post
        hooks = [h for h in bank(g["kinds"]["message"]["items"], fr.biz) if usable(h, s)]
    hook = fill(_order(hooks, rng, temperature)[0], s)
    bodies = [b for b in bank(g["post"]["bodies"], fr.biz) if usable(b, s)]
    if s["place"] and s["place"].lower() not in s["short"].lower():
        bodies = bank(g["post"]["place_bodies"], fr.biz)[:1] + bodies
    facts = fr.facts + fr.source  # the request's own facts and story come first, as written
    if s["price"] and any(s["price"] in x for x in facts):
        bodies = [b for b in bodies if "{price}" not in b]  # the story already says the price
    pool = [f"{x}." if not x.endswith((".", "!", "?")) else x for x in facts]
    first = [b for b in bodies if "{price}" in b or "{audience}" in b]  # their numbers first
    pool += [fill(b, s) for b in first + _order([b for b in bodies if b not in first], rng,
                                                temperature)]
    if fr.keywords:
        pool.insert(0, "Từ khóa: " + ", ".join(fr.keywords) + ".")
    cta = [s["cta"]]
    if s["cta"] in hook:  # a message template carries its own call to action
        if fr.cta:  # "kết thúc bằng lời kêu gọi": it goes last
            hook = hook.replace(s["cta"], "").strip()
        else:
            cta = []
    want_tags = fr.task in ("post", None) and fr.channel not in ("email", "website")
    n_tags = fr.hashtags[0] if fr.hashtags else (3 if want_tags and fr.task == "post" else 0)
    tags = _hashtags(fr, rng, n_tags)
    n_emoji = fr.emoji[0] if fr.emoji else None
    if n_emoji is not None:
        hook = EMOJI.sub("", hook).strip()
        pool = [EMOJI.sub("", x).strip() for x in pool]
        cta = [EMOJI.sub("", x).strip() for x in cta]
    reserve = 0
    if n_emoji:
        reserve = 3 * n_emoji if fr.chars else n_emoji  # " ❤️" is up to 3 characters, 1 word
    exact_tags = bool(fr.hashtags and fr.hashtags[1] == "exact")
    if fr.task == "email":
        tone = g["tones"][fr.tone]
        subject = f"{s['short']} – {s['benefit']}" if s["benefit"] else \
            f"{s['short']} gửi lời chào"
        head = [f"Tiêu đề: {subject}",
                f"Kính gửi {tone['you']}," if fr.tone == "formal" else f"Chào {tone['you']},"]
        parts = _fit(head, pool, cta + [tone["close"]], fr, reserve) or \
            _cut(head, fr, reserve)
    elif fr.task == "script":
        scenes = _fit([hook], pool, cta, fr, reserve) or _cut([hook], fr, reserve)
        parts = [f"Cảnh {i + 1}: {x}" for i, x in enumerate(scenes)]
        if len(parts) > 2 and (fr.words or fr.chars):
            parts = _fit(parts[:1], parts[1:-1], parts[-1:], fr, reserve) or parts
    else:
        found = None
        short_hook = f"{s['short']}!"
        for k in range(len(tags), (len(tags) if exact_tags else 0) - 1, -1):
            tail = cta + ([" ".join(tags[:k])] if k else [])
            for opening in (hook, short_hook):  # fewer hashtags first, then a shorter opening
                found = _fit([opening], pool, tail, fr, reserve)
                if found is not None:
                    break
            if found is not None:
                break
        parts = found or _cut([hook], fr, reserve)
    text = "\n\n".join(p for p in parts if p)
    if n_emoji:
        marks = _emoji(fr, rng, n_emoji)
        first, _, rest = text.partition("\n\n")
        text = f"{first} {marks[0]}" + ("\n\n" + rest if rest else "")
        if len(marks) > 1:
            text = text.replace("\n\n", f" {' '.join(marks[1:])}\n\n", 1) if rest else \
                f"{text} {' '.join(marks[1:])}"
    return text


# --------------------------------------------------------------------------- structured
_CONTENT_COLS = re.compile(
    r"\b(chu de|noi dung|y tuong|bai dang|bai viet|tieu de|goi y|thong diep|loi chao|khau hieu"
    r"|slogan|mo ta|cau|hashtag|tin nhan|hoat dong|viec can lam|content|idea|topic|post"
    r"|message|headline|caption)\b")


def _value(key: str, i: int, fr: Frame, values: list[str], s: dict[str, str]) -> object:
    """One cell: the request's own value, a written item, or a visible gap, never a guess."""
    k = fold(key.replace("_", " "))
    listed = len(fr.rows) > 1
    if fr.kind and k in generic()["kinds"][fr.kind]["nouns"]:
        return values[i % len(values)]  # "3 tiêu đề … khóa tieu_de": the items themselves
    if re.search(r"\b(gia|price|cost|tien|phi)\b", k) and not re.search(r"chi phi|ngan sach", k):
        # one price given for the business; each listed plan or room has its own (a gap)
        return fr.price if fr.price and not listed else f"[{key.lower()} của bạn]"
    if re.search(r"\b(stt|id|so thu tu|index|no)\b", k):
        return i + 1
    if re.fullmatch(r"(ten|name|ten (san pham|sp|cua hang|doanh nghiep|co so)|product( name)?)",
                    k):
        return s["short"] if i == 0 else f"[{key} {i + 1}]"
    if re.search(r"\b(ten|name|title)\b", k) and not _CONTENT_COLS.search(k):
        # "ten_mon", "ten_phong": only the owner knows them, so a visible gap, never a guess.
        return f"[{key} {i + 1}]"
    if re.search(r"\b(kenh|channel)\b", k):
        channels = [r for r in fr.rows if fold(r) in CHANNEL_SET]
        if channels:
            return channels[i % len(channels)]
        return fr.channel.capitalize() if fr.channel else ("Facebook", "Zalo", "TikTok")[i % 3]
    if re.search(r"\b(hashtag|tag)\b", k):
        return f"#{s['tag']}" if s["tag"] else "[hashtag của bạn]"
    if re.search(r"\b(ngay|date|thoi gian|gio|time|thu)\b", k):
        days = [r for r in fr.rows if fold(r).startswith(("thu ", "chu nhat"))]
        return days[i % len(days)] if days else f"Ngày {i + 1}"
    if re.search(r"\b(ngan sach|chi phi|budget|so tien)\b", k):
        return "[số tiền]"
    if re.search(r"\b(khach|doi tuong|audience|customer)\b", k):
        return fr.audience or f"[{key.lower()}]"
    if _CONTENT_COLS.search(k) or k in ("y", "diem"):
        return values[i % len(values)]
    return f"[{key.lower()}]"  # a fact only the owner knows: a visible gap


CHANNEL_SET = {"zalo", "facebook", "tiktok", "tiktok shop", "shopee", "lazada", "instagram",
               "website", "youtube", "email", "e-mail"}


def as_json(fr: Frame, rng: random.Random, temperature: float | None) -> str:
    s = slots(fr, rng)
    n = fr.count or (1 if fr.keys and not re.search(r"mang|danh sach|list|array|cac",
                                                     fold(" ".join(fr.rows))) else 3)
    values = items(fr, max(n, 3), rng, temperature)
    if not fr.keys:
        label = generic()["kinds"].get(fr.kind or "point", {}).get("label", "Nội dung")
        key = fold(label).replace(" ", "_")
        data: object = [{"stt": i + 1, key: values[i]} for i in range(n)]
    else:
        data = [{k: _value(k, i, fr, values, s) for k in fr.keys} for i in range(n)]
        if fr.count is None and n == 1:
            data = data[0]  # type: ignore[index]
    return json.dumps(data, ensure_ascii=False, indent=2)


def as_table(fr: Frame, rng: random.Random, temperature: float | None) -> str:
    if not fr.columns:
        return listing(fr, rng, temperature)
    s = slots(fr, rng)
    things = fr.rows or []
    n = len(things) or fr.count or 3
    sub = fr
    if fr.kind in (None, "plan", "point") and not re.search(r"tuan", fold(" ".join(things))):
        sub = Frame(**{**fr.__dict__, "kind": "idea"})  # one idea per day, plan or channel
    values = items(sub, n, rng, temperature, room=90)
    head = "| " + " | ".join(fr.columns) + " |"
    rows = [head, "|" + "---|" * len(fr.columns)]
    for i in range(n):
        cells = []
        for j, col in enumerate(fr.columns):
            if j == 0 and things:
                cells.append(things[i])
                continue
            v = _value(col, i, fr, values[j:] + values[:j], s)
            cells.append(str(v).replace("|", "/"))
        rows.append("| " + " | ".join(cells) + " |")
    text = "\n".join(rows)
    name = fr.label_name
    if name and name.lower() not in text.lower():
        text = f"{name}:\n\n{text}"
    return text


# --------------------------------------------------------------------------- N sentences
def _said(instruction: str, s: dict[str, str]) -> str:
    """"mời khách hẹn giờ lấy đồ" -> "Mời bạn hẹn giờ lấy đồ." (the participant's own words)."""
    text = re.sub(r"(?<!\w)(?:kêu gọi|rủ)(?!\w)", "mời", instruction.strip(), flags=re.I)
    text = re.sub(r"(?<!\w)khách(?: hàng)?(?!\w)", s["you"], text, flags=re.I)
    if re.match(r"(?:nêu|ghi|nói|báo)\s+(?:rõ\s+)?giá", text, flags=re.I):
        return f"Giá: {s['price'] or '[giá của bạn]'}."
    if re.match(r"giới thiệu", text, flags=re.I):
        return f"Giới thiệu với {s['you']}: {s['short']}."
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def sentences(fr: Frame, rng: random.Random, temperature: float | None) -> str:
    """One text of exactly fr.sentences sentences; "câu cuối …" instructions in their place."""
    g = generic()
    s = slots(fr, rng)
    n = fr.sentences or 3
    limit = fr.item_max or 10_000
    if fr.emoji is not None or fr.tone == "formal":
        s["emoji"] = ""

    def ok(x: str) -> bool:
        return 2 <= len(x.split()) <= limit and len(re.findall(r"[.!?](?:\s|$)", x + " ")) <= 1

    fixed = {(k if k >= 0 else n + k): _said(v, s) for k, v in fr.per_sentence.items()}
    pool = [f"{x.rstrip('.')}." for x in fr.facts + fr.source]
    hooks = [fill(h, s) for h in bank(g["post"]["hooks"], fr.biz) if usable(h, s)]
    pool = [x for x in _order(hooks, rng, temperature) if "?" not in x][:1] + pool
    bodies = [b for b in bank(g["post"]["bodies"], fr.biz) if usable(b, s)]
    first = [b for b in bodies if "{price}" in b or "{audience}" in b]
    pool += [fill(b, s) for b in first + _order([b for b in bodies if b not in first], rng,
                                                temperature)]
    pool += [fill(x, s) for x in bank(g["kinds"]["point"]["items"], fr.biz) if usable(x, s)]
    pool += list(g["short_items"])
    pool = list(dict.fromkeys(EMOJI.sub("", x).strip() if fr.emoji is not None else x
                              for x in pool))
    chosen = [x for x in pool if ok(x) and x not in fixed.values()]
    out: list[str] = []
    for i in range(n):
        if i in fixed:
            out.append(fixed[i])
        elif chosen:
            out.append(chosen.pop(0))
    name = fr.label_name
    if name and not any(name.lower() in x.lower() for x in out):
        for j, x in enumerate(out):  # the business goes into a sentence that has room
            if j in fixed:
                continue
            cand = f"{name}: {x[0].lower()}{x[1:]}" if not any(ch.isupper() for ch in
                                                               x.split()[0][1:]) else x
            if len(cand.split()) <= limit:
                out[j] = cand
                break
    text = " ".join(out)
    if fr.hashtags and fr.hashtags[0]:
        text += "\n\n" + " ".join(_hashtags(fr, rng, fr.hashtags[0]))
    return text


# --------------------------------------------------------------------------- given text
_MONEY = re.compile(r"\d{1,3}(?:[.,]\d{3})+\s*(?:đồng|đ|vnđ|vnd)?(?:\s*(?:/|một|mỗi)\s*"
                    r"[^\s,.;!?]+)?|\d+(?:[.,]\d+)?\s*(?:k|nghìn|ngàn|triệu)(?!\w)"
                    r"(?:\s*(?:đồng|đ))?(?:\s*(?:/|một|mỗi)\s*[^\s,.;!?]+)?", re.IGNORECASE)
_TEXT_START = re.compile(r"(?:bài đăng|bài viết|đoạn văn|tin nhắn|nội dung|văn bản|caption|"
                         r"bai dang|bai viet|doan van|tin nhan|noi dung)(?:\s+(?:cũ|gốc|cu|goc))?"
                         r"\s*:\s*", re.IGNORECASE)


def corrected(prompt: str, fr: Frame) -> str:
    """"Sửa bài đăng sau: giá đúng là …, bỏ lời hứa về sức khỏe. Bài đăng: …": the given post
    with the asked fixes, every other word kept as written."""
    text = nfc(prompt)
    starts = list(_TEXT_START.finditer(text)) or list(re.finditer(r"sau\s*:\s*", text))
    if not starts:
        return generic()["fix_need_text"]
    m = starts[-1]
    instr, post = text[:m.start()], text[m.end():].strip()
    label = generic().get("label_prefix", "🧪")
    if post.startswith(label) and "\n" in post:
        post = post.split("\n", 1)[1].strip()  # a simulated answer pasted back: no label
    if not post:
        return generic()["fix_need_text"]
    pm = re.search(r"giá\s+(?:đúng|mới|chính xác)?\s*(?:là|:)\s*(.+?)(?=[,;]|\.\s|\.$|$)",
                   instr, flags=re.IGNORECASE)
    if pm:
        price = pm.group(1).strip()
        post, n = _MONEY.subn(price, post)
        if not n:  # the post gave no price: one sentence with the right one, before the end
            paras = post.split("\n\n")
            at = max(1, len(paras) - 1) if len(paras) > 1 else 1
            paras.insert(at, f"Giá: {price}.")
            post = "\n\n".join(paras)
    if re.search(r"(?<!\w)(?:bỏ|xóa|xoá|không)(?!\w).{0,40}(?:sức khỏe|sức khoẻ|chữa|hứa)",
                 instr, flags=re.IGNORECASE):
        from ..lessons.factcheck import risky_phrases  # the checklist's own list of promises

        paras = []
        for para in post.split("\n\n"):
            kept = [x for x in re.split(r"(?<=[.!?])\s+", para) if not risky_phrases(x)]
            if kept:
                paras.append(" ".join(kept))
        post = "\n\n".join(paras)
    for quoted in re.findall(r"bỏ\s+[\"“]([^\"”]{2,60})[\"”]", instr, flags=re.IGNORECASE):
        post = post.replace(quoted, "").replace("  ", " ")
    return post.strip()


def per_thing(fr: Frame, rng: random.Random, temperature: float | None) -> str:
    """One item per thing the request listed ("từ Thứ Hai đến Thứ Tư", "Zalo, Facebook và
    TikTok", "3 gói Cơ bản, …"), each labelled with it. What only the owner knows about a
    plan, a room or a dish is a visible gap, never a guess."""
    things = fr.listed
    days = all(fold(x).startswith(("thu ", "chu nhat")) for x in things)
    channels = all(fold(x) in CHANNEL_SET or fold(x) == "tiktok shop" for x in things)
    if not (days or channels):
        head = f"{fr.label_name}:\n" if fr.label_name else ""
        return head + "\n".join(f"{i + 1}. {x}: [{x} của bạn: giá, gồm những gì]"
                                 for i, x in enumerate(things))
    if channels and (fr.task in ("post", "email", "description", "script") or (
            fr.kind == "message" and not fr.count)):
        parts = []  # one whole text per channel, each in that channel's form
        for x in things:
            one = Frame(**{**fr.__dict__, "channel": fold(x), "listed": [], "kind": fr.kind
                           if fr.kind == "message" else None})
            parts.append(f"{x}:\n\n{text_piece(one, rng, temperature)}")
        return "\n\n".join(parts)
    kind = fr.kind if fr.kind in ("message", "greeting", "slogan", "headline", "question",
                                  "cta", "hashtag") else "idea"
    sub = Frame(**{**fr.__dict__, "kind": kind, "fmt": None})
    values = items(sub, len(things), rng, temperature)
    text = "\n".join(f"{i + 1}. {x}: {v}" for i, (x, v) in enumerate(zip(things, values,
                                                                          strict=True)))
    name = fr.label_name
    if name and name.lower() not in text.lower():
        text = f"{name}:\n{text}"
    return text


# --------------------------------------------------------------------------- few-shot
# A few-shot block: worked examples (item -> output), then the item to write for, unanswered,
# on the last line. A real model answers for that last item, in the examples' form; reading the
# whole block as one request would take the first example's product as the business.
_EX_HEAD = r"^\s*(?:[-•*]\s*)?(?:(?:ví dụ|vi du|vd|example|mẫu|mau)\s*\d*\s*[–:.)\-]?\s*)?"
_QUOTED_EX = re.compile(_EX_HEAD + r"(?P<item>[^\"“”]+?)\s*(?:→|->|=>|:|–|-)\s*"
                        r"(?P<q>[\"“])(?P<out>[^\"“”]+)[\"”]\s*\.?\s*$", re.I)
_ARROW_EX = re.compile(_EX_HEAD + r"(?P<item>[^\"“”→]+?)\s*(?:→|->|=>)\s*(?P<out>\S.*)$", re.I)
_LABELLED = re.compile(r"^\s*(?:[-•*]\s*)?(?P<label>[^\W\d][\w ]{0,30}?)\s*:\s*(?P<value>.*)$")
_NOT_SHOT_LABELS = {"hoi", "dap", "q", "a", "khach", "shop", "gia", "dia chi", "ghi chu"}


@dataclass(frozen=True)
class Shot:
    task: str  # the lines before the examples ("Viết khẩu hiệu ngắn …")
    items: tuple[str, ...]  # the examples' products or services
    outputs: tuple[str, ...]  # what the examples wrote for them
    target: str  # the item to write for
    quote: str  # "" or the opening quote mark the examples used


def _target(line: str) -> str:
    """ "Sản phẩm cần viết – Hạt tiêu Cùa:" -> "Hạt tiêu Cùa"; "Spa Sen →" -> "Spa Sen"."""
    text = re.sub(r"\s*(?:→|->|=>|:|–|-)\s*$", "", line.strip()).strip()
    text = re.split(r"\s+(?:–|-|→|->|=>)\s+|:\s+", text)[-1].strip(" .\"“”")
    return text if text and len(text.split()) <= 12 else ""


def read_few_shot(prompt: str) -> Shot | None:
    """The examples and the target of a few-shot block, or None when `prompt` is not one."""
    lines = [x for x in nfc(prompt).splitlines() if x.strip()]
    if len(lines) < 3 or re.search(r"phan loai|cam xuc|sentiment|classif",
                                   fold(prompt)):
        return None  # labels as outputs: the sentiment reader's job
    # Label pairs: "Sản phẩm: A" / "Khẩu hiệu: a" … "Sản phẩm: T" / "Khẩu hiệu:" (or no B line).
    labelled = [_LABELLED.match(x) for x in lines]
    tail = []
    for m in reversed(labelled):
        if m is None:
            break
        tail.insert(0, (m["label"].strip(), m["value"].strip()))
    if len(tail) >= 3:
        a = fold(tail[0][0])
        b = fold(tail[1][0])
        seq = [fold(x) for x, _ in tail]
        if a != b and a not in _NOT_SHOT_LABELS and b not in _NOT_SHOT_LABELS and all(
                x == (a if i % 2 == 0 else b) for i, x in enumerate(seq)):
            values = [v for _, v in tail]
            if len(seq) % 2 == 0 and not values[-1]:
                values = values[:-1]  # "Khẩu hiệu:" left blank: the one to fill
            if len(values) % 2 == 1 and len(values) >= 3 and all(values):
                items, outs = values[0:-1:2], values[1:-1:2]
                target = _target(values[-1])
                task = "\n".join(x for x, m in zip(lines, labelled, strict=True) if m is None)
                if target:
                    return Shot(task, tuple(items), tuple(o.strip("\"“”") for o in outs),
                                target, "")
    # Inline examples: "Ví dụ 1 – A: "a"", "A → a"; then the target alone on the last line.
    items, outs, quotes, task = [], [], [], []
    for x in lines[:-1]:
        m = _QUOTED_EX.match(x) or (_ARROW_EX.match(x) if "→" in x or "->" in x or "=>" in x
                                    else None)
        if m is not None:
            items.append(m["item"].strip())
            outs.append(m["out"].strip())
            quotes.append(m.groupdict().get("q") or "")
        elif not items:
            task.append(x)
        else:
            return None  # examples, then something else, then a last line: not a block
    last = lines[-1]
    if not items or _QUOTED_EX.match(last) or _ARROW_EX.match(last):
        return None
    if not re.search(r"(?:→|->|=>|:|–|-)\s*$", last) and not re.match(
            r"\s*(?:sản phẩm|san pham|dịch vụ|dich vu)", last, re.I):
        return None  # the target line is left open: "T:", "T →", "Sản phẩm cần viết – T"
    target = _target(last)
    if not target:
        return None
    return Shot("\n".join(task), tuple(items), tuple(outs), target,
                quotes[0] if all(quotes) else "")


def few_shot(prompt: str, rng: random.Random, temperature: float | None) -> str | None:
    """The answer to a few-shot block: for its target, in its examples' form; or None."""
    from .frame import read

    shot = read_few_shot(prompt)
    if shot is None:
        return None
    asked = read(shot.task) if shot.task else Frame()
    fr = read(f"Viết khẩu hiệu cho {shot.target}.")
    rest = fold(shot.target)[len(fold(fr.name or "")):].strip()
    if fr.product is None and (fr.name is None or (
            fold(shot.target).startswith(fold(fr.name)) and not rest.startswith("cua "))):
        fr.name = shot.target  # "Dạy tiếng Anh cho trẻ": the item as the participant wrote it
    fr.kind = asked.kind or "slogan"
    fr.count = asked.count or 1
    fr.tone, fr.tone_named = asked.tone, asked.tone_named
    longest = max(len(x.split()) for x in shot.outputs)
    fr.item_max = max(8, 2 * longest)
    values = items(fr, fr.count, rng, temperature)
    if not any(EMOJI.search(x) for x in shot.outputs):  # the examples' form: no emoji
        values = [EMOJI.sub("", x).strip() for x in values]
    stop = "." if all(x.rstrip("\"”").endswith(".") for x in shot.outputs) else ""
    values = [x.rstrip(".") + stop if not re.search(r"[!?]$", x) else x for x in values]
    close = {"“": "”", '"': '"'}.get(shot.quote, "")
    values = [f"{shot.quote}{x}{close}" for x in values]
    if len(values) == 1:
        return values[0]
    return "\n".join(f"{i}. {x}" for i, x in enumerate(values, 1))
