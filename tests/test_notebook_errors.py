"""In a real kernel, course errors show their Vietnamese sentence; other errors keep tracebacks."""

from __future__ import annotations

import nbformat
from nbclient import NotebookClient


def test_course_errors_are_one_vietnamese_line(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in (
        "import course\ncourse.ask('   ')",
        "course.configure(backend='khong-co')",
        "int('abc')",
    )]
    NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outs = [c.outputs[0] for c in nb.cells]
    assert all(o.output_type == "error" for o in outs)  # still a failed cell for nbval/nbgrader
    assert outs[0].ename == "LLMError" and len(outs[0].traceback) == 1
    assert "để trống" in outs[0].traceback[0]
    assert len(outs[1].traceback) == 1 and "không hợp lệ" in outs[1].traceback[0]
    assert len(outs[2].traceback) > 1  # not the course's: the normal traceback
