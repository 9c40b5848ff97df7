"""What kind of business a request or a profile is about: product, service, lodging or venue.

The offline simulation picks its wording per kind (data/offline/generic.json: a template is a
plain string for every kind, or {"t": ..., "for": [kinds]}), so a laundry never gets "làm quà"
or "bảo quản", and a jar of honey never gets "đặt lịch". When the kind is unclear the answer uses
only wording that fits every kind. Cue words live in data/offline/kinds.json.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache

from ..text import fold, nfc
from .offline_data import DATA

MAIN = ("product", "service", "lodging", "venue")


@dataclass(frozen=True)
class Kind:
    main: str = ""  # "" when unclear: neutral wording only
    sub: str = ""

    @property
    def known(self) -> bool:
        return bool(self.main)


@cache
def data() -> dict:
    return json.loads((DATA / "offline" / "kinds.json").read_text(encoding="utf-8"))


@cache
def _patterns() -> tuple[tuple[str, str, re.Pattern[str], re.Pattern[str] | None], ...]:
    out = []
    d = data()
    for main in d["order"]:
        for sub, cues in d["kinds"][main]["subs"].items():
            def alt(words: list[str]) -> re.Pattern[str] | None:
                words = sorted(set(words), key=len, reverse=True)
                if not words:
                    return None
                return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words)
                                  + r")(?!\w)")
            out.append((main, sub, alt(cues["accented"]), alt(cues["cues"])))
    return tuple(out)


def _has_accents(text: str) -> bool:
    return fold(text) != text.lower()


def detect(*texts: str) -> Kind:
    """The kind of the first text that shows one (the business name first, then the request)."""
    for text in texts:
        if not text:
            continue
        low = nfc(text).lower()
        accented = _has_accents(low)
        plain = fold(low)
        best: tuple[int, Kind] | None = None
        for main, sub, acc, pl in _patterns():
            m = acc.search(low) if accented and acc else (pl.search(plain) if pl else None)
            if m and (best is None or m.start() < best[0]):
                best = (m.start(), Kind(main, sub))  # the first cue in the text is its head
        if best:
            return best[1]
    return Kind()


def starts_with_cue(text: str) -> bool:
    """Whether `text` opens with a business word ("phòng khám …", "tiệm giặt …", "homestay …")."""
    return cue_length(text) > 0


def cue_length(text: str) -> int:
    """How many characters of `text` its opening business word takes ("dạy kèm" -> 7), or 0."""
    low = nfc(text).lower()
    accented = _has_accents(low)
    subject = low if accented else fold(low)
    at = 0
    while True:  # overlapping business words chain: "lớp dạy" + "dạy kèm" -> "lớp dạy kèm"
        best = at
        for _main, _sub, acc, pl in _patterns():
            pat = acc if accented else pl
            for start in {at, *(i + 1 for i, ch in enumerate(subject[:at]) if ch == " ")}:
                m = pat.match(subject, start) if pat is not None else None
                if m and m.end() > best:
                    best = m.end()
        if best == at:
            return at
        at = best


def from_profile(value: str) -> Kind:
    """The kind chosen in the profile form ("Dịch vụ (…)"), or an empty Kind."""
    for label, (main, sub) in data()["profile_choices"].items():
        if nfc(str(value or "")).strip() in (label, main) or fold(value or "") == fold(label):
            return Kind(main, sub)
    return Kind()


def profile_choices() -> list[str]:
    return list(data()["profile_choices"])


def fits(entry: object, kind: Kind) -> str | None:
    """The template text of a phrase-bank entry when it fits `kind`, else None."""
    if isinstance(entry, str):
        return entry
    if isinstance(entry, dict):
        wanted = entry.get("for", [])
        if (kind.main and kind.main in wanted) or (kind.sub and kind.sub in wanted) or (
                not kind.known and "unknown" in wanted):
            return str(entry["t"])
    return None


def bank(entries: list, kind: Kind) -> list[str]:
    return [x for e in entries if (x := fits(e, kind)) is not None]
