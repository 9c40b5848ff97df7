"""The course's own error types, and the one test of whether an error is one of them.

Every learner-facing error the course raises is a `CourseError` (bad input to a lesson helper or
a widget) or an `LLMError` (something went wrong talking to a model). Both carry a message from
the catalogue that says what to do next. Widgets and the notebook handler show such a message as
it is; any other exception is Python's or a library's and keeps its normal treatment.

`CourseError` subclasses `ValueError` so code written as `except ValueError` keeps working;
`CourseTypeError` is also a `TypeError` for "this needs text, not a number" style checks.
"""

from __future__ import annotations

from .llm.errors import LLMError


class CourseError(ValueError):
    """Bad input from a learner; `str(err)` is a sentence from the catalogue."""


class CourseTypeError(CourseError, TypeError):
    """A value of the wrong kind (e.g. a number where text is needed)."""


class CourseAttributeError(CourseError, AttributeError):
    """A name the course does not have (`course.hoi`): the message suggests the nearest real ones.

    Also an `AttributeError`, so `hasattr(course, ...)` and `from course import ...` keep working.
    """


# What the notebook handler registers and widgets recognise: nothing else is "ours".
COURSE_ERRORS: tuple[type[Exception], ...] = (CourseError, LLMError)


def is_course_error(exc: BaseException) -> bool:
    """True when `exc` is the course's own learner-facing error (its message is safe to show)."""
    return isinstance(exc, COURSE_ERRORS)


__all__ = ["COURSE_ERRORS", "CourseAttributeError", "CourseError", "CourseTypeError", "LLMError",
           "is_course_error"]
