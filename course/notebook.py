"""Friendlier errors in notebooks: a course error shows its Vietnamese message, not a traceback.

Participants are not programmers: forty lines of traceback hide the one sentence that says what
to do. Errors raised by the course's own code (LLMError, and ValueError/TypeError whose message
the course wrote) are shown as that sentence; any other error keeps IPython's normal traceback.
The output is still an error, so nbval and nbgrader see a failed cell as failed.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = str(Path(__file__).resolve().parent)


def _raised_by_course(tb) -> bool:
    last = None
    while tb is not None:
        last = tb
        tb = tb.tb_next
    return last is not None and last.tb_frame.f_code.co_filename.startswith(_PACKAGE)


def _handler(shell, etype, evalue, tb, tb_offset=None):
    from .llm.errors import LLMError

    if not (isinstance(evalue, LLMError) or _raised_by_course(tb)):
        shell.showtraceback((etype, evalue, tb), tb_offset=tb_offset)
        return None
    stb = [f"\x1b[1;31m❌ {evalue}\x1b[0m"]
    shell._showtraceback(etype, evalue, stb)
    return stb


def install_friendly_errors() -> bool:
    """Register the handler in the running IPython kernel; False outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None or not hasattr(shell, "set_custom_exc"):
        return False
    from .llm.errors import LLMError

    shell.set_custom_exc((LLMError, ValueError, TypeError), _handler)
    return True
