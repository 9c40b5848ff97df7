"""The nbgrader course: real `generate_assignment`, real kernels, real `autograde`.

Everything runs in a temporary copy of assignments/ (the repo's copy is never written).
Module-scoped fixtures keep it to one nbgrader import, one release per assignment and one
kernel per graded notebook.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import unicodedata
from pathlib import Path

import nbformat
import pytest

from autograder import simulate
from autograder.coursectx import ensure_tools_on_path

REPO = Path(__file__).resolve().parents[1]
COURSE = REPO / "assignments"
AUTOGRADED = ["bt1_prompt", "bt2_marketing", "bt3_funnel", "bt4_cskh", "bt5_privacy"]
ALL = [*AUTOGRADED, "bt6_capstone"]
CODE_STUB = "# LÀM BÀI Ở ĐÂY: xóa hai dòng này"
TEXT_STUB = "NHẬP CÂU TRẢ LỜI CỦA BẠN Ở ĐÂY"
# Letters only in the tail: its last four characters cannot occur in a timestamp or an id.
FAKE_KEY = "sk-test-GRADING-must-not-leak-KhoaGiaChiCoChu"


def _nbg(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _source(aid: str):
    return nbformat.read(COURSE / "source" / aid / f"{aid}.ipynb", as_version=4)


def _kernel_env(monkeypatch) -> None:
    # Kernels inherit this process's environment: make `course` importable there.
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        p for p in [str(REPO), os.environ.get("PYTHONPATH", "")] if p))


@pytest.fixture(scope="module")
def course_copy(tmp_path_factory):
    """A temporary course root with every assignment released; yields (root, api)."""
    from nbgrader.apps import NbGraderAPI

    root = tmp_path_factory.mktemp("course")
    shutil.copy2(COURSE / "nbgrader_config.py", root)
    shutil.copytree(COURSE / "source", root / "source")
    ensure_tools_on_path()
    api = NbGraderAPI(config=simulate.course_config(root))
    for aid in ALL:
        result = api.generate_assignment(aid, force=True)
        assert result["success"], result["log"]
    return root, api


def _release(root: Path, aid: str):
    return nbformat.read(root / "release" / aid / f"{aid}.ipynb", as_version=4)


# ------------------------------------------------------------------ static checks


def test_config_paths_follow_the_file(tmp_path):
    shutil.copy2(COURSE / "nbgrader_config.py", tmp_path)
    cfg = simulate.course_config(tmp_path)
    assert cfg.CourseDirectory.root == str(tmp_path)
    assert cfg.CourseDirectory.course_id == "ai-kinh-doanh"
    assert cfg.Execute.timeout == 30
    assert "raise NotImplementedError" in cfg.ClearSolutions.code_stub["python"]
    assert cfg.ClearSolutions.text_stub == TEXT_STUB


@pytest.mark.parametrize("aid", ALL)
def test_source_is_clean_and_well_formed(aid):
    nb = _source(aid)
    nbformat.validate(nb)
    ids = [_nbg(c)["grade_id"] for c in nb.cells if _nbg(c)]
    assert len(ids) == len(set(ids)), "grade ids must be unique"
    for i, cell in enumerate(nb.cells):
        text = cell.source
        assert text == unicodedata.normalize("NFC", text), f"cell {i} is not NFC"
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"cell {i} has output"
            assert nb.cells[i - 1].cell_type == "markdown", f"code cell {i} has no sentence"
    # nbgrader 0.9.6 re-adds a deleted test cell after the previous solution/test cell and
    # fails (KeyError) if that previous nbgrader cell is a read-only one.
    tracked = [c for c in nb.cells if _nbg(c)]
    for prev, cell in zip(tracked, tracked[1:], strict=False):
        if _nbg(cell).get("grade") and not _nbg(cell).get("solution"):
            assert _nbg(prev).get("grade") or _nbg(prev).get("solution"), _nbg(cell)["grade_id"]


@pytest.mark.parametrize("aid", ALL)
def test_points_total_ten(aid):
    nb = _source(aid)
    total = sum(_nbg(c).get("points", 0) for c in nb.cells
                if _nbg(c).get("grade") or _nbg(c).get("task"))
    assert total == 10
    tests = [c for c in nb.cells if _nbg(c).get("grade") and not _nbg(c).get("solution")]
    if aid in AUTOGRADED:
        assert len(tests) >= 5, "spread the points so partial credit means something"
        assert any("BEGIN HIDDEN TESTS" in c.source for c in tests)
        assert any("BEGIN HIDDEN TESTS" not in c.source for c in tests)
    else:
        assert not tests, "the capstone is graded by hand"
        assert any("BEGIN MARK SCHEME" in c.source for c in nb.cells if _nbg(c).get("task"))


# ------------------------------------------------------------------ release


@pytest.mark.parametrize("aid", ALL)
def test_release_has_no_solutions_or_hidden_tests(course_copy, aid):
    root, _ = course_copy
    source, release = _source(aid), _release(root, aid)
    text = nbformat.writes(release)
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS", "MARK SCHEME"):
        assert marker not in text
    hidden = []
    for cell in source.cells:
        hidden += re.findall(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS",
                             cell.source, flags=re.S)
        solution = re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", cell.source, re.S)
        hidden += solution
    secret_lines = {ln.strip() for block in hidden for ln in block.splitlines()
                    if len(ln.strip()) > 3 and ln.strip() not in ('"""', "return ket_qua")}
    leaked = [ln for ln in secret_lines if ln in text]
    assert not leaked, leaked
    stubs = [c for c in release.cells if _nbg(c).get("solution")]
    assert stubs and all(CODE_STUB in c.source or TEXT_STUB in c.source for c in stubs)
    for cell in release.cells:
        if cell.cell_type == "code":
            assert len(cell.source.splitlines()) <= 15, cell.source


# ------------------------------------------------------------------ running the sources


@pytest.mark.parametrize("aid", ALL)
def test_source_notebook_passes_offline(aid, monkeypatch, tmp_path):
    """The instructor's version, solutions and hidden tests included, runs clean offline."""
    from nbclient import NotebookClient

    _kernel_env(monkeypatch)
    nb = _source(aid)
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        bad = [o for o in cell.outputs if o.output_type == "error"
               or (o.output_type == "stream" and o.name == "stderr")]
        assert not bad, (_nbg(cell).get("grade_id"), bad)


# ------------------------------------------------------------------ autograde


def _grade(api, root: Path, aid: str, reasons: list[str]) -> tuple[dict, dict]:
    expected = simulate.simulate(root / "submitted", aid, reasons=reasons, course_root=root,
                                 release=root / "release" / aid / f"{aid}.ipynb")
    got = {}
    for sid in expected:
        api.autograde(aid, sid, force=True, create=True)
        with api.gradebook as gb:
            got[sid] = gb.find_submission(aid, sid).score
    return expected, got


@pytest.mark.parametrize("aid", ["bt1_prompt", "bt3_funnel", "bt4_cskh", "bt5_privacy"])
def test_autograde_correct_full_blank_zero(course_copy, aid, monkeypatch):
    root, api = course_copy
    _kernel_env(monkeypatch)
    expected, got = _grade(api, root, aid, ["correct", "blank"])
    assert sorted(got.values()) == [0.0, 10.0]
    assert got == {sid: e["score"] for sid, e in expected.items()}


def test_autograde_is_offline_even_with_a_key(course_copy, monkeypatch):
    """Under grading the notebook forces the simulation: a configured key is never used."""
    root, api = course_copy
    _kernel_env(monkeypatch)
    monkeypatch.setenv("COURSE_BACKEND", "openai")
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # nothing listens here
    aid = "bt2_marketing"
    expected, got = _grade(api, root, aid, ["correct", "blank"])
    assert sorted(got.values()) == [0.0, 10.0]
    assert got == {sid: e["score"] for sid, e in expected.items()}
    for sid, exp in expected.items():
        text = (root / "autograded" / sid / aid / f"{aid}.ipynb").read_text(encoding="utf-8")
        assert FAKE_KEY not in text and FAKE_KEY[-4:] not in text
        if exp["reason"] == "correct":
            assert "MÔ PHỎNG" in text  # the batch answers are labelled simulations


def test_autograde_matches_simulated_expectations(course_copy, monkeypatch):
    """Partial credit, hidden tests and tampering give exactly the simulator's numbers."""
    root, api = course_copy
    _kernel_env(monkeypatch)
    expected, got = _grade(api, root, "bt3_funnel",
                           ["naive", "edited_test_cell", "deleted_test_cell"])
    assert got == {sid: e["score"] for sid, e in expected.items()}
    assert {e["score"] for e in expected.values()} == {4.0, 5.0, 10.0}


# ------------------------------------------------------------------ simulated class


def test_simulated_class_layout(course_copy, tmp_path):
    out = tmp_path / "lop"
    release = course_copy[0] / "release" / "bt5_privacy" / "bt5_privacy.ipynb"
    expected = simulate.simulate(out, "bt5_privacy", n=32, seed=1, release=release)
    assert len(expected) == 32 and list(expected)[:2] == ["hv001", "hv002"]
    reasons = {e["reason"] for e in expected.values()}
    assert reasons >= {
        "correct", "blank", "partial", "naive", "wrong", "wrong_type", "mixed",
        "infinite_loop", "sys_exit", "os_exit", "kernel_crash", "memory_10gb", "print_50mb",
        "deleted_test_cell", "edited_test_cell", "changed_cell_type", "renamed_notebook",
        "corrupt_json", "empty_file", "read_gradebook", "copy_other", "read_source",
        "network", "write_outside"}
    assert json.loads((out / "expected.json").read_text(encoding="utf-8")) == expected
    by_reason = {e["reason"]: sid for sid, e in reversed(list(expected.items()))}
    assert expected[by_reason["correct"]]["score"] == 10.0
    for zero in ("blank", "os_exit", "kernel_crash", "corrupt_json", "copy_other"):
        assert expected[by_reason[zero]]["score"] == 0.0
    assert 0 < expected[by_reason["naive"]]["score"] < 10
    folder = out / by_reason["renamed_notebook"] / "bt5_privacy"
    assert (folder / simulate.RENAMED_NOTEBOOK).exists()
    assert not (folder / "bt5_privacy.ipynb").exists()
    assert (out / by_reason["empty_file"] / "bt5_privacy" / "bt5_privacy.ipynb").stat().st_size == 0
    with pytest.raises(ValueError):
        nbformat.read(out / by_reason["corrupt_json"] / "bt5_privacy" / "bt5_privacy.ipynb", 4)
    assert (out / "hv001" / "bt5_privacy" / "timestamp.txt").read_text().endswith("UTC")

    import csv

    with open(out / "roster.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["id", "ho_ten", "email", "don_vi"]
    assert [r["id"] for r in rows] == list(expected)
    names = [r["ho_ten"] for r in rows]
    assert all(n == unicodedata.normalize("NFC", n) for n in names)
    assert {"Đặng Thị Ánh", "Đỗ Văn Ấn", "Ngô Văn An", "Nguyễn Thị Ánh"} <= set(names)
    assert len(set(names)) == len(names)


def test_simulated_scores_follow_the_spec():
    spec = simulate.SPECS["bt3_funnel"]
    points = {"kt_ty_le": 1.0, "kt_ty_le_an": 2.0}
    needs = {"sol_ty_le": "naive"}
    small = simulate.Spec(needs={k: spec.needs[k] for k in points}, variants=spec.variants)
    assert simulate.expected_score(small, points, needs) == 1.0
    assert simulate.expected_score(small, points, {"sol_ty_le": "correct"}) == 3.0
    assert simulate.expected_score(small, points, {"sol_ty_le": "blank"}) == 0.0
