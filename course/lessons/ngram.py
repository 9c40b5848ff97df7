"""A tiny word n-gram language model for lesson 01 ("predicting the next word").

It is deliberately small and transparent: counts of which word followed which, turned into
probabilities, sampled with a temperature. Large language models do the same job (predict the
next token) with a neural network instead of a count table.
"""

from __future__ import annotations

import math
import random
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable

import pandas as pd

from ..errors import CourseError
from ..i18n import t

START = "<s>"
END = "</s>"
# Words (letters/digits, Vietnamese diacritics included) or single punctuation marks.
_TOKEN = re.compile(r"\w+|[^\w\s]", re.UNICODE)
_SENTENCE_END = {".", "!", "?"}
_NO_SPACE_BEFORE = {".", ",", "!", "?", ":", ";", ")", "%"}

COL_WORD = "từ tiếp theo"
COL_COUNT = "số lần gặp"
COL_PROB = "xác suất"


def tokenize(text: str, keep_case: bool = False) -> list[str]:
    """Split a text into NFC words and punctuation marks (lower case unless keep_case)."""
    text = unicodedata.normalize("NFC", str(text))
    return _TOKEN.findall(text if keep_case else text.lower())


def _sentences(tokens: list[str]) -> list[list[str]]:
    """Cut a token list after ., ! or ? so every sentence gets its own start/end markers."""
    out: list[list[str]] = []
    current: list[str] = []
    for tok in tokens:
        current.append(tok)
        if tok in _SENTENCE_END:
            out.append(current)
            current = []
    if current:
        out.append(current)
    return out


def detokenize(words: Iterable[str], forms: dict[str, str] | None = None) -> str:
    """Join words back into readable text (no space before punctuation, capital after a stop).

    `forms` maps a lower-case word to how it is usually written ("khe" -> "Khe").
    """
    forms = forms or {}
    text = ""
    capital = True
    for word in words:
        if word in (START, END):
            continue
        piece = forms.get(word, word)
        piece = piece[:1].upper() + piece[1:] if capital else piece
        if text and word not in _NO_SPACE_BEFORE:
            text += " "
        text += piece
        capital = word in _SENTENCE_END
    return text


class NgramModel:
    """Counts of "after these n-1 words came this word", with back-off to shorter contexts."""

    def __init__(self, n: int = 2) -> None:
        if n not in (2, 3):
            raise CourseError(t("lessons.ngram_bad_n", n=n))
        self.n = n
        # counts[k][context tuple of length k] -> Counter of next words, for k = n-1 ... 0
        self.counts: list[dict[tuple[str, ...], Counter[str]]] = [
            defaultdict(Counter) for _ in range(n)
        ]
        self.n_texts = 0
        self.n_tokens = 0
        # Words are matched in lower case but shown as usually written (proper names keep capitals).
        self._cased: dict[str, Counter[str]] = defaultdict(Counter)

    @classmethod
    def train(cls, texts: Iterable[str] | pd.Series, n: int = 2) -> NgramModel:
        """Build a model from texts (a list or a pandas column of strings)."""
        model = cls(n)
        if isinstance(texts, str):
            texts = [texts]
        for text in texts:
            if text is None or (isinstance(text, float) and math.isnan(text)):
                continue  # empty spreadsheet cells
            cased = tokenize(text, keep_case=True)
            if not cased:
                continue
            tokens = [w.lower() for w in cased]
            for i, (low, form) in enumerate(zip(tokens, cased, strict=True)):
                if i > 0 and cased[i - 1] not in _SENTENCE_END:  # skip sentence-initial capitals
                    model._cased[low][form] += 1
            model.n_texts += 1
            for sentence in _sentences(tokens):
                model._add_sentence(sentence)
        if model.n_tokens == 0:
            raise CourseError(t("lessons.ngram_no_text"))
        return model

    def _add_sentence(self, sentence: list[str]) -> None:
        padded = [START] * (self.n - 1) + sentence + [END]
        for i in range(self.n - 1, len(padded)):
            word = padded[i]
            for k in range(self.n):
                context = tuple(padded[i - k : i]) if k else ()
                self.counts[k][context][word] += 1
        self.n_tokens += len(sentence)

    def _forms(self) -> dict[str, str]:
        # Computed once per training size; cheap enough to rebuild if more text is added.
        key = self.n_tokens
        if getattr(self, "_forms_key", None) != key:
            self._forms_cache = {w: f.most_common(1)[0][0] for w, f in self._cased.items()}
            self._forms_key = key
        return self._forms_cache

    @property
    def vocabulary_size(self) -> int:
        return len(self.counts[0][()])

    def _counter_for(self, history: list[str]) -> tuple[Counter[str], tuple[str, ...]]:
        """The longest known context that ends the history (back-off when unseen)."""
        padded = [START] * (self.n - 1) + history
        for k in range(self.n - 1, -1, -1):
            context = tuple(padded[len(padded) - k :]) if k else ()
            counter = self.counts[k].get(context)
            if counter:
                return counter, context
        return self.counts[0][()], ()

    def next_word_probs(self, context: str = "", top: int = 10) -> pd.DataFrame:
        """Table of the most likely next words after `context`, most likely first.

        `df.attrs["context"]` holds the words the model actually looked at (after back-off).
        """
        counter, used = self._counter_for(tokenize(context))
        total = sum(counter.values())
        forms = self._forms()
        rows = [
            {COL_WORD: "(hết câu)" if w == END else forms.get(w, w), COL_COUNT: c,
             COL_PROB: round(c / total, 3)}
            for w, c in counter.most_common(max(1, int(top)))
        ]
        df = pd.DataFrame(rows, columns=[COL_WORD, COL_COUNT, COL_PROB])
        df.attrs["context"] = " ".join(w for w in used if w != START)
        return df

    def generate(
        self,
        start: str = "",
        length: int = 15,
        temperature: float = 1.0,
        seed: int | None = None,
    ) -> str:
        """Continue `start` word by word, up to `length` new words.

        temperature 0 always takes the most likely word; higher values flatten the
        probabilities so rarer words get picked more often.
        """
        try:
            temperature = float(temperature)
        except (TypeError, ValueError):
            raise CourseError(t("lessons.ngram_bad_temperature")) from None
        if temperature < 0 or math.isnan(temperature):
            raise CourseError(t("lessons.ngram_bad_temperature"))
        rng = random.Random(seed)
        history = tokenize(start)
        words = list(history)
        for _ in range(max(0, int(length))):
            counter, _used = self._counter_for(history)
            word = _pick(counter, temperature, rng)
            if word == END:
                if words and words[-1] not in _SENTENCE_END:
                    words.append(".")
                break
            words.append(word)
            history.append(word)
        return detokenize(words, self._forms())


def _pick(counter: Counter[str], temperature: float, rng: random.Random) -> str:
    # Sort for a stable order so the same seed always gives the same text.
    items = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    if temperature == 0:
        return items[0][0]
    # p ** (1/T), computed in log space so tiny temperatures do not overflow.
    logs = [math.log(c) / temperature for _, c in items]
    top = max(logs)
    weights = [math.exp(v - top) for v in logs]
    return rng.choices([w for w, _ in items], weights=weights, k=1)[0]
