"""Message catalogue: learner-facing text lives in data/messages/<lang>/<domain>.json.

Keys are "<domain>.<name>"; each domain is its own file so lessons, widgets and the
LLM layer can grow their catalogues independently.
"""

from __future__ import annotations

import json
import logging
from functools import cache
from pathlib import Path

_DIR = Path(__file__).parent / "data" / "messages"
_language = "vi"
_strict = False
log = logging.getLogger(__name__)
LANGUAGES = ("vi", "en")


def set_language(lang: str) -> None:
    """Switch the catalogue ("vi" is the default, "en" is for instructors and developers)."""
    global _language
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}")
    _language = lang


def get_language() -> str:
    return _language


@cache
def _domain(lang: str, domain: str) -> dict[str, str]:
    path = _DIR / lang / f"{domain}.json"
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


class MissingMessageError(KeyError):
    """A key with no entry in any catalogue (raised only in strict mode, i.e. under test)."""


def set_strict(strict: bool) -> None:
    """Strict mode (the test suite): a missing key raises instead of showing the key itself."""
    global _strict
    _strict = strict


def t(key: str, **kwargs: object) -> str:
    """Translate `key` ("domain.name"), falling back to Vietnamese, then to the key itself."""
    domain, _, name = key.partition(".")
    text = _domain(_language, domain).get(name) or _domain("vi", domain).get(name)
    if text is None:
        if _strict:
            raise MissingMessageError(key)
        log.warning("message %s is missing from the catalogue", key)
        text = key
    return text.format(**kwargs) if kwargs else text
