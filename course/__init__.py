"""Ứng dụng AI – ChatGPT trong sản xuất, kinh doanh: the course library.

Lessons use only this package:

    import course
    course.ask("Viết 3 khẩu hiệu cho cà phê Khe Sanh")

With no API key it answers through a clearly labelled offline simulation; with a key or a
local server (`course.setup()` or environment variables) the same code talks to a real model.
"""

from __future__ import annotations

import logging
import sys
from importlib import import_module
from pathlib import Path
from typing import Any

from .config import Provider
from .errors import COURSE_ERRORS as COURSE_ERRORS
from .errors import CourseError, CourseTypeError, is_course_error
from .llm import session as _session
from .llm.client import PersonalDataWarning, ask, chat, stream, test_connection
from .llm.errors import (
    AuthError,
    BudgetExceededError,
    ContentRefusedError,
    ContextTooLongError,
    LLMConnectionError,
    LLMError,
    LLMTimeoutError,
    MalformedResponseError,
    ModelNotFoundError,
    PersonalDataError,
    QuotaExceededError,
    RateLimitError,
    ServerError,
)
from .llm.offline import is_simulated, strip_label
from .llm.session import configure, cost_vnd, reset_usage
from .llm.tokens import TokenInfo, count_tokens, token_info

DATA_DIR = Path(__file__).resolve().parent / "data"

# The library logs what it swallows or retries (logger "course.*"); a notebook shows none of it
# unless a developer configures logging (e.g. logging.basicConfig(level="INFO")).
logging.getLogger(__name__).addHandler(logging.NullHandler())


def data_path(name: str) -> Path:
    """Path of a teaching data file shipped with the course, e.g. data_path("products.csv")."""
    return DATA_DIR / name


def status() -> dict:
    """The current connection: a dict for code (`course.status()["model"]`), shown as a small
    Vietnamese table when it is the last line of a cell. The key only as its last 4 characters."""
    from .widgets.status_view import StatusDict

    return StatusDict(_session.status())


def usage():  # -> pandas.DataFrame
    """Every call of this session (time, mode, model, tokens, cost in đồng, cached): a DataFrame
    for code, shown with Vietnamese column names and Vietnam time in a notebook."""
    from .widgets.status_view import usage_table

    return usage_table(_session.usage())


def __getattr__(name: str) -> Any:
    if name == "PROVIDERS":  # computed: the presets plus, on a workshop hub, the class AI
        from .config import providers

        return providers(_session.get_settings())
    # Heavier or optional parts load on first use, so `import course` stays fast.
    lazy = {
        "SIMULATION_LABEL": ("course.llm.offline", "label"),
        "review_prompt": ("course.review", "review_prompt"),
        "PromptReview": ("course.review", "PromptReview"),
        "find_pii": ("course.privacy", "find_pii"),
        "mask_pii": ("course.privacy", "mask_pii"),
        "PiiMatch": ("course.privacy", "PiiMatch"),
        "setup": ("course.widgets", "setup"),
        "show_status": ("course.widgets.status_view", "show_status"),
        "widgets": ("course.widgets", None),
    }
    if name not in lazy:
        if name.startswith("_"):  # Python's and IPython's own probes (__path__, _repr_html_)
            raise AttributeError(f"module 'course' has no attribute {name!r}")
        # A participant's typo (course.hoi): the course's own error, in Vietnamese, with the
        # nearest real names; still an AttributeError for hasattr() and `from course import`.
        from .errors import CourseAttributeError
        from .notebook import course_name_help

        error = CourseAttributeError(course_name_help(name, [*__all__, *lazy]))
        error.name, error.obj = name, sys.modules[__name__]
        raise error
    module, attr = lazy[name]
    mod = import_module(module)
    if name == "SIMULATION_LABEL":
        return mod.label()
    return mod if attr is None else getattr(mod, attr)


def _in_kernel() -> None:
    """In an IPython kernel, show the course's own errors as one sentence, and Vietnamese help
    for the common Python mistakes (course.notebook decides each by exception type)."""
    from .notebook import install_friendly_errors

    install_friendly_errors()


_in_kernel()

__all__ = [
    "PROVIDERS", "Provider", "ask", "chat", "stream", "configure", "status", "test_connection",
    "usage", "reset_usage", "count_tokens", "token_info", "TokenInfo", "cost_vnd", "data_path",
    "is_simulated", "strip_label", "SIMULATION_LABEL", "review_prompt", "PromptReview",
    "find_pii", "mask_pii", "PiiMatch", "setup", "show_status", "PersonalDataWarning",
    "LLMError", "AuthError", "RateLimitError", "QuotaExceededError", "LLMConnectionError",
    "LLMTimeoutError", "ContextTooLongError", "ContentRefusedError", "MalformedResponseError",
    "ServerError", "ModelNotFoundError", "BudgetExceededError", "PersonalDataError",
    "CourseError", "CourseTypeError", "is_course_error",
]
