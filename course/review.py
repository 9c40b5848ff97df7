"""Score a prompt on six parts: role, context, task, format, tone, constraints.

Pure Python and deterministic: no model calls. Cue patterns and weights live in
data/review/cues.json and are matched on a folded copy of the prompt (NFC, lower case,
no diacritics, spaces collapsed), so "Bạn là chuyên gia", "ban la chuyen gia", NFD input
and English ("You are…", "format: bullet list") all count. Every pattern has bounded
quantifiers, so a 50-page paste is scanned in linear time.

Matching is on whole syllables, and accents decide when they are typed: cues.json's `traps`
mask words that only fold to a cue ("Cửa Việt" is not "viết", "dân văn phòng" is not a tone),
and a capitalised word in mid-sentence typed without accents ("Cua Viet") is a name. A role
earns its points only when it names a plausible business role ("Bạn là lễ tân", not "Bạn là
con mèo"); task verbs include "đặt tên", "gợi ý", "liệt kê", "soạn", "lập", "tóm tắt".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from .errors import CourseTypeError
from .i18n import t
from .text import fold_chars, nfc

PARTS = ("role", "context", "task", "format", "tone", "constraints")
_DATA = Path(__file__).parent / "data" / "review" / "cues.json"


def _labels() -> dict[str, str]:
    return {part: t(f"review.label_{part}") for part in PARTS}


@dataclass
class PromptReview:
    """The result of `review_prompt`: a 0–100 score, which parts are present, tips for the rest."""

    score: int
    parts: dict[str, bool]
    tips: dict[str, str]
    labels: dict[str, str] = field(default_factory=_labels)
    evidence: dict[str, str] = field(default_factory=dict)  # part -> the words that showed it
    empty: bool = False

    @property
    def present(self) -> list[str]:
        return [p for p in PARTS if self.parts.get(p)]

    @property
    def missing(self) -> list[str]:
        return [p for p in PARTS if not self.parts.get(p)]

    def level(self) -> str:
        """A word for the score: "rất tốt" (80+), "khá" (50+), otherwise "cần bổ sung"."""
        key = "good" if self.score >= 80 else "ok" if self.score >= 50 else "weak"
        return t(f"review.level_{key}")

    def summary(self) -> str:
        """One or two short Vietnamese sentences, e.g. "Điểm 60/100 (khá). Nên thêm: …"."""
        head = t("review.summary", score=self.score, level=self.level())
        if self.empty:
            return f"{head} {t('review.summary_empty')}"
        if not self.missing:
            return f"{head} {t('review.summary_all')}"
        names = ", ".join(self.labels[p] for p in self.missing)
        if not self.present:
            return f"{head} {t('review.summary_missing', parts=names)}"
        have = ", ".join(self.labels[p] for p in self.present)
        return f"{head} {t('review.summary_present', parts=have)} " + t(
            "review.summary_missing", parts=names
        )

    def _repr_pretty_(self, printer: object, cycle: bool) -> None:
        """IPython shows the readable Vietnamese report (plain text) instead of the fields."""
        printer.text(str(self))  # type: ignore[attr-defined]

    def __str__(self) -> str:
        lines = [t("review.report_title", score=self.score, level=self.level())]
        for part in PARTS:
            label = self.labels[part]
            label = label[:1].upper() + label[1:]
            if self.parts.get(part):
                lines.append(t("review.report_present", label=label))
            else:
                lines.append(t("review.report_missing", label=label, tip=self.tips.get(part, "")))
        return "\n".join(lines)


@dataclass(frozen=True)
class _Cues:
    weights: dict[str, int]
    patterns: dict[str, re.Pattern[str]]
    context_min_words: int
    traps: dict[str, re.Pattern[str]]  # part -> accented words that only look like its cues
    plain_names: frozenset[str]


@cache
def _cues() -> _Cues:
    data = json.loads(_DATA.read_text(encoding="utf-8"))
    roles = "|".join(data["role_nouns"])
    roles_en = "|".join(data["role_nouns_en"])

    def pattern(part: str) -> re.Pattern[str]:
        body = "|".join(data["parts"][part]).replace("{role}", roles).replace("{role_en}",
                                                                              roles_en)
        return re.compile(r"(?<![a-z0-9])(?:" + body + r")(?![a-z0-9])")

    traps = {part: re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)",
                              re.IGNORECASE)
             for part, words in data["traps"].items() if part in PARTS}
    weights = {part: int(data["weights"][part]) for part in PARTS}
    return _Cues(weights, {part: pattern(part) for part in PARTS},
                 int(data["context_min_words"]), traps,
                 frozenset(data["traps"].get("plain_names", [])))


def _fold_with_map(text: str) -> tuple[str, list[int]]:
    """Folded text plus, for each folded character, its index in `text` (for evidence).

    Whitespace runs become one space, or one newline if the run held a line break, so
    patterns can still anchor on line starts ("Bạn là …" on its own line).
    """
    folded = fold_chars(text.lower())  # one char in, one char out: offsets stay aligned
    out: list[str] = []
    index: list[int] = []
    gap_start, gap_newline = -1, False
    for i, ch in enumerate(folded):
        if ch.isspace():
            if gap_start < 0:
                gap_start = i
            gap_newline = gap_newline or text[i] == "\n"
            continue
        if gap_start >= 0 and out:
            out.append("\n" if gap_newline else " ")
            index.append(gap_start)
        gap_start, gap_newline = -1, False
        out.append(ch)
        index.append(i)
    return "".join(out), index


def _mask(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with the given spans replaced by '#' (same length, so offsets stay aligned)."""
    chars = list(text)
    for lo, hi in spans:
        chars[lo:hi] = "#" * (hi - lo)
    return "".join(chars)


def _proper_names(text: str, names: frozenset[str]) -> list[tuple[int, int]]:
    """Capitalised words in mid-sentence typed without accents that fold to a cue ("Cua Viet")."""
    spans = []
    for m in re.finditer(r"\w+", text):
        word = m.group(0)
        before = text[: m.start()].rstrip()
        if word.istitle() and word.lower() in names and before and before[-1] not in ".!?:\n":
            spans.append(m.span())
    return spans


def normalise(text: str) -> str:
    """The form cues are matched on: NFC, lower case, no diacritics, spaces collapsed."""
    return _fold_with_map(nfc(text))[0]


def review_prompt(text: str) -> PromptReview:
    """Check which of the six parts a prompt has and score it (weights in cues.json)."""
    if text is not None and not isinstance(text, str):
        raise CourseTypeError(t("review.error_not_text", type=type(text).__name__))
    cues = _cues()
    text = nfc(text or "")
    folded, index = _fold_with_map(text)
    if not folded:
        tips = {part: t(f"review.tip_{part}") for part in PARTS}
        tips["task"] = t("review.tip_empty")
        return PromptReview(0, dict.fromkeys(PARTS, False), tips, empty=True)
    parts: dict[str, bool] = {}
    evidence: dict[str, str] = {}
    names = _proper_names(text, cues.plain_names)
    for part in PARTS:
        view = folded
        trap = cues.traps.get(part)
        spans = [m.span() for m in trap.finditer(text)] if trap else []
        if part == "task":
            spans += names
        if spans:  # "Cửa Việt" is a place, "dân văn phòng" an audience: not cues
            view = _fold_with_map(_mask(text, spans))[0]
        match = cues.patterns[part].search(view)
        if match:
            lo, hi = match.span()
            if hi > lo:
                evidence[part] = text[index[lo] : index[hi - 1] + 1].strip()
        parts[part] = bool(match)
    if not parts["context"] and len(folded.split()) >= cues.context_min_words:
        parts["context"] = True  # a long description is context even without cue words
    score = sum(cues.weights[p] for p in PARTS if parts[p])
    tips = {p: t(f"review.tip_{p}") for p in PARTS if not parts[p]}
    return PromptReview(score, parts, tips, evidence=evidence)
