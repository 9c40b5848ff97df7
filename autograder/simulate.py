"""``python -m autograder.simulate``: the grading rehearsal (a simulated class).

Kept as the documented command and import path; the code lives in ``autograder.rehearsal``
(spec, cases, people, build, cli), whose docstring describes the reason tags. Nothing here
reads ``assignments/variants/`` at import: ``SPECS`` and ``AUTOGRADED`` are computed on
first use.
"""

from __future__ import annotations

import sys
from typing import Any

from autograder.rehearsal import (
    COURSE_ROOT,
    DEFAULT_CANARY_URL,
    RENAMED_NOTEBOOK,
    VARIANTS_DIR,
    Spec,
    Variant,
    autograded,
    course_config,
    expected_score,
    generate_release,
    load_specs,
    passes,
    simulate,
    solution_code,
    specs,
    test_points,
    variant,
)
from autograder.rehearsal.cli import main

__all__ = [
    "COURSE_ROOT", "DEFAULT_CANARY_URL", "RENAMED_NOTEBOOK", "VARIANTS_DIR", "Spec", "Variant",
    "autograded", "course_config", "expected_score", "generate_release", "load_specs", "main",
    "passes", "simulate", "solution_code", "specs", "test_points", "variant",
]


def __getattr__(name: str) -> Any:
    if name == "SPECS":
        return specs()
    if name == "AUTOGRADED":
        return autograded()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if __name__ == "__main__":
    sys.exit(main())
