"""The course's heavy packages load on first use (issue 28): `import course` and the course
kernel's extension leave pandas, numpy, matplotlib, openpyxl and underthesea unloaded, and a
first use that happens inside a widget callback (the participant presses a button; ipywidgets
runs the handler in the kernel, where an exception is only logged) still works.

Each check runs in a fresh interpreter, so another test's imports cannot hide a module-level
import.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
HEAVY = ["pandas", "numpy", "matplotlib", "openpyxl", "underthesea", "sklearn", "PIL"]

CALLBACK = r"""
import json, sys
import course, course.notebook
heavy = %r
before = sorted(m for m in heavy if m in sys.modules)

import ipywidgets as widgets
results = {}

def on_click(_button):
    # First use of each heavy package, from inside the callback.
    from course.lessons import export, load
    table = load("prompt_library")
    path = export(table, "thu_vien.xlsx", folder=sys.argv[1])
    results["rows"] = len(table)
    results["xlsx"] = path.stat().st_size
    from course.privacy import ner
    text = "Chị Nguyễn Thị Hoa ở Đông Hà đặt hai gói cà phê."
    results["names"] = [text[a:b] for a, b in ner.person_spans(text, 0, len(text))]

button = widgets.Button(description="Chạy")
button.on_click(on_click)
button.click()  # what the kernel does when the browser reports the click
after = sorted(m for m in heavy if m in sys.modules)
print(json.dumps({"before": before, "after": after, "results": results}))
"""


def run(code: str, *args: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}
    env["COURSE_BACKEND"] = "offline"
    res = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                         cwd=REPO, env=env, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    return json.loads(res.stdout.strip().splitlines()[-1])


def test_import_course_leaves_heavy_packages_unloaded():
    out = run("import json, sys\nimport course, course.notebook, course.course_kernel\n"
              f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))")
    assert out == []


def test_server_side_course_modules_do_not_load_ipython():
    """A Jupyter server imports the course's server extensions, and with them `course`: no
    IPython there (it only told the course that no kernel is running)."""
    out = run("import json, sys\n"
              "import course.jupyter_ext, course.app_links, course.app_culler, course.lab_layout\n"
              "print(json.dumps(sorted(m for m in ('IPython', 'ipykernel') if m in sys.modules)))")
    assert out == []


def test_course_kernel_starts_without_the_debugger(monkeypatch, tmp_path):
    """The course's kernel (the kernelspec a lesson and an app page start) loads no debugpy and
    tells JupyterLab it has no debugger; it is still the course's kernel."""
    from jupyter_client.manager import start_new_kernel

    from course.lab import lab_environment

    for key, value in lab_environment(dict(os.environ)).items():
        monkeypatch.setenv(key, value)
    out: list[str] = []
    km, kc = start_new_kernel(kernel_name="python3", cwd=str(tmp_path))
    try:
        info = kc.kernel_info(reply=True, timeout=60)["content"]
        assert "debugger" not in info.get("supported_features", []), info
        assert info["language_info"] == {"name": "python"}  # the course's kernel class
        reply = kc.execute_interactive(
            "import sys; print(sorted(m for m in ('debugpy', 'pydevd') if sys.modules.get(m)))",
            timeout=60, output_hook=lambda msg: out.append(msg["content"].get("text", "")))
        assert reply["content"]["status"] == "ok"
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    assert "".join(out).strip() == "[]", out


def test_first_use_inside_a_widget_callback_works(tmp_path):
    out = run(CALLBACK % HEAVY, str(tmp_path))
    assert out["before"] == []
    assert {"pandas", "openpyxl", "underthesea"} <= set(out["after"])
    assert out["results"]["rows"] > 0
    assert out["results"]["xlsx"] > 0 and (tmp_path / "thu_vien.xlsx").exists()
    assert out["results"]["names"] == ["Nguyễn Thị Hoa"]


def test_underthesea_memo_holds_underthesea_s_own_answers():
    """The course's texts answered from data/offline/underthesea_memo.json are exactly what the
    installed underthesea answers; any other text is still asked to underthesea."""
    from course.llm import vi_words

    memo = json.loads(vi_words.MEMO_FILE.read_text(encoding="utf-8"))
    assert memo["versions"] == vi_words.installed_versions(), (
        "underthesea changed: rebuild the memo with `python -m course.llm.vi_words`")
    for function in vi_words.FUNCTIONS:
        assert memo[function], function
        for text, answer in memo[function].items():
            assert vi_words.live(function, text) == answer, (function, text)
            assert vi_words.known(function, text) is not None
    own = "Tiệm giặt ủi Sạch Thơm nhận giặt chăn bông, giao tận nhà trong ngày."
    assert vi_words.known("word_tokenize", own) is None
    assert vi_words.word_tokenize(own) == vi_words.live("word_tokenize", own)
    assert [list(x) for x in vi_words.pos_tag(own)] == vi_words.live("pos_tag", own)


LESSONS = sorted(p.name for p in (REPO / "notebooks").glob("0[2-9]_*.ipynb"))


@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_app_page_runs_without_loading_underthesea(lesson, tmp_path, monkeypatch):
    """What an app page runs (the whole lesson, offline, in a fresh course kernel) answers the
    course's own chat samples and checks them for personal data without loading underthesea
    (~0.7 s of CPU before the page shows, measured on lessons 05 and 09). Fails when a lesson's
    text changed: rebuild the memo with `python -m course.llm.vi_words`."""
    import shutil

    import nbformat
    from nbclient import NotebookClient

    from course.lab import lab_environment

    env = lab_environment({k: v for k, v in os.environ.items()
                           if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")})
    env.update({"COURSE_BACKEND": "offline", "COURSE_CACHE_DIR": str(tmp_path / "cache")})
    for key in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    work = tmp_path / "notebooks"
    shutil.copytree(REPO / "notebooks", work,
                    ignore=shutil.ignore_patterns("ket_qua", ".ipynb_checkpoints"))
    nb = nbformat.read(work / lesson, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(
        "import sys\nprint(sorted(m for m in sys.modules if m.split('.')[0] == 'underthesea'))"))
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(work)}}).execute()
    assert nb.cells[-1].outputs[0]["text"].strip() == "[]"
