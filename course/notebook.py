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

import difflib
import json
import sys
import unicodedata
import warnings
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any

from .i18n import t

# Not bold: a 24-bit colour that JupyterLab renders as `style="color: rgb(176, 0, 32)"`, which
# the course stylesheet (jupyter_config/custom/custom.css) sets in the body font and size.
# #b00020 on JupyterLab's error background (#ffdddd) has a contrast of 5.7:1 (WCAG AA).
RED = "\x1b[38;2;176;0;32m"
DIM = "\x1b[38;2;85;85;85m"
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


# Names IPython puts in every namespace: never what a participant meant to type.
_SHELL_NAMES = frozenset({"In", "Out", "exit", "quit", "get_ipython", "open"})


def _plain(word: str) -> str:
    """Lower case without Vietnamese marks: "Hỏi" -> "hoi", "đ" -> "d"."""
    decomposed = unicodedata.normalize("NFD", word.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def close_names(name: str, known: Iterable[str], n: int = 3) -> list[str]:
    """Known names that look like a typo of `name` (vong1 -> vong_1, Ask -> ask)."""
    candidates = [k for k in set(known) if k != name and not k.startswith("_")]
    by_plain: dict[str, list[str]] = {}
    for k in candidates:
        by_plain.setdefault(_plain(k).replace("_", ""), []).append(k)
    same = sorted(by_plain.get(_plain(name).replace("_", ""), []))
    near = difflib.get_close_matches(name, candidates, n=n, cutoff=0.75)
    return list(dict.fromkeys(same + near))[:n]


def _name_help(evalue: NameError, namespace: dict[str, Any] | None = None) -> str:
    name = getattr(evalue, "name", None) or "?"
    if namespace is not None and name != "?":
        known = [k for k in namespace if k not in _SHELL_NAMES and not k.startswith("_")]
        if typo := close_names(name, known, n=1):
            return t("notebook.name_typo", name=name, near=typo[0])
    return t("notebook.name", name=name)


@cache
def _glossary() -> dict[str, Any]:
    path = Path(__file__).parent / "data" / "glossary.json"
    return json.loads(path.read_text(encoding="utf-8"))


def course_name_help(name: str, public: Iterable[str]) -> str:
    """Vietnamese message for an unknown `course.<name>`, with the nearest real names.

    Vietnamese words a participant may guess (`course.hoi`, `course.cai_dat`) map to the real
    function through the glossary; spelling slips (`course.ask_`, `course.Ask`) by similarity.
    """
    public = sorted(set(public))
    aliases: dict[str, str] = _glossary()["course_functions"]
    found = [aliases[key] for key in (_plain(name).strip("_"), _plain(name).replace("_", ""))
             if key in aliases]
    found = list(dict.fromkeys(found + close_names(name, public)))[:3]
    if not found:
        common = ", ".join(f"course.{n}" for n in ("ask", "chat", "setup", "status", "usage"))
        return t("notebook.course_unknown", name=name, common=common)
    options = "; ".join(_describe(n) for n in found)
    return t("notebook.course_did_you_mean", name=name, options=options)


def _describe(name: str) -> str:
    what = t(f"notebook.fn_{name}") if f"fn_{name}" in _catalogue_names() else ""
    return f"course.{name} ({what})" if what else f"course.{name}"


@cache
def _catalogue_names() -> frozenset[str]:
    path = Path(__file__).parent / "data" / "messages" / "vi" / "notebook.json"
    return frozenset(json.loads(path.read_text(encoding="utf-8")))


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


def python_error_help(evalue: BaseException,
                      namespace: dict[str, Any] | None = None) -> str | None:
    """The Vietnamese explanation for one of the common mistakes, or None for anything else.

    `namespace` (the notebook's variables) lets a NameError say "did you mean vong_1?" first.
    """
    if isinstance(evalue, NameError):
        return _name_help(evalue, namespace)
    for kind, explain in _HELP:
        if isinstance(evalue, kind):
            return explain(evalue)
    return None


# Raised by a notebook's own cells: a failed check (nbgrader's test cells are plain asserts) or
# an assignment part left as released (nbgrader's code stub raises NotImplementedError).
CHECK_ERRORS: tuple[type[BaseException], ...] = (AssertionError, NotImplementedError)


def check_help(evalue: BaseException, tb: Any, namespace: dict[str, Any] | None) -> str | None:
    """Vietnamese first for a failed check or an unfinished part, when the notebook's own code
    raised it (the raising frame runs in the notebook's namespace); None otherwise, so an
    assert inside a library keeps its traceback."""
    import linecache

    if tb is None or namespace is None:
        return None
    while tb.tb_next is not None:
        tb = tb.tb_next
    if tb.tb_frame.f_globals is not namespace:
        return None
    line = tb.tb_lineno
    if isinstance(evalue, NotImplementedError):
        return t("notebook.unfinished")
    message = str(evalue).strip()
    if message:
        return t("notebook.check_failed", line=line, message=message.rstrip("."))
    code = linecache.getline(tb.tb_frame.f_code.co_filename, line).strip() or "assert"
    return t("notebook.check_failed_line", line=line, code=code)


def original_line(etype: type[BaseException], evalue: BaseException) -> str:
    """The last line of Python's own report, e.g. "NameError: name 'khach' is not defined"."""
    text = str(evalue.msg if isinstance(evalue, SyntaxError) else evalue)
    return f"{etype.__name__}: {text}" if text else etype.__name__


def _handler(shell, etype, evalue, tb, tb_offset=None):
    if isinstance(evalue, course_error_types()):
        stb = [f"{RED}❌ {evalue}{RESET}"]
    else:
        user_ns = getattr(shell, "user_ns", None)
        if isinstance(evalue, CHECK_ERRORS):
            help_text = check_help(evalue, tb, user_ns)
        else:
            help_text = python_error_help(evalue, dict(vars(__import__("builtins")),
                                                       **(user_ns or {})))
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

    return tuple(getattr(client, name)
                 for name in ("PersonalDataWarning", "LongPromptWarning", "WaitingNotice")
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


def _frame_html(data: Any) -> str | None:
    # A subclass with its own table (course.usage()) keeps it; pandas' own is replaced.
    own = type(data).__dict__.get("_repr_html_") if type(data).__module__ != "pandas" else None
    if own is not None:
        return own(data)
    from .widgets.display import frame_html

    return frame_html(data)


def _series_text(data: Any, printer: Any, cycle: bool) -> None:
    from .widgets.display import frame_text

    printer.text(frame_text(data))


def install_tables(shell: Any) -> None:
    """Show pandas tables the way participants read them: Vietnamese headings, có/không instead
    of True/False, 1.234,5 for numbers, whole texts, no "Name: …, dtype: …" line. Only the
    display changes; the data a later cell computes with is untouched."""
    formatters = shell.display_formatter.formatters
    formatters["text/html"].for_type_by_name("pandas", "DataFrame", _frame_html)
    formatters["text/html"].for_type_by_name("pandas", "Series", _frame_html)
    formatters["text/plain"].for_type_by_name("pandas", "Series", _series_text)


def install_friendly_errors() -> bool:
    """Register the handler in the running IPython kernel; False outside IPython."""
    # A kernel has imported IPython long before any cell runs; elsewhere (a Jupyter server
    # loading the course's extensions, a script, the grader) importing it only to learn that
    # there is no shell cost ~4 MB and 0.1 s per process.
    ipython = sys.modules.get("IPython")
    if ipython is None or not hasattr(ipython, "get_ipython"):
        return False
    shell = ipython.get_ipython()
    if shell is None or not hasattr(shell, "set_custom_exc"):
        return False
    shell.set_custom_exc(course_error_types() + PYTHON_ERRORS + CHECK_ERRORS, _handler)
    if hasattr(shell, "display_formatter"):
        install_tables(shell)
    if not getattr(warnings.showwarning, "_course", False):
        warnings.showwarning = _wrap_showwarning(warnings.showwarning)
    return True


def load_ipython_extension(shell) -> None:
    """`%load_ext course.notebook`; the course's kernel config loads it at kernel start, so the
    help works even when a participant runs a later cell before `import course`."""
    install_friendly_errors()
