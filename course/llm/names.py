"""Who and where a request is about: the product, business and place it names, as written.

Part of the offline simulation's frame (course/llm/frame.py). A category word alone ("nước mắm",
"cà phê") names no brand, so the request's own words are kept and no sample product of the
course is swapped in ("nước mắm Cửa Việt" stays itself, never "Nước mắm Mỹ Thủy").
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from ..text import fold, fold_chars, nfc
from .offline_data import DATA, NUMBER_WORDS, cues

if TYPE_CHECKING:
    from .frame import Frame


@dataclass(frozen=True)
class Product:
    """A sample product of products.csv (used only when the request names it specifically)."""

    short: str
    benefit: str
    place: str
    audience: str


@cache
def _aliases() -> dict:
    """data/offline/product_aliases.json, read once (every reader below shares it)."""
    return json.loads((DATA / "offline" / "product_aliases.json").read_text(encoding="utf-8"))


@cache
def samples() -> tuple[tuple[tuple[str, ...], Product], ...]:
    aliases = _aliases()
    out = []
    with open(DATA / "products.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            names = aliases.get(row["ma_sp"], [fold(row["ten_sp"])])
            benefit = re.split(r"[,;]", row["diem_noi_bat"])[0].strip()
            place = row["noi_san_xuat"].split(",")[0].strip()
            out.append((tuple(names), Product(row["ten_sp"], benefit, place,
                                              row["khach_hang_muc_tieu"])))
    return tuple(out)


@cache
def sample_terms() -> tuple[str, ...]:
    """Names, brands and places of the course's samples (lower case, with diacritics)."""
    return tuple(nfc(x).lower() for x in _aliases().get("_sample_terms", []))



@lru_cache(maxsize=256)
def _tags(text: str) -> tuple[tuple[int, int, str], ...]:
    """(start, end, POS tag) of the words of `text`; underthesea is imported on first use."""
    # underthesea (~0.6 s once, then a few ms a sentence) only for a text the memo lacks
    from .vi_words import pos_tag

    out, pos = [], 0
    for word, tag in pos_tag(text):
        i = text.find(word, pos)
        if i < 0:
            continue
        out.append((i, i + len(word), tag))
        pos = i + len(word)
    return tuple(out)


def _has_accents(text: str) -> bool:
    return fold(text) != text.lower()


# A name starts with a noun: "ngắn" (A), "hưu" (V), "tôi" (P), "rất" (R) never start one.
_NOT_A_NAME_START = {"A", "V", "P", "R", "E", "C", "CC", "L", "T", "M"}
_PLAIN_NON_NAMES = {"hay", "to", "nho", "dai", "moi", "cu", "tot", "re", "dep", "ngon", "xin"}


def starts_like_a_name(original: str, start: int) -> bool:
    """Whether the word at `start` of the (accented) request can begin a name (POS tagging)."""
    if not _has_accents(original) or original[start:start + 1].isupper():
        return True  # without diacritics the tagger guesses; a capital marks a proper name
    from .kinds import starts_with_cue

    if starts_with_cue(original[start:start + 40]):
        return True  # "phòng khám …": a business word, whatever the tagger guessed
    # Tag only the clause around the word: the tagger's cost grows with the text (a pasted
    # review list), its decision here depends on a few neighbours.
    left = max(original.rfind(x, 0, start) for x in (".", "\n", ";", ":", "!", "?"))
    left = max(left + 1, start - 60)
    window = original[left:start + 40]
    for a, b, tag in _tags(window):
        a, b = a + left, b + left
        if a <= start < b:
            word = original[a:b].split()[0]
            # The tagger calls foreign words ("homestay", "studio") verbs: only a Vietnamese
            # word (with its diacritics) is trusted to be an adjective or a verb.
            vietnamese = fold(word) != word.lower() or word.lower() in _PLAIN_NON_NAMES
            return not (tag in _NOT_A_NAME_START and vietnamese)
    return True


_OWNER = re.compile(r"\s+(?:của|nhà|cua|nha)\s+(?:tôi|mình|em|chúng tôi|chúng em|toi|minh|"
                    r"chung toi)$")  # lower case only: "Tiệm Nhà Mình" is a name
# A kind word alone names no business: "giới thiệu dịch vụ" (which one? the system prompt's).
_BARE = {"dich vu", "san pham", "tiem", "quan", "cua hang", "co so", "shop", "cong ty", "lop",
         "hang", "mon", "phong", "goi", "doanh nghiep", "thuong hieu", "nha hang"}


# A price at a name's end is dropped ("… 150.000"), a small number kept ("lớp 9", "phòng 2").
_PRICE_TAIL = re.compile(r"(?:\s+\d{1,3}(?:[.,]\d{3})+|\s+\d{3,})+$")


def clean_name(text: str) -> str:
    text = text.strip(" \t\"'“”‘’()[]-–")
    return re.sub(r"\s+", " ", text)


def _stop_at(original: str, f: str, start: int, seg: str, stop_re: re.Pattern[str]) -> int:
    """Where a name ends: the first stop word that really is one ("gồm", not "gốm"), never
    inside the business word the name opens with ("dạy kèm", not "dạy" + "kèm")."""
    c = cues()
    from .kinds import cue_length

    keep = cue_length(original[start:start + 40])
    for cut in stop_re.finditer(" " + seg + " "):
        if cut.start() < keep:
            continue
        at = start + cut.start()  # position of the stop word in `f`
        word = f[at:at + cut.end() - cut.start() - 1].strip()
        first = word.split()[0]
        written = original[at:at + len(first)]
        if written[:1].isupper():
            continue  # "Thanh Hà", "Bà Tư": a capitalised word belongs to the name
        allowed = c["stop_accents"].get(first)
        if allowed and written.lower() != first and written.lower() not in allowed:
            continue  # typed with other accents: a different word
        capital = c.get("stop_plain_capital_next", {}).get(first)
        if capital is not None and written.lower() == first and fold(original) == \
                original.lower():  # no diacritics: "xe tai chuyen" (tải), "o Phong Nha" (ở)
            nxt = re.match(r"\s*(\S)", original[at + len(word):])
            if nxt and nxt.group(1).isupper() != capital:
                continue
        need = c["stop_plain_needs"].get(first)
        if need and written.lower() == first and not re.match(
                rf"\s*{need}", f[at + len(word):]):
            continue  # "lang gom Thanh Ha" (no accents): gốm, not gồm
        return cut.start()
    return len(seg)


def named(original: str, f: str, skip: tuple[int, int] = (-1, -1)) -> tuple[str | None,
                                                                          str | None]:
    """(name, place) as written in the request, or None."""
    c = cues()
    stops = sorted(c["name_stops"], key=len, reverse=True)
    stop_re = re.compile(r"\s(?:" + "|".join(re.escape(s) for s in stops) + r")(?=\s|$)")
    trig = "|".join(re.escape(x) for x in sorted(c["name_triggers"], key=len, reverse=True))
    strong = "|".join(re.escape(x) for x in c["name_triggers_strong"])
    name = None
    # "sản phẩm: X" and "giới thiệu X" name the product more surely than "cho X" does.
    found = list(re.finditer(rf"(?<!\w)(?:{strong})\s*:?\s+(?=[^,.;:\n\"“”()!?]{{2}})", f))
    found += list(re.finditer(rf"(?<!\w)(?:{trig})\s+(?:san pham\s+|mon\s+|thuong hieu\s+"
                              r"|co so\s+)?(?=[^,.;:\n\"“”()!?]{2})", f))
    for m in found:
        start = m.end()
        if skip[0] <= start < skip[1]:
            continue  # the business of "Bạn là nhân viên của …" is read by _business
        seg = re.match(r"[^,.;:\n\"“”()!?]{2,60}", f[start:]).group(0)  # type: ignore[union-attr]
        end = start + _stop_at(original, f, start, seg, stop_re)
        candidate = clean_name(original[start:end])
        lead = re.match(rf"(?:(?:{trig})\s+)+", fold_chars(candidate.lower()))
        if lead:  # "của quán bún hến" -> "quán bún hến"
            candidate = candidate[lead.end():]
        candidate = _PRICE_TAIL.sub("", candidate)  # "phòng đôi 450.000 đ" -> name only
        owned = _OWNER.search(candidate)
        candidate = _OWNER.sub("", candidate)  # "cam của tôi" -> "cam": "của tôi" is no name
        if not candidate or (fold(candidate) in _BARE and (owned or not m.group(0).startswith(
                ("cho", "ve", "for", "about")))) or fold(candidate) in ("dich vu", "san pham"):
            continue
        inner = re.search(r"\s(?:ban|gioi thieu|quang ba)\s", f[start:end])
        if inner and not _has_accents(original) and not \
                original[start + inner.start() + 1:][:1].isupper():
            continue  # "ve huu ban cam vinh" (no diacritics): what is sold follows "ban"
        if not starts_like_a_name(original, start + (len(original[start:end]) -
                                                     len(original[start:end].lstrip()))):
            continue  # "giới thiệu ngắn", "về hưu": an adjective or verb, not a name
        after = f[end:end + 60]
        at = re.match(r"\s*(?:o|tai)\s+", after)
        if at:  # "homestay ở Phong Nha" stays one name, as written
            rest = original[end + at.end():end + 60]
            place = re.match(r"(?:[A-ZĐÀ-Ỹ][\wÀ-ỹ]*)(?:\s+[A-ZĐÀ-Ỹ][\wÀ-ỹ]*){0,3}", rest)
            if place:
                candidate = clean_name(original[start:end + at.end() + place.end()])
        low = fold(candidate)
        first = low.split()[0]
        written = candidate.split()[0].lower()
        from .kinds import starts_with_cue

        if starts_with_cue(candidate) and fold(candidate) not in _BARE:
            name = _extend(original, candidate)  # "khách sạn mini …": a business word first
            break
        allowed = c["reject_accents"].get(first)
        same_word = not allowed or written == first or written in allowed  # "ảnh" is not "anh"
        if (first in c["name_rejects"] and same_word) or low in c["name_rejects"] or \
                re.match(r"\d", low):
            continue
        if any(low.startswith(r + " ") for r in c["name_rejects"] if " " in r):
            continue
        if len(low) < 3 or low in NUMBER_WORDS:
            continue
        name = _extend(original, candidate)
        break
    if name is None and skip == (-1, -1):  # no role sentence named the business either
        name = _by_business_word(original, f, stop_re)
    place = None
    pstops = c["place_stops"]
    for m in re.finditer(r"(?<!\w)(?:o|tai)\s+([^\n]{2,50})", f):
        seg = f[m.start(1):m.end(1)] + " "
        end = min([seg.find(s) for s in pstops if seg.find(s) >= 0] + [len(seg)])
        cand = clean_name(original[m.start(1):m.start(1) + end].split("(")[0])  # "Đông Hà (…)"
        # A place is a proper name: it starts with a capital letter ("Phong Nha", "Huế").
        if cand and cand[0].isupper() and len(cand) <= 40:
            place = cand
            break
    return name, place


def _by_business_word(original: str, f: str, stop_re: re.Pattern[str],
                      skip: tuple[int, int] = (-1, -1)) -> str | None:
    """No trigger word ("Viết 4 gợi ý để tiệm sửa máy tính Trí Việt có thêm khách"): the noun
    phrase that opens with a business word (tiệm, homestay, khách sạn, quán …), to its end."""
    from .kinds import starts_with_cue

    for m in re.finditer(r"(?<!\w)\w", original):
        start = m.start()
        if skip[0] <= start < skip[1] or not starts_with_cue(original[start:start + 40]):
            continue
        head = re.search(r"(?:tiem|cua hang|co so|xuong|trung tam|ho kinh doanh)\s+$",
                         f[max(0, start - 20):start])
        if head:  # "tiệm sửa máy tính …": the head noun before the business word belongs to it
            start -= len(head.group(0))
        seg = re.match(r"[^,.;:\n\"“”()!?]{2,60}", f[start:])
        if not seg:
            continue
        end = start + _stop_at(original, f, start, seg.group(0), stop_re)
        candidate = _OWNER.sub("", clean_name(original[start:end]))
        candidate = _PRICE_TAIL.sub("", candidate)  # "… 150.000 đồng": no number
        if candidate and fold(candidate) not in _BARE and len(candidate.split()) >= 2:
            return candidate
    return None


def _extend(original: str, name: str) -> str:
    """A bare noun named twice: "bán cam Vinh … giới thiệu cam" -> "cam Vinh" (as written)."""
    if len(name.split()) > 2 or any(ch.isupper() for ch in name):
        return name
    m = re.search(rf"(?<!\w){re.escape(name)}((?:\s+[A-ZĐÀ-Ỹ][\wÀ-ỹ]*){{1,3}})", original)
    return name + m.group(1) if m else name


def business_named(original: str, f: str) -> tuple[str | None, tuple[int, int]]:
    """The business a role sentence names: "Bạn là chủ homestay Mây ở Phong Nha." """
    for pattern in cues()["business_patterns"]:
        m = re.search(r"(?<!\w)" + pattern, f)
        if not m:
            continue
        seg = re.match(r"[^,.;:\n\"“”()!?]{2,60}", f[m.end():])
        if not seg:
            continue
        c = cues()
        stops = sorted(c["name_stops"], key=len, reverse=True)
        stop_re = re.compile(r"\s(?:" + "|".join(re.escape(x) for x in stops) + r")(?=\s|$)")
        end = m.end() + _stop_at(original, f, m.end(), seg.group(0), stop_re)
        name = clean_name(original[m.end():end])
        after = re.match(r"\s*(?:o|tai)\s+", f[end:end + 60])
        if after:  # keep "ở Phong Nha" with the business, as written
            place = re.match(r"(?:[A-ZĐÀ-Ỹ][\wÀ-ỹ]*)(?:\s+[A-ZĐÀ-Ỹ][\wÀ-ỹ]*){0,3}",
                             original[end + after.end():end + 60])
            if place:
                name = clean_name(original[m.end():end + after.end() + place.end()])
        if name and fold(name).split()[0] not in c["name_rejects"]:
            return name, (m.start(), m.end() + len(name))
    return None, (-1, -1)



def sample_named(original: str, f: str, fr: Frame) -> Product | None:
    """The sample product the request names *specifically* ("Mỹ Thủy"), else None.

    A category word alone ("nước mắm", "cà phê") names no brand: the request's own words
    are kept ("nước mắm Cửa Việt"), so no sample brand is ever swapped in.
    """
    generic_words = _generic_aliases()
    first_generic = None
    for names, product in samples():
        for n in names:
            m = re.search(rf"(?<!\w){re.escape(n)}(?!\w)", f)
            if not m or not _written_as_sample(original[m.start():m.end()], n):
                continue
            if fr.name and n not in fold(fr.name) and fold(fr.name) not in n:
                continue  # the request named its own product; a sample mentioned aside stays aside
            if n not in generic_words:
                return product
            first_generic = first_generic or m
    if fr.name is None and first_generic is not None:
        fr.name = original[first_generic.start():first_generic.end()]
    return None


def _written_as_sample(written: str, alias: str) -> bool:
    """"Gà Cùa" / "ga Cua" name the sample; "gà của" (chicken of …) does not."""
    forms = _aliases().get("_ambiguous", {}).get(alias)
    if not forms:
        return True
    if written.lower() in forms:
        return True
    return fold(written) == written.lower() and written.split()[-1][:1].isupper()


@cache
def _generic_aliases() -> frozenset[str]:
    return frozenset(_aliases().get("_generic", []))
