"""In a real kernel, `display(obj)` and `obj` as a cell's last expression both show the widget."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
VIEW = "application/vnd.jupyter.widget-view+json"

CELLS = [
    "from course.widgets import ChatBox, PromptBuilder, Quiz, TokenCost, setup",
    "setup()",
    "PromptBuilder(task='Viết lời chào')",
    "q = Quiz.load('00')\nq",
    "display(ChatBox()); display(TokenCost('Xin chào'))",
    "import ipywidgets\nisinstance(q.ui, ipywidgets.VBox)",
]


def test_widgets_render_as_widget_views_in_a_kernel(tmp_path, monkeypatch):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    env_path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    monkeypatch.setenv("PYTHONPATH", env_path)  # the kernel is a child process and inherits it
    client = NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    outputs = [cell.outputs for cell in nb.cells]
    assert all(o.output_type != "error" for cell in outputs for o in cell)
    for i in (1, 2, 3):
        views = [o for o in outputs[i] if VIEW in o.get("data", {})]
        assert len(views) == 1, (CELLS[i], outputs[i])
    assert len([o for o in outputs[4] if VIEW in o.get("data", {})]) == 2
    assert outputs[5][0]["data"]["text/plain"] == "True"
