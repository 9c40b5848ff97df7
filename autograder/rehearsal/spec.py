"""The scoring model of a rehearsal, and the helpers the variant files are written with.

A test cell earns its points iff every solution cell it needs (``Spec.needs``) is filled
with a variant that passes it: ``correct`` passes everything, ``blank`` nothing, a named
variant the test cells in its ``passes``.

The per-assignment specs live in ``assignments/variants/<id>.py`` (each defines ``SPEC``
with the helpers below). They are executed the first time ``specs()`` is called, never when
this module is imported, so a variant file may import this module without a cycle.
"""

from __future__ import annotations

import functools
import importlib.util
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

COURSE_ROOT = Path(__file__).resolve().parents[2] / "assignments"
VARIANTS_DIR = COURSE_ROOT / "variants"


@dataclass(frozen=True)
class Variant:
    """A way of filling one solution cell, and the test cells it is known to pass."""

    code: str
    passes: frozenset[str] = frozenset()


def variant(code: str, *passes: str) -> Variant:
    return Variant(textwrap.dedent(code).strip("\n"), frozenset(passes))


@dataclass(frozen=True)
class Spec:
    needs: dict[str, tuple[str, ...]]  # test cell -> solution cells it exercises
    variants: dict[str, dict[str, Variant]] = field(default_factory=dict)


def passes(spec: Spec, solution_id: str, variant: str, test_id: str) -> bool:
    if variant == "correct":
        return True
    if variant == "blank":
        return False
    return test_id in spec.variants[solution_id][variant].passes


def expected_score(spec: Spec, points: dict[str, float], choice: dict[str, str]) -> float:
    """Sum of the points of every test cell whose needed cells all pass it."""
    total = 0.0
    for test_id, pts in points.items():
        if all(passes(spec, sid, choice[sid], test_id) for sid in spec.needs[test_id]):
            total += pts
    return total


# ---------------------------------------------------------------- helpers for variant files


def prompt_variants(name: str, naive: str) -> dict[str, Variant]:
    return {
        "naive": variant(f'{name} = """\n{naive}\n"""', f"kt_{name}"),
        "wrong": variant(f'{name} = """\nViết bài quảng cáo\n"""'),
        "wrong_type": variant(
            f'{name} = ["Bạn là nhân viên bán hàng.", "Viết tin nhắn Zalo 50 từ."]'),
    }


def choice_variants(name: str, wrong: str) -> dict[str, Variant]:
    return {"wrong": variant(f'{name} = """\n{wrong}\n"""'), "wrong_type": variant(f"{name} = 3")}


def choices(questions: dict[str, str]) -> dict[str, dict[str, Variant]]:
    return {f"sol_{q}": choice_variants(q, w) for q, w in questions.items()}


def needs_choices(questions: dict[str, str]) -> dict[str, tuple[str, ...]]:
    return {f"kt_{q}": (f"sol_{q}",) for q in questions}


# ---------------------------------------------------------------- loading the specs


def load_specs(folder: Path = VARIANTS_DIR) -> dict[str, Spec]:
    """Every assignment with a variant file in `folder`: {assignment id: SPEC}."""
    found = {}
    for path in sorted(Path(folder).glob("*.py")):
        module_spec = importlib.util.spec_from_file_location(f"_variants_{path.stem}", path)
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
        found[path.stem] = module.SPEC
    return found


@functools.cache
def specs() -> dict[str, Spec]:
    """The course's specs, read from assignments/variants/ on first use (then kept)."""
    return load_specs(VARIANTS_DIR)


def autograded() -> tuple[str, ...]:
    """Ids of the assignments a rehearsal can be made for."""
    return tuple(specs())
