"""Numbers and e-mail addresses that are personal data (phones, IDs, tax codes, bank data).

Pure Python and deterministic: no model calls. The rules (province codes, mobile prefixes,
context keywords, units) live in data/privacy/patterns.json.

Offsets: `find_pii` normalises the text to Unicode NFC first, and `start`/`end` index that
NFC string. For ordinary (already NFC) text they index the string exactly as given; for NFD
input use `unicodedata.normalize("NFC", text)[m.start:m.end]`.

Decisions worth knowing:
- Digits glued to letters ("DH20250512001", "SP-0912345", "99k", "120.000đ") are codes or
  amounts, never personal data. Dates (12/05/2025), times (08:30), decimals (1,5) likewise.
  After a letter, ":" "." "/" are punctuation: "SĐT:0912345678" and "zalo.me/0912345678"
  are phones, and so are both halves of "0912345678/0987654321".
- Dot-grouped thousands ("1.200.000") and numbers followed by a unit (đ, VND, kg, %) are amounts.
- Phones: mobiles (03x, 05x, 07x, 08x, 09x with the prefixes in use), landlines (02xx + 7
  digits), with 0, 84, +84 or a bracketed prefix "(+84)", "(0233)".
- 1900/1800 numbers are business hotlines, published on purpose: not flagged.
- CCCD: 12 digits whose first three are one of the 63 province codes in use (001–096,
  not every number in that range is a code), or any 12 digits after "CCCD"/"căn cước".
- Tax codes: 10 digits with a valid check digit (anywhere), or after "MST"/"mã số thuế" any
  10 digits or 10 + "-" + 3 (branch); the 12-digit personal tax code is the CCCD number.
- "+84 (0) 912 345 678" is a phone (the bracketed 0 of the international form), and so is a
  phone spelled out in words ("không chín một hai ba bốn năm sáu bảy tám", with or without
  diacritics, or mixed with digits: "0912 ba bốn năm sáu bảy tám").
- A number right after a carrier's code ("GHN 840912345678", "GHTK: 0912345678", the list
  in patterns.json "carrier_codes") is a shipping or order code, never a phone.
- E-mail addresses also when written to fool a scraper: "an_nguyen92 @ yahoo.com",
  "lan[at]htx-camlo.vn", "lan (at) ...", "lan a còng htx-camlo.vn", "... [dot] vn",
  "... chấm vn".
- A 9-digit old ID (CMND) and a bank account are flagged only after a context word
  ("CMND", "STK", "số tài khoản", a bank name), because bare 6–9 digit numbers are usually
  order numbers or amounts. The nearest context word before a number decides its kind when
  several readings are valid (e.g. an MB account number that is also a phone number).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import NamedTuple

from ..text import fold_chars as fold

NUMBER_KINDS = ("phone", "cccd", "cmnd", "tax_code", "email", "bank_account", "card")
_DATA = Path(__file__).parents[1] / "data" / "privacy" / "patterns.json"

# A run of digit groups joined by one separator each; linear, no nested ambiguity.
_CHAIN = re.compile(r"\d+(?:[ .\-\u00a0\u202f]\d+)*")
_SPACES = " \u00a0\u202f"
_GLUE_AFTER = "%₫$€@_"
_GLUE_BEFORE = "$€₫@_#"
_JOINERS = "-_"  # glue to letters or digits: SP-0912345, 0912345678-A
_DIGIT_JOINERS = ":.,/"  # glue to short digit runs: 12/05/2025, 08:30, 1,5
_SHORT_RUN = 4
_BRACKET = re.compile(r"\((\+?84|0\d{1,3})\)[ .\-]?(?=\d)")
# "+84 (0) 912 345 678": the international prefix, then the national 0 in brackets.
_INTL_ZERO = re.compile(r"(?<![\w+])\+?84[ .\-]?\(0\)[ .\-]?(?=\d)")
# The word right before a number (a carrier's code: "GHN 0912…", "J&T: 0912…").
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z&]{1,11})[ \u00a0]*[:#\-]?[ \u00a0]*\Z")
_CARRIER_WINDOW = 16
_MAX_DIGITS = 19
_MIN_DIGITS = 6  # the shortest kind is a 6-digit bank account
_CONTEXT_WINDOW = 40  # characters looked at before a number for a context word
_MAX_KEYWORD_WORDS = 5
# After a title ("chị lan", "anh tuan") the next word is a name, even typed in lower case.
_TITLES = frozenset("anh chi ong ba co chu bac em ban".split())
_WORD = re.compile(r"[a-z0-9]+")
_BREAK = re.compile(r"[\n!?;]|\.\s|\d")
_TAX_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)
_EMAIL_LOCAL = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-_")
# An "@" written to fool a scraper: " @ ", "[at]", "(at)", "{@}", "a còng" (Vietnamese for @).
# The spaces around it are skipped by hand (at most _AT_SPACES): a regex starting with a
# space run would retry from every space of a long one.
_OBFUSCATED_AT = re.compile(
    r"[\[\(\{<][ \t]{0,3}(?:at|@|a[ \t]?c[oò]ng)[ \t]{0,3}[\]\)\}>]"
    r"|(?<=[ \t])a[ \t]?c[oò]ng(?=[ \t])|@", re.IGNORECASE)
_AT_SPACES = 3
# ... and a dot: "[dot]", "(dot)", " chấm ", " dot ".
_OBFUSCATED_DOT = re.compile(r"[ \t]*(?:[\[\(\{][ \t]*(?:dot|chấm|cham|\.)[ \t]*[\]\)\}]"
                             r"|[ \t](?:dot|chấm|cham)[ \t])[ \t]*(?=[A-Za-z0-9])",
                             re.IGNORECASE)
_DOMAIN_RUN = re.compile(r"[A-Za-z0-9\-]+")
# Digits spelled out: with diacritics as written, or folded in a word typed without them.
_DIGIT_WORDS = {"không": "0", "linh": "0", "một": "1", "hai": "2", "ba": "3", "bốn": "4",
                "tư": "4", "năm": "5", "lăm": "5", "sáu": "6", "bảy": "7", "bẩy": "7",
                "tám": "8", "chín": "9", "zero": "0", "one": "1", "two": "2", "three": "3",
                "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9"}
_DIGIT_WORDS_PLAIN = {fold(w): d for w, d in _DIGIT_WORDS.items()}
# Only the candidates: digit words and short digit groups (a whole-word alternation, linear).
_SPELL_TOKEN = re.compile(
    r"(?<![^\W_])(?:" + "|".join(sorted({*_DIGIT_WORDS, *_DIGIT_WORDS_PLAIN}, key=len,
                                      reverse=True)) + r"|\d{1,12})(?![^\W_])", re.IGNORECASE)
_SPELL_GAP = frozenset(" ,.-\u00a0")
_MIN_SPELLED_WORDS = 3
_EMAIL_DOMAIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")


class PiiMatch(NamedTuple):
    """One piece of personal data: its kind, [start, end) in the NFC text, and the text."""

    kind: str
    start: int
    end: int
    text: str


class _Rules(NamedTuple):
    provinces: frozenset[str]
    mobile_prefixes: frozenset[str]
    keyword_kind: dict[str, str]
    gap_words: frozenset[str]  # exact, with diacritics
    gap_words_plain: frozenset[str]  # the same without diacritics, for text typed without them
    stop_words: frozenset[str]
    units: re.Pattern[str]
    carriers: frozenset[str]  # folded, lower case: "ghn", "ghtk", "j&t"


@cache
def _rules() -> _Rules:
    data = json.loads(_DATA.read_text(encoding="utf-8"))
    keyword_kind = {
        fold(word): kind for kind, words in data["context_keywords"].items() for word in words
    }
    units = sorted({fold(u) for u in data["units"]}, key=len, reverse=True)
    unit_alt = "|".join(re.escape(u) for u in units)
    unit_re = re.compile(r"[ \u00a0]?(?:" + unit_alt + r")(?![a-z0-9])")
    return _Rules(
        frozenset(data["province_codes"]),
        frozenset(data["mobile_prefixes"]),
        keyword_kind,
        frozenset(unicodedata.normalize("NFC", w) for w in data["gap_words"]),
        frozenset(fold(w) for w in data["gap_words"]),
        frozenset(data["stop_words"]),
        unit_re,
        frozenset(fold(c) for c in data["carrier_codes"]),
    )


# ---------------------------------------------------------------- validators (digits only)


def is_mobile(digits: str) -> bool:
    """A 10-digit Vietnamese mobile number such as 0912345678."""
    return len(digits) == 10 and digits[:3] in _rules().mobile_prefixes


def is_landline(digits: str) -> bool:
    """An 11-digit landline: 02 + 2-digit area code + 7 digits (e.g. 0233 3852 123)."""
    return len(digits) == 11 and digits.startswith("02") and digits[2] != "0"


def national_phone(digits: str) -> str | None:
    """The 0-leading form of a phone number written with or without 84, else None."""
    if digits.startswith("84") and len(digits) in (11, 12):
        rest = digits[2:]
        digits = rest if rest.startswith("0") else "0" + rest  # +84 0912… is also seen
    return digits if is_mobile(digits) or is_landline(digits) else None


def is_cccd(digits: str) -> bool:
    """12 digits starting with a province code (001 Hà Nội … 045 Quảng Trị … 096 Cà Mau)."""
    return len(digits) == 12 and digits[:3] in _rules().provinces


def tax_check_ok(digits: str) -> bool:
    """A 10-digit company tax code whose last digit matches the official check digit."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], _TAX_WEIGHTS, strict=True))
    check = 10 - total % 11
    return check < 10 and check == int(digits[9])


def luhn_ok(digits: str) -> bool:
    """The Luhn checksum every payment card number satisfies."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


# ---------------------------------------------------------------- number classification


def _looks_like_amount(groups: list[str], seps: list[str]) -> bool:
    """1.200.000 or 12,500: thousands grouping, which Vietnamese uses for money and weights."""
    if not seps or any(s not in ".," for s in seps) or groups[0].startswith("0"):
        return False
    return len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])


def _classify(
    groups: list[str], seps: list[str], plus: bool, context: str | None
) -> str | None:
    digits = "".join(groups)
    if len(groups) > 1:
        # Grouped numbers are written 0912 345 678, 4111 1111 …: a short first group means
        # two separate numbers ("Phòng 04 0912…"), unless it is the country code 84.
        first_ok = len(groups[0]) >= 3 or groups[0] == "84"
        if not first_ok or any(len(g) < 2 for g in groups):
            return None
        if not plus and _looks_like_amount(groups, seps):
            return None
    valid: list[str] = []
    if national_phone(digits) and (not plus or digits.startswith("84")):
        valid.append("phone")
    if plus:
        return valid[0] if valid else None
    if len(digits) == 12 and (is_cccd(digits) or context in ("cccd", "cmnd")):
        valid.append("cccd")
    if len(digits) == 9 and context in ("cmnd", "cccd"):
        valid.append("cmnd")
    head = groups[0] if len(groups) == 2 and seps == ["-"] and len(groups[1]) == 3 else None
    if (len(groups) == 1 and tax_check_ok(digits)) or (head and tax_check_ok(head)):
        valid.append("tax_code")
    elif context == "tax_code" and len(head or digits) == 10 and (head or len(groups) == 1):
        # After "MST"/"mã số thuế" the shape is enough: a mistyped check digit is still the
        # customer's tax code, and a branch code "…-001" is never a card number.
        valid.append("tax_code")
    if 13 <= len(digits) <= _MAX_DIGITS and digits[0] != "0" and luhn_ok(digits):
        valid.append("card")
    if context == "bank_name":  # "Thẻ Vietcombank 4111 …" is a card, "Vietcombank 0123…" an account
        context = "card" if "card" in valid else "bank_account"
    if context == "bank_account" and 6 <= len(digits) <= _MAX_DIGITS:
        valid.append("bank_account")
    if context == "tax_code" and "cccd" in valid:
        return "tax_code"  # since 1 July 2025 the 12-digit ID is also a personal tax code
    if context in valid:
        return context
    if context == "cmnd" and "cccd" in valid:
        return "cccd"
    return valid[0] if valid else None


def _context_kind(text: str, start: int) -> str | None:
    """The kind named by the nearest context word before `start`.

    Walking back word by word, only small words ("số", "của", "chị") and names may sit
    between the context word and the number; a digit, a sentence break or another word means
    the context word is about something else ("tài khoản Facebook có 120000 người").
    """
    rules = _rules()
    w0 = max(0, start - _CONTEXT_WINDOW)
    original = text[w0:start]
    window = fold(original)  # same length as `original`, so word offsets match
    words = list(_WORD.finditer(window))
    for e in range(len(words) - 1, -1, -1):
        if _BREAK.search(original, words[e].end()):  # unfolded: keeps the newlines
            return None
        for n in range(min(_MAX_KEYWORD_WORDS, e + 1), 0, -1):
            phrase = " ".join(w.group() for w in words[e - n + 1 : e + 1])
            if phrase in rules.keyword_kind:
                return rules.keyword_kind[phrase]
        word = words[e]
        after_title = e > 0 and words[e - 1].group() in _TITLES
        original_word = original[word.start() : word.end()]
        if not after_title and not _gap_word(word.group(), original_word, rules):
            return None
    return None


def _gap_word(folded: str, original: str, rules: _Rules) -> bool:
    if folded in rules.stop_words:
        return False
    lower = original.lower()
    if lower in rules.gap_words or (lower == folded and folded in rules.gap_words_plain):
        return True
    # A capitalised short word is most likely part of a name: "chị Lan", "ông Nguyễn Văn A".
    return original[:1].isupper() and len(original) <= 7


def _glued(text: str, start: int, end: int) -> bool:
    """True when the digits are part of a code, date, time, decimal or amount."""
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    if before and (before.isalnum() or before in _GLUE_BEFORE):
        return True
    if after and (after.isalnum() or after in _GLUE_AFTER):
        return True
    beyond_before = text[start - 2] if start > 1 else ""
    beyond_after = text[end + 1] if end + 1 < len(text) else ""
    # SP-0912345 is a code; 12/05, 08:30, 1,5 are dates, times and decimals. But
    # "SĐT:0912345678", "zalo.me/0912345678" and "0912345678/0987654321" are phones:
    # after a letter these marks are punctuation, and dates never have long digit runs.
    if before in _JOINERS and beyond_before.isalnum():
        return True
    if after in _JOINERS and beyond_after.isalnum():
        return True
    if before in _DIGIT_JOINERS and _digit_run(text, start - 2, -1) in range(1, _SHORT_RUN + 1):
        return True
    if after in _DIGIT_JOINERS and _digit_run(text, end + 1, 1) in range(1, _SHORT_RUN + 1):
        return True
    return bool(_rules().units.match(fold(text[end : end + 8])))


def _digit_run(text: str, pos: int, step: int) -> int:
    """How many digits run from `pos` in direction `step` (stops after _SHORT_RUN + 1)."""
    n = 0
    while 0 <= pos < len(text) and text[pos].isdigit() and n <= _SHORT_RUN:
        n += 1
        pos += step
    return n


def _split(chain: str) -> tuple[list[str], list[str], list[int]]:
    """Digit groups, the separators between them and each group's offset in the chain."""
    groups, seps, offsets = [], [], []
    for part in re.finditer(r"\d+", chain):
        if part.start() > 0:
            seps.append(chain[part.start() - 1])
        groups.append(part.group())
        offsets.append(part.start())
    return groups, seps, offsets


def _numbers(text: str) -> Iterable[PiiMatch]:
    for chain in _CHAIN.finditer(text):
        groups, seps, offsets = _split(chain.group())
        base = chain.start()
        i = 0
        while i < len(groups):
            found = None
            # A sub-span may only start or end at a space, never inside 1.200.000 or 091-234.
            if i == 0 or seps[i - 1] in _SPACES:
                found = _longest_at(text, groups, seps, offsets, base, i)
            if found:
                yield found[0]
                i = found[1] + 1
            else:
                i += 1


def _after_carrier(text: str, start: int) -> bool:
    """"GHN 840912345678", "GHTK: 0912…": a shipping or order code, not a phone."""
    word = _WORD_BEFORE.search(text, max(0, start - _CARRIER_WINDOW), start)
    return bool(word) and fold(word.group(1)) in _rules().carriers


def _longest_at(
    text: str, groups: list[str], seps: list[str], offsets: list[int], base: int, i: int
) -> tuple[PiiMatch, int] | None:
    start = base + offsets[i]
    plus = start > 0 and text[start - 1] == "+"
    span_start = start - 1 if plus else start
    if _after_carrier(text, span_start):
        return None
    ends, size = [], 0
    # Grouped numbers start with 3+ digits (or 84) and have no 1-digit group: see _classify.
    may_group = len(groups[i]) >= 3 or groups[i] == "84"
    for j in range(i, len(groups)):
        size += len(groups[j])
        if size > _MAX_DIGITS + 1 or (j > i and (not may_group or len(groups[j]) < 2)):
            break
        if size >= _MIN_DIGITS and (j == len(groups) - 1 or seps[j] in _SPACES):
            ends.append(j)
    context: str | None = None
    for n, j in enumerate(reversed(ends)):
        if n == 0:
            context = _context_kind(text, span_start)  # only once, and only when needed
        kind = _classify(groups[i : j + 1], seps[i:j], plus, context)
        end = base + offsets[j] + len(groups[j])
        if kind and not _glued(text, span_start, end):
            return PiiMatch(kind, span_start, end, text[span_start:end]), j
    return None


def _bracketed_phones(text: str) -> Iterable[PiiMatch]:
    """(+84) 912 345 678, (0233) 3852 123: a prefix in brackets, then the rest of the number;
    +84 (0) 912 345 678: the international prefix with the national 0 in brackets."""
    prefixed = [(m, m.group(1).lstrip("+")) for m in _BRACKET.finditer(text)]
    prefixed += [(m, "840") for m in _INTL_ZERO.finditer(text)]
    for m, prefix in prefixed:
        chain = _CHAIN.match(text, m.end())
        if not chain or _after_carrier(text, m.start()):
            continue
        groups, seps, offsets = _split(chain.group())
        for j in range(len(groups) - 1, -1, -1):
            if j < len(groups) - 1 and seps[j] not in _SPACES:
                continue
            end = chain.start() + offsets[j] + len(groups[j])
            digits = prefix + "".join(groups[: j + 1])
            if national_phone(digits) and not _glued(text, m.start(), end):
                yield PiiMatch("phone", m.start(), end, text[m.start() : end])
                break


# ---------------------------------------------------------------- e-mail


def _emails(text: str) -> Iterable[PiiMatch]:
    at = text.find("@")
    while at != -1:
        left = at
        while left > 0 and text[left - 1] in _EMAIL_LOCAL:
            left -= 1
        right = at + 1
        while right < len(text) and text[right] in _EMAIL_DOMAIN:
            right += 1
        local = text[left:at].lstrip(".")
        domain = text[at + 1 : right].rstrip(".-")
        left = at - len(local)
        labels = domain.split(".")
        if (
            local
            and len(labels) >= 2
            and all(labels)
            and labels[-1].isalpha()
            and len(labels[-1]) >= 2
        ):
            end = at + 1 + len(domain)
            yield PiiMatch("email", left, end, text[left:end])
        at = text.find("@", at + 1)


def _obfuscated_emails(text: str) -> Iterable[PiiMatch]:
    """"an_nguyen92 @ yahoo.com", "lan[at]htx-camlo.vn", "lan a còng gmail chấm com".

    Linear: each "at" is found once by one regex pass; the local part is read back to the
    previous non-address character and the domain forward, label by label."""
    for m in _OBFUSCATED_AT.finditer(text):
        at_start, at_end = m.start(), m.end()
        while at_start > 0 and m.start() - at_start < _AT_SPACES and text[at_start - 1] in " \t":
            at_start -= 1
        while at_end < len(text) and at_end - m.end() < _AT_SPACES and text[at_end] in " \t":
            at_end += 1
        if m.group() == "@" and (at_start, at_end) == m.span():
            continue  # the plain form: _emails
        left = at_start
        while left > 0 and text[left - 1] in _EMAIL_LOCAL:
            left -= 1
        local = text[left:at_start].lstrip(".")
        if not local or not any(c.isalnum() for c in local):
            continue
        left = at_start - len(local)
        labels, pos = [], at_end
        while True:
            label = _DOMAIN_RUN.match(text, pos)
            if not label:
                break
            labels.append(label.group())
            pos = label.end()
            dot = _OBFUSCATED_DOT.match(text, pos)
            if pos < len(text) - 1 and text[pos] == "." and text[pos + 1].isalnum():
                pos += 1
            elif dot:
                pos = dot.end()
            else:
                break
        labels = [lb.strip("-") for lb in labels]
        if len(labels) >= 2 and all(labels) and labels[-1].isalpha() and len(labels[-1]) >= 2:
            end = pos
            yield PiiMatch("email", left, end, text[left:end])


# ---------------------------------------------------------------- numbers spelled out


def _spelled_phones(text: str) -> Iterable[PiiMatch]:
    """"không chín một hai ba bốn năm sáu bảy tám", "0912 ba bốn năm sáu bảy tám".

    One pass over the words: a run of digit words (and short digit groups) separated by
    spaces, commas, dots or hyphens is read as digits; any part of it with at least three
    words whose digits make a phone is one (at most 12 digits are tried from each word, so
    the work stays linear)."""
    run: list[tuple[int, int, str, bool]] = []  # (start, end, digits, spelled)

    def phones() -> Iterable[PiiMatch]:
        i = 0
        while i < len(run):
            number, words, found = "", 0, None
            for j in range(i, len(run)):
                number += run[j][2]
                words += run[j][3]
                if len(number) > 12:
                    break
                if words >= _MIN_SPELLED_WORDS and national_phone(number):
                    found = j  # the longest phone from i (84… is longer than 0…)
            if found is not None and not _after_carrier(text, run[i][0]):
                start, end = run[i][0], run[found][1]
                yield PiiMatch("phone", start, end, text[start:end])
                i = found + 1
            else:
                i += 1

    for tok in _SPELL_TOKEN.finditer(text):
        word = tok.group()
        low = word.lower()
        digit = word if word.isdigit() else _DIGIT_WORDS.get(low)
        if digit is None and low == fold(low):  # typed without diacritics
            digit = _DIGIT_WORDS_PLAIN.get(low)
        joined = bool(run) and tok.start() - run[-1][1] <= 3 and all(
            c in _SPELL_GAP for c in text[run[-1][1] : tok.start()])
        if run and (digit is None or not joined):
            yield from phones()
            run = []
        if digit is not None:
            run.append((tok.start(), tok.end(), digit, not word.isdigit()))
    yield from phones()


# ---------------------------------------------------------------- all numbers


def find_numbers(text: str) -> list[PiiMatch]:
    """Numbers and e-mail addresses in `text` (already NFC): every kind except names/addresses."""
    return [*_emails(text), *_obfuscated_emails(text), *_bracketed_phones(text),
            *_spelled_phones(text), *_numbers(text)]
