"""Friendlier errors in notebooks, for participants who are not programmers.

Two separate things happen in a kernel that imported `course`:

1. The course's own errors (`CourseError`, `LLMError`: decided by type, nothing else) show
   their Vietnamese sentence instead of forty lines of traceback.
2. The handful of Python mistakes every newcomer makes (a name not defined because a cell was
   skipped, a missing quote, an unmatched bracket, indentation, a cell interrupted, a module or a
   file not found) get one short Vietnamese explanation with the next step, then the original
   error line for the curious. Each is chosen explicitly by exception type; any other error
   keeps IPython's normal traceback.

The output is still an error, so nbval and nbgrader see a failed cell as failed. The course's
warnings (long prompt, personal data) are shown as one clean Vietnamese notice, without the
file path and source line Python's warning format adds.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable
from typing import Any

from .i18n import t

RED = "\x1b[1;31m"
DIM = "\x1b[2m"
RESET = "\x1b[0m"


def course_error_types() -> tuple[type[BaseException], ...]:
    """CourseError and LLMError: the errors whose message the course wrote."""
    from .errors import COURSE_ERRORS

    return COURSE_ERRORS


def _syntax_help(evalue: SyntaxError) -> str | None:
    message = (evalue.msg or "").lower()
    line = evalue.lineno or 1
    if isinstance(evalue, IndentationError):  # TabError is one too
        return t("notebook.indentation", line=line)
    if "unterminated string" in message or "unterminated triple-quoted" in message \
            or "eol while scanning" in message or "eof while scanning" in message:
        return t("notebook.quote", line=line)
    if "was never closed" in message or "unmatched" in message \
            or "does not match opening parenthesis" in message:
        return t("notebook.bracket", line=line)
    if "incomplete input" in message and _unbalanced(evalue.text or ""):
        return t("notebook.bracket", line=line)  # IPython's word for "( never closed"
    return None


def _unbalanced(text: str) -> bool:
    return any(text.count(a) != text.count(b) for a, b in ("()", "[]", "{}"))


def _name_help(evalue: NameError) -> str:
    name = getattr(evalue, "name", None) or "?"
    return t("notebook.name", name=name)


def _module_help(evalue: ModuleNotFoundError) -> str:
    return t("notebook.module", name=getattr(evalue, "name", None) or "?")


def _file_help(evalue: FileNotFoundError) -> str:
    return t("notebook.file", name=evalue.filename or "?")


def _interrupt_help(evalue: KeyboardInterrupt) -> str:
    return t("notebook.interrupted")


# Explicit, per exception type; order matters (IndentationError before SyntaxError).
_HELP: tuple[tuple[type[BaseException], Callable[[Any], str | None]], ...] = (
    (SyntaxError, _syntax_help),
    (ModuleNotFoundError, _module_help),
    (NameError, _name_help),
    (FileNotFoundError, _file_help),
    (KeyboardInterrupt, _interrupt_help),
)
PYTHON_ERRORS = tuple(kind for kind, _ in _HELP)


def python_error_help(evalue: BaseException) -> str | None:
    """The Vietnamese explanation for one of the common mistakes, or None for anything else."""
    for kind, explain in _HELP:
        if isinstance(evalue, kind):
            return explain(evalue)
    return None


def original_line(etype: type[BaseException], evalue: BaseException) -> str:
    """The last line of Python's own report, e.g. "NameError: name 'khach' is not defined"."""
    text = str(evalue.msg if isinstance(evalue, SyntaxError) else evalue)
    return f"{etype.__name__}: {text}" if text else etype.__name__


def _handler(shell, etype, evalue, tb, tb_offset=None):
    if isinstance(evalue, course_error_types()):
        stb = [f"{RED}❌ {evalue}{RESET}"]
    else:
        help_text = python_error_help(evalue)
        if help_text is None:  # e.g. a SyntaxError that is neither a quote nor a bracket
            if isinstance(evalue, SyntaxError):
                stb = shell.SyntaxTB.structured_traceback(etype, evalue, None)
            else:
                stb = shell.InteractiveTB.structured_traceback(etype, evalue, tb,
                                                               tb_offset=tb_offset)
            shell._showtraceback(etype, evalue, stb)
            return stb
        stb = [f"{RED}{help_text}{RESET}",
               f"{DIM}{t('notebook.original')} {original_line(etype, evalue)}{RESET}"]
    shell._showtraceback(etype, evalue, stb)
    return stb


def course_warning_types() -> tuple[type[Warning], ...]:
    from .llm import client

    return tuple(getattr(client, name) for name in ("PersonalDataWarning", "LongPromptWarning")
                 if hasattr(client, name))


def format_course_warning(message: Warning | str) -> str:
    return f"⚠ {message}\n"


def _wrap_showwarning(previous: Callable[..., None]) -> Callable[..., None]:
    def showwarning(message, category, filename, lineno, file=None, line=None):
        if isinstance(category, type) and issubclass(category, course_warning_types()):
            stream = file if file is not None else sys.stderr
            try:
                stream.write(format_course_warning(message))
            except (OSError, AttributeError):
                pass
            return
        previous(message, category, filename, lineno, file, line)

    showwarning._course = True  # type: ignore[attr-defined]
    return showwarning


def install_friendly_errors() -> bool:
    """Register the handler in the running IPython kernel; False outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None or not hasattr(shell, "set_custom_exc"):
        return False
    shell.set_custom_exc(course_error_types() + PYTHON_ERRORS, _handler)
    if not getattr(warnings.showwarning, "_course", False):
        warnings.showwarning = _wrap_showwarning(warnings.showwarning)
    return True


def load_ipython_extension(shell) -> None:
    """`%load_ext course.notebook`; the course's kernel config loads it at kernel start, so the
    help works even when a participant runs a later cell before `import course`."""
    install_friendly_errors()
