"""Vietnamese feedback pages through nbgrader's GenerateFeedback, without hidden tests.

nbgrader puts the full test cells (hidden part included) into feedback. ``HideHiddenTests``
runs after nbgrader's ``GetGrades`` and replaces the hidden part of each test cell with
"Bài kiểm tra ẩn: đạt/không đạt"; error outputs that quote hidden code are dropped.
Active content (HTML/JavaScript outputs) is turned into plain text, so nothing a student
or a model wrote runs in the reader's browser.

Before a page is written, every output is scanned for hidden-test lines (``hidden.Secrets``:
a submission may have recorded the test cells' code as they ran and printed it later); an
output that holds one is removed. The written page is scanned once more; a page that still
holds one is replaced by a short refusal (in Vietnamese) and the instructor is told.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbformat.v4 import new_output
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import GetGrades, NbGraderPreprocessor
from traitlets import Dict, List, Unicode

from autograder import hidden, pages
from autograder.coursectx import Course, InstructorError, ensure_tools_on_path
from autograder.grading import ResultStore
from autograder.scores import question_titles

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).with_name("templates")
HIDDEN_BLOCK = hidden.HIDDEN_BLOCK
ANSI = re.compile(r"\x1b\[[0-9;]*m")
ACTIVE_MIME = ("text/html", "application/javascript", "text/javascript",
               "application/vnd.jupyter.widget-view+json")
TIMEOUT_NOTE = ("Ô này chạy quá thời gian cho phép nên đã bị dừng. Thường là do một vòng lặp "
                "không bao giờ kết thúc (ví dụ while True thiếu break). Hãy kiểm tra điều kiện "
                "dừng của vòng lặp.\n")
PASSED = "Bài kiểm tra ẩn: đạt"
FAILED = "Bài kiểm tra ẩn: không đạt"
LEAK_NOTE = "[Đã ẩn: đầu ra này chứa nội dung bài kiểm tra ẩn]\n"
REFUSED_PAGE = ("Trang nhận xét này không được gửi vì có chứa nội dung bài kiểm tra ẩn (bài làm "
                "đã tìm cách đọc và in bài kiểm tra ra). Điểm của bạn không đổi; giảng viên sẽ "
                "xem lại bài.")


def _squash(text: str) -> str:
    return "".join(ANSI.sub("", text).split())


def _mentions(output: dict, hidden_lines: list[str]) -> bool:
    """Does this output quote hidden code (tracebacks do, with colour codes inside)?"""
    parts = [output.get("evalue", ""), *output.get("traceback", []), str(output.get("text", "")),
             json.dumps(output.get("data", {}), ensure_ascii=False)]
    text = _squash("\n".join(parts))
    return any(_squash(line) in text for line in hidden_lines)


class HideHiddenTests(NbGraderPreprocessor):
    """Replace hidden tests by a pass/fail line; make outputs plain text."""

    results_dir = Unicode("", help="Folder of autograder result files (for the summary).").tag(
        config=True)
    titles = Dict({}, help="Graded cell id -> readable title (scores.question_titles).").tag(
        config=True)
    secret_lines = List(Unicode(), help="Hidden-test lines (hidden.Secrets.lines).").tag(
        config=True)

    def _secrets(self, resources) -> hidden.Secrets:
        found = hidden.Secrets([])
        found.lines = list(self.secret_lines)
        info = resources["nbgrader"]
        # The participant's own submission (their own text is not a leak), where nbgrader's
        # CourseDirectory of this run puts it.
        cd = CourseDirectory(config=self.config)
        own = Path(cd.format_path(cd.submitted_directory, info["student"], info["assignment"]),
                   f"{info['notebook']}.ipynb")
        try:
            texts = [c.get("source", "") for c in json.loads(own.read_text("utf-8"))["cells"]]
        except (OSError, ValueError, KeyError, TypeError):
            texts = []
        return found.without(texts)

    def preprocess(self, nb, resources):
        nb, resources = super().preprocess(nb, resources)
        # Last gate before the page is written: no output may quote a hidden test.
        secrets = self._secrets(resources)
        leaked = 0
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            for i, output in enumerate(cell.get("outputs", [])):
                if secrets.find(hidden.output_text(output)):
                    cell.outputs[i] = new_output("stream", name="stderr", text=LEAK_NOTE)
                    leaked += 1
            if secrets.find(cell.source):
                cell.source = "# [Đã ẩn: ô này chứa nội dung bài kiểm tra ẩn]"
                leaked += 1
        resources["nbgrader"]["hidden_leaks"] = leaked
        student = resources["nbgrader"]["student"]
        path = Path(self.results_dir) / f"{student}.json"
        if self.results_dir and path.exists():
            data = json.loads(path.read_text(encoding="utf-8"))
            from nbformat.v4 import new_markdown_cell

            note = f"**Kết quả chấm tự động:** {data.get('reason', '')}"
            if data.get("late_text"):
                note += f"\n\n**Nộp muộn:** {data['late_text']}."
            if data.get("unsandboxed"):
                note += "\n\n*Bài này được chấm không cách ly.*"
            nb.cells.insert(0, new_markdown_cell(note))
        return nb, resources

    def preprocess_cell(self, cell, resources, index):
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade_id") in self.titles:  # readable names instead of cell ids
            meta["title"] = self.titles[meta["grade_id"]]
        if cell.cell_type == "code" and HIDDEN_BLOCK.search(cell.source):
            hidden = "\n".join(m.group(0) for m in HIDDEN_BLOCK.finditer(cell.source))
            hidden_lines = [ln.strip() for ln in hidden.splitlines()
                            if ln.strip() and not ln.strip().startswith("###")]
            passed = meta.get("grade") and float(meta.get("score") or 0) >= float(
                meta.get("points") or 0)
            visible = HIDDEN_BLOCK.sub("", cell.source).rstrip()
            verdict = "# " + (PASSED if passed else FAILED)
            cell.source = (visible + "\n" if visible else "") + verdict
            cell.outputs = [o for o in cell.get("outputs", []) if not _mentions(o, hidden_lines)]
        if cell.cell_type == "code":
            # A cell stopped for running too long: nbclient's English traceback (with
            # KeyboardInterrupt / CellTimeoutError) becomes one Vietnamese sentence.
            outputs = []
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error" and output.get("ename") in (
                        "CellTimeoutError", "KeyboardInterrupt", "TimeoutError"):
                    outputs.append(new_output("stream", name="stderr", text=TIMEOUT_NOTE))
                else:
                    outputs.append(output)
            cell.outputs = outputs
        for output in cell.get("outputs", []):
            data = output.get("data")
            if not data:
                continue
            if any(m in data for m in ACTIVE_MIME):
                text = data.get("text/plain") or ""
                for mime in ACTIVE_MIME:
                    data.pop(mime, None)
                data["text/plain"] = text or "[Nội dung HTML/JavaScript đã được ẩn]"
        return cell, resources


def _config(course: Course, assignment_id: str):
    cfg = course.config()
    cfg.GenerateFeedback.preprocessors = [GetGrades, HideHiddenTests, CSSHTMLHeaderPreprocessor]
    cfg.HideHiddenTests.results_dir = str(course.state_dir("ket-qua", assignment_id))
    cfg.HideHiddenTests.titles = question_titles(course, assignment_id)
    cfg.HideHiddenTests.secret_lines = _secrets(course, assignment_id).lines
    # nbgrader's API forces the template name "feedback"; ours shadows its own.
    cfg.HTMLExporter.template_name = "feedback"
    cfg.HTMLExporter.extra_template_basedirs = [str(TEMPLATES)]
    cfg.HTMLExporter.sanitize_html = True
    return cfg


def _secrets(course: Course, assignment_id: str) -> hidden.Secrets:
    import nbformat

    return hidden.Secrets.from_notebooks(
        nbformat.read(p, as_version=4)
        for p in sorted(course.source_dir(assignment_id).glob("*.ipynb")))


def _write_page(page: Path, template: str, **context: object) -> None:
    page.write_text(pages.render(template, **context), encoding="utf-8")


def _refuse_page(page: Path, assignment_id: str) -> None:
    _write_page(page, "feedback_refused.html.j2", assignment_id=assignment_id,
                message=REFUSED_PAGE)


def _fallback_page(course: Course, assignment_id: str, student_id: str, data: dict) -> Path:
    """A submission nbgrader could not run still gets a page saying why (score 0)."""
    folder = course.feedback_dir(assignment_id, student_id)
    folder.mkdir(parents=True, exist_ok=True)
    page = folder / f"{assignment_id}.html"
    _write_page(page, "feedback_fallback.html.j2", assignment_id=assignment_id,
                score=f"{float(data.get('score') or 0):g}",
                max_score=f"{float(data.get('max_score') or 0):g}",
                reason=data.get("reason", ""))
    return page


def generate_feedback(course: Course, assignment_id: str,
                      students: list[str] | None = None) -> dict[str, Path]:
    """Feedback page per graded student; returns {student_id: html path}."""
    ensure_tools_on_path()
    course.check_assignment(assignment_id)
    store = ResultStore(course, assignment_id)
    results = store.all()
    if not results:
        raise InstructorError(f"Chưa có bài nào của '{assignment_id}' được chấm. "
                              f"Hãy chạy: python -m autograder grade {assignment_id}")
    cfg = _config(course, assignment_id)
    api = NbGraderAPI(coursedir=CourseDirectory(config=cfg), config=cfg)
    pages: dict[str, Path] = {}
    secrets = _secrets(course, assignment_id)
    for sid, data in sorted(results.items()):
        if students and sid not in students:
            continue
        if not course.autograded_dir(assignment_id, sid).exists():
            pages[sid] = _fallback_page(course, assignment_id, sid, data)
            continue
        out = api.generate_feedback(assignment_id, sid, force=True)
        if not out.get("success"):
            raise InstructorError(f"Không tạo được nhận xét cho {sid}:\n{out.get('log')}")
        folder = course.feedback_dir(assignment_id, sid)
        own = [c.get("source", "") for p in course.submitted_dir(assignment_id, sid).glob(
            "*.ipynb") for c in _cells(p)]
        mine = secrets.without(own)
        for page in sorted(folder.glob("*.html")):
            pages[sid] = page
            leaks = mine.find(page.read_text(encoding="utf-8"))
            if leaks:  # scanned after writing too: refuse the page, tell the instructor
                _refuse_page(page, assignment_id)
                log.warning("feedback for %s refused: hidden-test text %s", sid, leaks[:3])
                data["feedback_refused"] = REFUSED_PAGE
                data["review"] = True
                data["reason"] = (data.get("reason", "") + " Cần xem lại: trang nhận xét bị giữ "
                                  "lại vì chứa nội dung bài kiểm tra ẩn.").strip()
                store.save(sid, data)
    return pages


def _cells(path: Path) -> list[dict]:
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError, AttributeError):
        return []
