"""Errors raised by the LLM layer. Every message is Vietnamese and says what to do next.

Messages come from the catalogue (data/messages/<lang>/llm.json). Nothing here ever
holds the API key: the SDK's own exception is not chained (it may quote the key).
"""

from __future__ import annotations

from ..i18n import t


class LLMError(Exception):
    """Base class: `str(err)` is a Vietnamese explanation plus the next step."""

    key = "llm.error_generic"

    def __init__(self, message: str | None = None, *, detail: str | None = None, **fmt: object):
        self.detail = detail  # short, key-free technical detail for instructors
        super().__init__(message or t(self.key, **fmt))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class AuthError(LLMError):
    key = "llm.error_auth"


class RateLimitError(LLMError):
    key = "llm.error_rate_limit"


class QuotaExceededError(RateLimitError):
    key = "llm.error_quota"


class LLMConnectionError(LLMError):
    key = "llm.error_connection"


class LLMTimeoutError(LLMConnectionError):
    key = "llm.error_timeout"


class ContextTooLongError(LLMError):
    key = "llm.error_context"


class ContentRefusedError(LLMError):
    key = "llm.error_refused"


class MalformedResponseError(LLMError):
    key = "llm.error_malformed"


class ServerError(LLMError):
    key = "llm.error_server"


class ModelNotFoundError(LLMError):
    key = "llm.error_model"


class BudgetExceededError(LLMError):
    key = "llm.error_budget"


class PersonalDataError(LLMError):
    key = "llm.error_pii"
