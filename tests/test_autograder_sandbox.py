"""What student code can see and do while being graded (real kernels, real sandbox)."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from autograder.coursectx import Course
from autograder.grading import UID_BASE, grade_assignment

pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")
SECRET = "sk-proj-ThuNghiemKhongPhaiKhoaThat0123456789"
PROBE = '''import os, socket, subprocess
print("UID", os.getuid())
print("SECRET", any("ThuNghiem" in v for v in os.environ.values()))
try:
    print("COURSE", sorted(os.listdir({course!r})))
except PermissionError:
    print("COURSE denied")
subprocess.Popen(["sleep", "987"], start_new_session=True)
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=3).close()
    print("NET open")
except OSError:
    print("NET blocked")
try:
    block = bytearray(3 * 1024 ** 3)
    print("MEM allowed")
except MemoryError:
    print("MEM blocked")
def tong(a, b):
    return a + b'''


class Hits(BaseHTTPRequestHandler):
    count = 0

    def do_GET(self):  # noqa: N802
        Hits.count += 1
        self.send_response(200)
        self.end_headers()


def _meta(cell_id: str, **flags) -> dict:
    return {"nbgrader": {"schema_version": 3, "grade_id": cell_id, "locked": False, **flags}}


def _course(base: Path) -> Path:
    root = base / "lop-nho"
    (root / "source" / "bt0").mkdir(parents=True)
    (root / "nbgrader_config.py").write_text(
        'c = get_config()\nc.CourseDirectory.course_id = "lop-nho"\n', encoding="utf-8")
    nb = new_notebook(cells=[
        new_code_cell("def tong(a, b):\n    ### BEGIN SOLUTION\n    return a + b\n"
                      "    ### END SOLUTION", metadata=_meta("lam", solution=True, grade=False)),
        new_code_cell("assert tong(2, 3) == 5",
                      metadata=_meta("kiem_tra", grade=True, solution=False, locked=True,
                                     points=4)),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                "language": "python"}})
    nbformat.write(nb, root / "source" / "bt0" / "bt0.ipynb")
    return root


def _sleepers() -> list[str]:
    out = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and (proc / "cmdline").read_bytes() == b"sleep\x00987\x00":
                out.append(proc.name)
        except OSError:
            continue
    return out


@pytest.mark.skipif(os.geteuid() != 0, reason="full sandbox needs root (see instructor guide)")
def test_student_code_is_confined(monkeypatch):
    # World-readable on purpose (like a repo checkout): only the sandbox may hide it.
    base = Path(tempfile.mkdtemp(prefix="autograder-test-"))
    os.chmod(base, 0o755)
    try:
        _run_probe(base, monkeypatch)
    finally:
        shutil.rmtree(base)


def _run_probe(base: Path, monkeypatch) -> None:
    root = _course(base)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hits)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    release = nbformat.read(root / "source" / "bt0" / "bt0.ipynb", as_version=4)
    release.cells[0].source = PROBE.format(course=str(root), port=server.server_address[1])
    (root / "submitted" / "hv01" / "bt0").mkdir(parents=True)
    nbformat.write(release, root / "submitted" / "hv01" / "bt0" / "bt0.ipynb")

    summary = grade_assignment(Course(root), "bt0", workers=2, timeout=20, memory_mb=1024,
                               progress=False)
    server.shutdown()
    assert summary.graded == ["hv01"]
    with Course(root).gradebook() as gb:
        assert gb.find_submission("bt0", "hv01").score == 4
    graded = nbformat.read(root / "autograded" / "hv01" / "bt0" / "bt0.ipynb", as_version=4)
    text = "".join(o.get("text", "") for o in graded.cells[0].outputs)
    assert f"UID {UID_BASE}" in text or f"UID {UID_BASE + 1}" in text
    assert "SECRET False" in text and SECRET not in text
    assert "COURSE []" in text, "the course folder (gradebook, sources) must look empty"
    assert "NET blocked" in text and Hits.count == 0
    assert "MEM blocked" in text
    assert not _sleepers(), "a background process outlived its submission"
    assert SECRET not in (root / ".autograder" / "ket-qua" / "bt0" / "hv01.json").read_text()
