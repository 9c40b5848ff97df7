"""Person names and street addresses in Vietnamese text (rules first, NER for the rest).

The rule for a name:
- a title (anh, chị, em, cô, chú, bác, ông, bà…) followed by capitalised words, or by a
  lower-case given name ("chị lan", "chi Lan"); the title itself stays readable;
- after a title or label, a family name typed in lower case without diacritics and one to
  three middle or given names ("chị tran thi be", "người nhận: nguyen van an"), even in a
  line that has diacritics elsewhere;
- a label ("Họ tên:", "Người nhận:", "Khách hàng:") followed by capitalised words;
- a family name from the list (Nguyễn, Trần, Lê…) followed by more capitalised words;
- any other capitalised words the rules could not decide are shown to underthesea's NER model,
  and kept as a name when it tags them PER ("Gửi cho Thu Hà 2 hộp").
Never a name: places, brands, public figures and street names (data/privacy/people.json), and
capitalised words right after a business or product word ("cửa hàng Nông sản Quê Mình",
"cà phê Khe Sanh", "nước mắm Cửa Việt").

The rule for an address (a place is an address only when it can lead to one household):
- a house number ("số 12 Lê Duẩn", "45 Hùng Vương, Đông Hà"), a street, lane or hamlet unit
  (đường, phố, ngõ, hẻm, kiệt, thôn, xóm, ấp, tổ, khu phố…), followed by its name;
- a ward or commune (phường, xã, thị trấn) after a delivery or residence cue ("địa chỉ",
  "giao về", "nhà ở"…) or after a person's name with "ở"/"tại";
- after a cue, two or more place parts ("giao về Lê Duẩn, Đông Hà").
The span runs on through the following comma-separated parts (ward, district, province).
A province, city or town on its own is never an address: "đặc sản Quảng Trị", "giao hàng đi
Huế", "giao về Đông Hà" stay readable, and so does the shop's own town.

Text typed without any diacritics is matched on its folded form ("chi lan", "thon an binh");
in a text with diacritics a bare word is only itself ("cho" is not "chợ"). The NER model is
loaded on the first undecided candidate only and sees a short window around each one (at most
200 per text, so a long paste stays fast; the rules still read all of it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import NamedTuple

from ..text import fold_chars, nfc
from . import ner

_DATA = Path(__file__).parents[1] / "data" / "privacy" / "people.json"
_PATTERNS = _DATA.with_name("patterns.json")
_TOKEN = re.compile(
    r"[đĐdD]/[cC](?![^\W\d_])"  # "đ/c" (địa chỉ)
    r"|\d+[^\W\d_]?(?:/\d+[^\W\d_]?)*"  # numbers, house numbers: 12, 45A, 12/3
    r"|[^\W\d_]+"
    r"|[^\w\s]"
)
_PLACEHOLDER = re.compile(r"\[[^\]\[a-zđ]{1,30}\]")  # "[HỌ TÊN]", "[SỐ ĐIỆN THOẠI]"
# House numbers: 12, 45A, 12/3B; a "k" after digits is a price ("200k"), not a house.
_HOUSE = re.compile(r"[1-9]\d{0,3}[a-jA-J]?(?:/\d{1,4}[a-jA-J]?)*")
_MAX_NAME_WORDS = 4
_NER_WINDOW = 40  # characters of context either side of a candidate shown to the model
_MAX_NER_WINDOWS = 200  # a long paste: the model sees the first 200 candidates, rules see all
_MAX_PART_WORDS = 5
_CLAUSE_END = ".!?;\n"
_ABBREVIATIONS = frozenset("p tt q h tx kp sn tdp tp km ktt kdt".split())


class Span(NamedTuple):
    kind: str  # "name" or "address"
    start: int
    end: int


@dataclass(frozen=True)
class _Tok:
    text: str
    start: int
    end: int
    low: str
    fold: str
    word: bool
    num: bool
    plain: bool  # typed without diacritics, in a text typed without diacritics

    @property
    def house(self) -> bool:
        """A house, lane or ward number: 12, 45A, 12/3, 5 (never 0-leading, at most 4 digits)."""
        return _HOUSE.fullmatch(self.text) is not None

    @property
    def cap(self) -> bool:
        """Capitalised like a name ("Lan", "Đông", "A"), not an acronym ("SĐT")."""
        t = self.text
        return self.word and t[0].isupper() and (len(t) == 1 or t[1:].islower())


class _Lexicon:
    """Phrases matched word by word; a word typed without diacritics matches its folded form."""

    def __init__(self, phrases: Iterable[str], plain_ok: bool = True) -> None:
        self.exact: set[tuple[str, ...]] = set()
        self.folded: set[tuple[str, ...]] = set()
        self.longest = 1
        for phrase in phrases:
            words = tuple(nfc(phrase).lower().split())
            self.exact.add(words)
            if plain_ok:
                self.folded.add(tuple(fold_chars(w) for w in words))
            self.longest = max(self.longest, len(words))
        # Most words start no phrase: checking the first word alone first keeps this fast.
        self.first_exact = {w[0] for w in self.exact}
        self.first_folded = {w[0] for w in self.folded}

    def match(self, toks: list[_Tok], i: int, *, longest: bool = True) -> int:
        """Number of tokens of the longest phrase starting at toks[i] (0 when none)."""
        if i < 0 or i >= len(toks):
            return 0
        first = toks[i]
        if first.low not in self.first_exact and not (first.plain and
                                                      first.fold in self.first_folded):
            return 0
        best = 0
        for n in range(1, self.longest + 1):
            seg = toks[i : i + n]
            if len(seg) < n or not all(t.word for t in seg) or not _adjacent(seg):
                break
            if tuple(t.low for t in seg) in self.exact or (
                all(t.plain for t in seg) and tuple(t.fold for t in seg) in self.folded
            ):
                best = n
                if not longest:
                    return n
        return best


class _Rules(NamedTuple):
    titles: _Lexicon
    labels: _Lexicon
    surnames: _Lexicon
    given_exact: frozenset[str]
    given_plain: frozenset[str]
    surnames_plain: frozenset[str]  # folded first words of family names: "nguyen", "tran"
    surnames_common: frozenset[str]  # of those, also common words: "ta", "le", "mai", "ho"
    name_words_plain: frozenset[str]  # folded middle and given names: "thi", "van", "be"
    not_after_title: frozenset[str]
    not_after_title_plain: frozenset[str]
    address_cues: _Lexicon
    street_units: _Lexicon
    ward_units: _Lexicon
    upper_units: _Lexicon
    not_ward_before: _Lexicon
    house_words: _Lexicon
    business: _Lexicon
    products: _Lexicon
    place_cues: _Lexicon
    vocatives: _Lexicon
    quantities: _Lexicon
    weak_titles: frozenset[str]
    lower_stop: frozenset[str]  # words that end a place name typed in lower case
    known: frozenset[tuple[str, ...]]  # places, brands, public figures (folded words)
    places: frozenset[tuple[str, ...]]
    brands: frozenset[tuple[str, ...]]
    known_longest: int


@cache
def _rules() -> _Rules:
    data = json.loads(_DATA.read_text(encoding="utf-8"))

    def folded(words: Iterable[str]) -> frozenset[tuple[str, ...]]:
        # Exact lower-case words, plus the folded words behind a "~" for text typed without
        # diacritics: "bé" is not the brand "Be", but "khe sanh" is "Khe Sanh".
        exact = {tuple(nfc(w).lower().split()) for w in words}
        return frozenset(exact | {("~", *fold_chars(nfc(w)).split()) for w in words})

    places = folded(data["places"])
    patterns = json.loads(_PATTERNS.read_text(encoding="utf-8"))
    banks = folded(patterns["context_keywords"]["bank_name"])  # "Vietcombank", "Bắc Á Bank"
    brands = banks | folded(data["brands"])
    known = places | brands | folded(data["public_figures"])
    ambiguous = set(data["plain_ambiguous"])
    given = [nfc(g).lower() for g in data["given_names"]]
    # A lower-case given name counts only when it is not also a common word ("em thành thật").
    given_exact = [g for g in given if fold_chars(g) not in ambiguous]
    return _Rules(
        titles=_Lexicon(data["titles"]),
        labels=_Lexicon(data["name_labels"]),
        surnames=_Lexicon(data["surnames"]),
        given_exact=frozenset(given_exact),
        given_plain=frozenset(fold_chars(g) for g in given) - ambiguous,
        surnames_plain=frozenset(fold_chars(nfc(n)).lower().split()[0] for n in data["surnames"]),
        surnames_common=frozenset(w for w in (fold_chars(nfc(n)).lower().split()[0]
                                              for n in data["surnames"])
                                  if len(w) <= 3 or w in ambiguous),
        name_words_plain=frozenset(fold_chars(nfc(n)).lower()
                                   for n in given + data["middle_names"]),
        not_after_title=frozenset(nfc(w).lower() for w in data["after_title_not_name"]),
        not_after_title_plain=frozenset(fold_chars(nfc(w)) for w in data["after_title_not_name"]),
        address_cues=_Lexicon(data["address_cues"]),
        street_units=_Lexicon(data["street_units"]),
        ward_units=_Lexicon(data["ward_units"]),
        upper_units=_Lexicon(data["upper_units"]),
        not_ward_before=_Lexicon(data["not_ward_before"]),
        house_words=_Lexicon(data["house_number_words"]),
        business=_Lexicon(data["business_cues"]),
        products=_Lexicon(data["product_words"]),
        place_cues=_Lexicon(data["place_cues"]),
        vocatives=_Lexicon(data["vocatives"]),
        quantities=_Lexicon(data["quantity_words"]),
        weak_titles=frozenset(data["plain_weak_titles"]),
        lower_stop=frozenset(data["lower_case_stop"])
        | frozenset(fold_chars(nfc(w)) for w in data["titles"]),
        known=known,
        places=places,
        brands=brands,
        known_longest=max(len(k) for k in known) - 1,
    )


# ---------------------------------------------------------------- tokens


def _tokens(text: str) -> list[_Tok]:
    folded = fold_chars(text)
    # "cho" is "chợ" and "ban" is "bản" only in a line typed without any diacritics; in a line
    # with diacritics a bare word is just that word. Lines count apart: a pasted form may
    # mix a name copied with diacritics and an address typed without.
    plain_lines = []
    for line in re.finditer(r"[^\n]*", text):
        # Placeholders from an earlier masking ("[HỌ TÊN]") do not count (idempotence).
        bare = _PLACEHOLDER.sub("", line.group())
        plain = all(a == b or a.isspace() for a, b in zip(bare.lower(), fold_chars(bare),
                                                          strict=True))
        plain_lines.append((line.end(), plain))
    out = []
    k = 0
    for m in _TOKEN.finditer(text):
        s, e = m.span()
        while plain_lines[k][0] < s:
            k += 1
        piece = m.group()
        low = piece.lower()
        out.append(_Tok(piece, s, e, low, folded[s:e], piece[0].isalpha(), piece[0].isdigit(),
                        plain_lines[k][1] and low == folded[s:e]))
    return out


def _adjacent(seg: list[_Tok]) -> bool:
    """Consecutive tokens separated by spaces only (or nothing)."""
    return all(b.start - a.end <= 2 for a, b in zip(seg, seg[1:], strict=False))


def _gap(text: str, a: _Tok, b: _Tok) -> str:
    return text[a.end : b.start]


def _starts_clause(text: str, toks: list[_Tok], i: int) -> bool:
    if i == 0:
        return True
    prev = toks[i - 1]
    return prev.text in _CLAUSE_END + ':"“”-–•*>(#|`[' or "\n" in _gap(text, prev, toks[i])


def _joined(text: str, toks: list[_Tok], i: int, j: int) -> bool:
    """toks[i..j] follow each other with single spaces (a name never crosses punctuation)."""
    return all(_gap(text, toks[k], toks[k + 1]) in (" ", "\u00a0") for k in range(i, j))


def _known_at(rules: _Rules, toks: list[_Tok], i: int, table: frozenset | None = None) -> int:
    """Length of the longest place/brand/public-figure name starting at toks[i]."""
    table = rules.known if table is None else table
    for n in range(min(rules.known_longest, len(toks) - i), 0, -1):
        seg = toks[i : i + n]
        if not all(t.word for t in seg) or not _adjacent(seg):
            continue
        if tuple(t.low for t in seg) in table or (
            all(t.plain for t in seg) and ("~", *(t.fold for t in seg)) in table
        ):
            return n
    return 0


def _cap_run(text: str, toks: list[_Tok], i: int, limit: int = _MAX_NAME_WORDS) -> int:
    """How many capitalised words run from toks[i], joined by single spaces."""
    n = 0
    while i + n < len(toks) and n < limit and toks[i + n].cap:
        if n and not _joined(text, toks, i + n - 1, i + n):
            break
        n += 1
    return n


# ---------------------------------------------------------------- names


def _name_after(text: str, rules: _Rules, toks: list[_Tok], i: int, lower_ok: bool) -> int:
    """Length of the name that starts at toks[i] (after a title or label), 0 if none."""
    if i >= len(toks) or not toks[i].word or not _joined(text, toks, i - 1, i):
        return 0
    if _not_a_name(rules, toks[i]) or _known_at(rules, toks, i):
        return 0
    if rules.titles.match(toks, i) or (len(toks[i].text) == 1 and toks[i].text.isupper()):
        return 0  # "BẠN Ở ĐÂY": a one-letter word after a title is shouting, not a name
    n = _plain_full_name(text, rules, toks, i)
    if n:
        return n
    n = _cap_run(text, toks, i)
    if n:
        # "chị Lan Cam Lộ": stop before a known place or brand of two words or more.
        for k in range(1, n):
            if _known_at(rules, toks, i + k, rules.places) >= 2:
                return k
        return n
    if lower_ok and _given(rules, toks[i]):
        return 2 if i + 1 < len(toks) and _given(rules, toks[i + 1]) and _joined(
            text, toks, i, i + 1) else 1
    return 0


def _plain_full_name(text: str, rules: _Rules, toks: list[_Tok], i: int) -> int:
    """"tran thi be", "nguyen van an": a family name then 1-3 middle or given names, all typed
    in lower case without diacritics (the way a name is often typed in a chat or copied from
    a bank transfer). Only asked right after a title or label; 0 when it is not one."""
    first = toks[i]
    if first.text != first.fold or first.fold not in rules.surnames_plain:
        return 0
    n = 1
    while n <= _MAX_NAME_WORDS - 1 and i + n < len(toks) and _joined(text, toks, i + n - 1, i + n):
        tok = toks[i + n]
        if not tok.word or tok.text != tok.fold or tok.fold not in rules.name_words_plain:
            break
        n += 1
    # A family name that is also a common word ("ta", "le", "ho") needs a full three-word
    # name: "viet mo ta ngan" is "viết mô tả ngắn", "le thi hoa" is a person.
    return n if n >= (3 if first.fold in rules.surnames_common else 2) else 0


def _title_in_brand(text: str, rules: _Rules, toks: list[_Tok], i: int) -> bool:
    """A capitalised title that names a business or a place, not a person.

    "Mắm Bà Giang", "Phở Ông Hùng" (after a capitalised word); "quán bún hến Bà Tư", "cà phê
    muối Chú Long" (after a business or product word, with no "cho", "giao"… between);
    "ở Ba Vì", "đi Bà Rịa" (after a place word). "2 hộp cho Chị Lan" is still a person.
    """
    if not toks[i].cap or i == 0 or _starts_clause(text, toks, i):
        return False
    if toks[i - 1].cap and _joined(text, toks, i - 1, i) and not _starts_clause(text, toks, i - 1):
        return True
    return rules.place_cues.match(toks, i - 1) == 1 or _after_business(text, rules, toks, i)


def _after_business(text: str, rules: _Rules, toks: list[_Tok], i: int) -> bool:
    """toks[i] follows a business or product word, with only describing words between:
    "xưởng mây tre Phú Vinh", "quán bún hến Bà Tư" (but not "2 hộp cho Thu Hà")."""
    for p in range(i - 1, max(-1, i - 5), -1):
        tok = toks[p]
        if not tok.word or not _joined(text, toks, p, p + 1) or tok.fold in rules.lower_stop:
            return False
        if any(lex.match(toks, p - n + 1) == n for lex in (rules.business, rules.products)
               for n in (1, 2, 3) if p - n + 1 >= 0):
            return True
    return False


def _not_a_name(rules: _Rules, tok: _Tok) -> bool:
    """"Shop", "Admin", "Chào"… after a title; "Ánh" is a name even though "Anh" is not."""
    return tok.low in rules.not_after_title or (tok.plain and tok.fold in
                                                 rules.not_after_title_plain)


def _inside_known(rules: _Rules, toks: list[_Tok], i: int) -> bool:
    """toks[i] is inside a place, brand or public-figure name that starts before it."""
    return any(_known_at(rules, toks, k) > i - k for k in range(max(0, i - 3), i))


def _given(rules: _Rules, tok: _Tok) -> bool:
    if not tok.word:
        return False
    return tok.low in rules.given_exact or (tok.plain and tok.fold in rules.given_plain)


def _blocked_before(text: str, rules: _Rules, toks: list[_Tok], i: int) -> bool:
    """A business, product, place or street word right before toks[i]: not a person's name."""
    for lex in (rules.business, rules.products, rules.place_cues, rules.street_units,
                rules.ward_units, rules.upper_units):
        for n in range(1, lex.longest + 1):
            k = i - n
            if k >= 0 and lex.match(toks, k) == n:
                return True
    if i > 0 and toks[i - 1].num:
        return True
    if _after_business(text, rules, toks, i):
        return True
    # Inside a business name that starts right after its cue: "HTX Nông nghiệp Triệu Long".
    for p in range(max(1, i - 3), i):
        seg = toks[p : i + 1]
        if toks[p].cap and all(t.word for t in seg) and _adjacent(seg):
            if any(rules.business.match(toks, p - n) == n for n in (1, 2, 3) if p - n >= 0):
                return True
    return False


def _names(text: str, rules: _Rules, toks: list[_Tok], taken: list[bool],
           surnames: bool) -> list[Span]:
    """Names after a title or label (surnames=False), or starting with a family name."""
    spans = []
    i = 0
    while i < len(toks):
        tok = toks[i]
        n = 0
        start = i
        if tok.word and not taken[i] and not surnames:
            t = rules.titles.match(toks, i)
            if t and tok.low == "o" and (tok.text != "O" or tok.plain):
                t = 0  # Huế's "O Nở" (aunt Nở) only with a capital O, never "o" for "ở"
            # "35 Hai Bà Trưng", "Mắm Bà Giang" are a street and a brand; "Bác Hồ" is a
            # public figure, not a customer.
            if t and not (_inside_known(rules, toks, i) or _title_in_brand(text, rules, toks, i)
                          or _known_at(rules, toks, i)):
                start = i + t
                # In a line without diacritics "ba", "co", "ban" are mostly "ba" (three), "có",
                # "bán": such a title takes a lower-case name only when typed with diacritics.
                weak = all(tk.plain and tk.fold in rules.weak_titles for tk in toks[i:start])
                n = _name_after(text, rules, toks, start, lower_ok=not weak)
            lab = 0 if n else rules.labels.match(toks, i)
            if lab:
                start = i + lab
                if start < len(toks) and toks[start].text == ":":
                    start += 1
                elif start < len(toks) and toks[start].fold == "la":
                    start += 1
                if start < len(toks) and not rules.products.match(toks, start):
                    n = _name_after(text, rules, toks, start, lower_ok=False)
        elif tok.word and not taken[i]:
            if (tok.cap and rules.surnames.match(toks, i)
                  and not (i and toks[i - 1].cap and _joined(text, toks, i - 1, i))
                  and not _blocked_before(text, rules, toks, i)):
                run = _cap_run(text, toks, i)
                if run >= 2 and not _known_at(rules, toks, i):
                    n = run
                    for k in range(1, run):
                        if _known_at(rules, toks, i + k, rules.places) >= 2:
                            n = k
                            break
                    n = n if n >= 2 else 0
                    start = i
        if n and not any(taken[start : start + n]):
            spans.append(Span("name", toks[start].start, toks[start + n - 1].end))
            for k in range(start, start + n):
                taken[k] = True
            i = start + n
        else:
            i += 1
    return spans


def _ner_names(text: str, rules: _Rules, toks: list[_Tok], taken: list[bool]) -> list[Span]:
    """Capitalised words no rule decided: ask the NER model whether they are a person."""
    runs = []
    i = 0
    while i < len(toks):
        n = _cap_run(text, toks, i) if not taken[i] else 0
        if not n:
            i += 1
            continue
        n = next((k for k in range(n) if taken[i + k]), n)
        # "Homestay Chày Lập", "Gốm Bàu Trúc": a capitalised business or product word starts
        # a business name, and what follows it is that name.
        if rules.business.match(toks, i) or rules.products.match(toks, i):
            i += n
            continue
        vocative = i + n < len(toks) and rules.vocatives.match(toks, i + n)
        hashtag = i > 0 and toks[i - 1].text in "#@" and toks[i - 1].end == toks[i].start
        # One capitalised word alone is too often a heading, a product or a borrowed word;
        # the model is asked about it only before "ơi" ("Mai ơi").
        undecided = (
            (n >= 2 or vocative) and not hashtag
            and not _known_at(rules, toks, i)
            and not _not_a_name(rules, toks[i])
            and not _blocked_before(text, rules, toks, i)
            and not rules.titles.match(toks, i)
            and not rules.labels.match(toks, i)
            and not any(_known_at(rules, toks, i + k) for k in range(1, n))
        )
        if undecided:
            runs.append((i, n))
        i += n
    if not runs:
        return []
    spans = []
    tagged: list[tuple[int, int, list[tuple[int, int]]]] = []  # (lo, hi, PER spans)
    for i, n in runs[:_MAX_NER_WINDOWS]:
        start, end = toks[i].start, toks[i + n - 1].end
        if not (tagged and tagged[-1][0] <= start and end <= tagged[-1][1]):
            # The model's features look two words either side: a short window within the
            # sentence is enough, and keeps a long paste fast (~3-10 ms per window).
            lo, hi = _sentence(text, start)
            lo = max(lo, text.rfind(" ", 0, max(start - _NER_WINDOW, 0)) + 1)
            far = text.find(" ", end + _NER_WINDOW)
            hi = min(hi, far if far != -1 else len(text))
            tagged.append((lo, hi, ner.person_spans(text, lo, hi)))
        for s, e in tagged[-1][2]:
            s, e = max(s, toks[i].start), min(e, toks[i + n - 1].end)
            if s < e:
                spans.append(Span("name", s, e))
                for k in range(i, i + n):
                    taken[k] = True
    return spans


def _sentence(text: str, pos: int) -> tuple[int, int]:
    lo = max(text.rfind(c, 0, pos) for c in _CLAUSE_END) + 1
    ends = [e for e in (text.find(c, pos) for c in _CLAUSE_END) if e != -1]
    return lo, min(ends) + 1 if ends else len(text)


# ---------------------------------------------------------------- addresses


def _unit(rules: _Rules, lex: _Lexicon, text: str, toks: list[_Tok], i: int) -> int:
    """Length of an address unit word at toks[i]; abbreviations need a dot or capitals."""
    n = lex.match(toks, i)
    if n == 1 and toks[i].fold in _ABBREVIATIONS:
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        dotted = nxt is not None and nxt.text == "." and nxt.start == toks[i].end
        if not dotted and not (toks[i].text[0].isupper() and nxt is not None and
                               (nxt.num or nxt.cap)):
            return 0
        if dotted:
            return 2
    return n


def _place_name(text: str, rules: _Rules, toks: list[_Tok], i: int, lower_ok: bool) -> int:
    """A place's own name after its unit or house number: capitalised words or a number."""
    if i >= len(toks):
        return 0
    if toks[i].num:
        if not toks[i].house:
            return 0
        # "kiệt 5 Trần Hưng Đạo", "ngõ 24 Kim Mã": the lane's number, then its street.
        nxt = i + 1 < len(toks) and _joined(text, toks, i, i + 1)
        return 1 + (_place_name(text, rules, toks, i + 1, lower_ok) if nxt else 0)
    n = _cap_run(text, toks, i, _MAX_PART_WORDS)
    if n:
        if n < _MAX_PART_WORDS and i + n < len(toks) and toks[i + n].house and _joined(
                text, toks, i + n - 1, i + n):
            n += 1  # "Khu phố 3", "Phường 5"
        return n
    if lower_ok and toks[i].word and toks[i].plain:
        n = 0
        while (i + n < len(toks) and n < _MAX_PART_WORDS and toks[i + n].word
               and toks[i + n].plain and (n == 0 or _joined(text, toks, i + n - 1, i + n))
               and toks[i + n].fold not in rules.lower_stop
               and not _any_unit(rules, text, toks, i + n)):
            n += 1
        return n
    return 0


def _any_unit(rules: _Rules, text: str, toks: list[_Tok], i: int) -> int:
    for lex in (rules.street_units, rules.ward_units, rules.upper_units):
        n = _unit(rules, lex, text, toks, i)
        if n:
            return n
    return 0


def _part(text: str, rules: _Rules, toks: list[_Tok], i: int, lower_ok: bool,
          ) -> tuple[int, str] | None:
    """One address part at toks[i]: (tokens used, level: house/street/ward/upper/place)."""
    if i >= len(toks):
        return None
    h = rules.house_words.match(toks, i)
    j = i + h
    if j < len(toks) and toks[j].house and (h or i == j):
        k = j + 1
        if k < len(toks) and toks[k].text in "-/" and k + 1 < len(toks) and toks[k + 1].house:
            k += 2  # "12 - 14"
        u = _unit(rules, rules.street_units, text, toks, k) if k < len(toks) else 0
        if h and (k >= len(toks) or toks[k].text == ","):
            return k - i, "house"  # "số nhà 9, ngách 4, …"
        if k + u >= len(toks) or (not u and not toks[k + u].word):
            return None  # "Số 4111 1111": a street name is words
        if not u and not toks[k].cap and (rules.quantities.match(toks, k)
                                          or rules.products.match(toks, k)):
            return None  # "giao ve 2 hop ca phe": an amount of goods, not a house number
        name = _place_name(text, rules, toks, k + u, lower_ok=lower_ok or bool(h))
        if not name and toks[k + u].plain:
            # "ve 56 tran hung dao, dong ha": a street typed in lower case counts when a known
            # town or an address unit follows after a comma.
            name = _place_name(text, rules, toks, k + u, lower_ok=True)
            after = k + u + name
            if not (name and after + 1 < len(toks) and toks[after].text == "," and (
                    _known_at(rules, toks, after + 1, rules.places)
                    or _any_unit(rules, text, toks, after + 1))):
                name = 0
        if name:
            return k + u + name - i, "house"
        return None
    if h:
        return None
    for level, lex in (("street", rules.street_units), ("ward", rules.ward_units),
                       ("upper", rules.upper_units)):
        u = _unit(rules, lex, text, toks, i)
        if not u:
            continue
        if level == "ward" and any(
            rules.not_ward_before.match(toks, i - n) == n for n in (1, 2) if i - n >= 0
        ):
            return None  # "hợp tác xã" is a co-operative, not a commune
        nxt = i + u
        if nxt < len(toks) and toks[nxt].text in ":":
            nxt += 1
        name = _place_name(text, rules, toks, nxt, lower_ok=lower_ok)
        if name and not (level == "street" and toks[nxt].word and _known_brand(rules, toks, nxt)):
            return nxt + name - i, level
        return None
    known = _known_at(rules, toks, i, rules.places)
    if known:
        return known, "place"
    n = _cap_run(text, toks, i, _MAX_PART_WORDS)
    if n:
        return n, "place"
    if lower_ok:
        n = _place_name(text, rules, toks, i, lower_ok=True)
        if n:
            return n, "place"
    return None


def _known_brand(rules: _Rules, toks: list[_Tok], i: int) -> bool:
    return bool(_known_at(rules, toks, i, rules.brands))


def _chain(text: str, rules: _Rules, toks: list[_Tok], i: int, lower_ok: bool,
           ) -> tuple[int, list[str]]:
    """The address parts from toks[i] on: (index after the last part, their levels)."""
    levels: list[str] = []
    j = i
    while True:
        part = _part(text, rules, toks, j, lower_ok)
        if part is None:
            break
        n, level = part
        levels.append(level)
        j += n
        # Another part follows after ",", "-" or a space (e.g. "Lê Duẩn phường 1").
        k = j
        if k < len(toks) and toks[k].text in ",-–":
            k += 1
        if k >= len(toks) or "\n" in text[toks[k - 1].end : toks[k].start]:
            break
        if k == j and not _any_unit(rules, text, toks, k):
            break
        nxt = _part(text, rules, toks, k, lower_ok)
        if nxt is None:
            break
        j = k
    return j, levels


def _addresses(text: str, rules: _Rules, toks: list[_Tok], taken: list[bool],
               names: list[Span]) -> list[Span]:
    spans = []
    i = 0
    while i < len(toks):
        if taken[i]:
            i += 1
            continue
        cue = rules.address_cues.match(toks, i)
        if not cue and not (toks[i].house or rules.house_words.match(toks, i)
                            or rules.street_units.match(toks, i)
                            or rules.ward_units.match(toks, i)):
            i += 1  # without a cue, an address starts with a number or a street/ward unit
            continue
        start = i + cue
        if cue:
            while start < len(toks) and (toks[start].text in ":" or toks[start].fold in (
                    "nha", "cho", "la", "o", "tai")):
                start += 1
        end, levels = (_chain(text, rules, toks, start, lower_ok=bool(cue))
                       if start < len(toks) and not taken[start] else (start, []))
        ok = False
        if levels:
            fine = {"house", "street"} & set(levels)
            if cue:
                ok = bool(fine) or "ward" in levels or len(levels) >= 2
                ok = ok and not (len(levels) == 1 and levels[0] in ("place", "upper"))
            else:
                ok = levels[0] in ("house", "street") or (
                    levels[0] == "ward" and _after_person(text, toks, i, names))
                if levels[0] == "house" and len(levels) == 1:
                    # "12 Lê Lợi" alone needs "số" or "ở/tại" before it.
                    ok = bool(rules.house_words.match(toks, i)) or _after_at(toks, i)
        if ok and any(taken[start:end]):
            end = taken.index(True, start)  # stop before a name: "…, Đông Hà cho chị Lan"
            ok = end > start
        if ok:
            end = _trim(toks, start, end)
            spans.append(Span("address", toks[start].start, toks[end - 1].end))
            for k in range(start, end):
                taken[k] = True
            i = end
        else:
            i += max(cue, 1)
    return spans


def _trim(toks: list[_Tok], start: int, end: int) -> int:
    while end - 1 > start and not (toks[end - 1].word or toks[end - 1].num):
        end -= 1
    return end


def _after_at(toks: list[_Tok], i: int) -> bool:
    return i > 0 and toks[i - 1].fold in ("o", "tai") and toks[i - 1].low in ("ở", "tại", "o",
                                                                                "tai")


def _after_person(text: str, toks: list[_Tok], i: int, names: list[Span]) -> bool:
    """"chị Hồng ở xã Triệu Long": a commune after a person's name and "ở"/"tại"."""
    if not _after_at(toks, i):
        return False
    lo, _ = _sentence(text, toks[i].start)
    return any(lo <= s.start < toks[i].start for s in names)


# ---------------------------------------------------------------- public


def find(text: str) -> list[Span]:
    """Names and addresses in `text` (already NFC), sorted by start, without overlaps."""
    if not text or not any(c.isalpha() for c in text):
        return []
    rules = _rules()
    toks = _tokens(text)
    taken = [False] * len(toks)
    names = _names(text, rules, toks, taken, surnames=False)
    addresses = _addresses(text, rules, toks, taken, names)
    names += _names(text, rules, toks, taken, surnames=True)
    names += _ner_names(text, rules, toks, taken)
    return sorted(names + addresses, key=lambda s: s.start)
