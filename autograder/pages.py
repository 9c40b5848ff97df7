"""The one Jinja2 environment for the HTML pages the autograder writes itself
(templates/pages): autoescape on, because student ids, assignment ids, names and reasons
may carry text a participant wrote; StrictUndefined so a missing value fails loudly."""

from __future__ import annotations

import functools
from pathlib import Path

import jinja2

PAGES = Path(__file__).with_name("templates") / "pages"


@functools.cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(PAGES), autoescape=True,
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


def render(template: str, **context: object) -> str:
    """Render templates/pages/<template> with `context`."""
    return environment().get_template(template).render(**context)
