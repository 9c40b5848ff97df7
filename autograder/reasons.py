"""Plain Vietnamese reasons for what happened to a submission during grading.

Each result carries a short ``reason_code`` (stable, for reports and tests) and a
``reason`` sentence for the instructor and the participant.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from nbformat import NotebookNode

REASONS = {
    "ok": "Chấm xong, đạt mọi bài kiểm tra.",
    "tests_failed": "Chấm xong, còn {failed}/{total} bài kiểm tra chưa đạt.",
    "timeout": "Có ô mã chạy quá {timeout} giây (có thể là vòng lặp vô hạn) nên đã bị dừng.",
    "timeout_cell": "Ô mã số {cell}{where} chạy quá {timeout} giây nên đã bị dừng. Thường là do "
                    "một vòng lặp không bao giờ kết thúc (ví dụ while True thiếu break, hoặc "
                    "điều kiện dừng không bao giờ đúng). Các ô sau vẫn được chấm.",
    "blank": "Chưa làm: mọi phần vẫn để nguyên như bản phát ({failed}/{total} bài kiểm tra chưa "
             "đạt).",
    "memory": "Có ô mã dùng quá {memory_mb} MB bộ nhớ nên đã bị dừng.",
    "output_limit": "Có ô mã in ra quá nhiều dòng; phần thừa đã được cắt bớt.",
    "cell_error": "Có ô mã báo lỗi khi chạy ({names}).",
    "unfinished": "Chấm xong, còn {parts} phần chưa làm; {failed}/{total} bài kiểm tra chưa đạt.",
    "kernel_died": "Bài làm đã làm tắt hẳn trình chạy Python (ví dụ gọi os._exit hoặc bị "
                   "treo nặng), nên không chấm được: 0 điểm.",
    "missing": "Không có tệp {name} trong bài nộp: 0 điểm.{hint}",
    "empty": "Tệp bài nộp rỗng (0 byte): 0 điểm.",
    "corrupt": "Tệp bài nộp bị hỏng, không đọc được như một notebook: 0 điểm.",
    "watchdog": "Bài làm chạy quá lâu nên trình chấm đã dừng hẳn: 0 điểm.",
    "system_error": "Trình chấm gặp lỗi với bài này: 0 điểm. Giảng viên nên xem lại bằng tay.",
    "kernel_killed": "Trình chạy Python của bài bị dừng hẳn từ bên ngoài (SIGKILL: máy hết bộ "
                     "nhớ hoặc trình chấm bị dừng), không phải kết quả của bài: chưa có điểm, "
                     "lần chấm sau sẽ chấm lại.",
    "refused_notebook": "Tệp bài nộp {name} không được nhận ({why}): 0 điểm. Nếu tệp quá "
                        "lớn: mở bài, chọn Kernel → Restart Kernel and Clear Outputs, lưu rồi "
                        "nộp lại.",
    "memory_total": "Bài làm dùng quá {mb} MB bộ nhớ, tính chung mọi tiến trình của bài (kể cả "
                    "các tiến trình con nó mở), nên cả bài đã bị dừng: 0 điểm. Hãy dùng ít dữ "
                    "liệu hơn và đừng mở nhiều tiến trình cùng lúc.",
    "disk_total": "Bài làm ghi quá {mb} MB tệp vào thư mục làm bài (tính chung mọi tệp) nên cả "
                  "bài đã bị dừng: 0 điểm.",
    "worker_lost": "Luồng chấm bài này bị dừng giữa chừng (không do bài làm): chưa có điểm, "
                   "lần chấm sau sẽ chấm lại.",
}
# Results with these codes are never written: the next run grades the submission again.
NOT_FINAL = ("kernel_killed", "worker_lost")
REVIEW = "Cần xem lại: "
TAMPER_NOTE = "Bài nộp đã sửa hoặc xóa ô bị khóa; ô gốc đã được khôi phục trước khi chấm."


def reason(code: str, **fields) -> dict:
    return {"reason_code": code, "reason": REASONS[code].format(**fields)}


def add_review(result: dict, findings: list[str]) -> dict:
    """Flag a result "cần xem lại" with the reasons (tampering, leaks), score unchanged."""
    findings = list(dict.fromkeys(f for f in findings if f))
    if findings:
        result["review"] = True
        result["review_reasons"] = findings
        result["reason"] = (result.get("reason", "") + " " + REVIEW + "; ".join(findings)
                            + ". Điểm tự động có thể không đúng với bài làm.").strip()
    return result


def precheck(path: Path) -> dict | None:
    """Problems found without running anything: missing, empty or unreadable file."""
    if not path.exists():
        others = sorted(p.name for p in path.parent.glob("*.ipynb"))
        hint = (f" Có tệp khác: {', '.join(others)}; nếu đúng là bài này, hãy đổi tên thành "
                f"{path.name} rồi chấm lại." if others else "")
        return reason("missing", name=path.name, hint=hint)
    if path.stat().st_size == 0:
        return reason("empty")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return reason("corrupt")
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        return reason("corrupt")
    return None


def classify_failure(text: str, timeout: int, memory_mb: int) -> dict:
    """nbgrader could not finish this submission; say why as well as we can tell."""
    if re.search(r"DeadKernelError|Kernel died", text):
        return reason("kernel_died")
    if re.search(r"NotJSONError|JSONDecodeError|Notebook does not appear to be JSON|"
                 r"ValidationError", text):
        return reason("corrupt")
    if "TimeoutError" in text or "timed out" in text:
        return reason("watchdog")
    return reason("system_error")


def tampered(log: str, hidden_cells: set[str], expected_cells: set[str],
             nb: NotebookNode) -> bool:
    """nbgrader restored a locked cell, or a test cell is missing from the submission."""
    if "Missing grade cell" in log:
        return True
    present = {c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells}
    if expected_cells - present:
        return True
    for attr, cell in re.findall(r"Attribute '(\w+)' for cell (\S+) has changed", log):
        # Hidden-test cells always differ from the released copy by checksum.
        if attr != "checksum" or cell not in hidden_cells:
            return True
    return False


def classify_notebook(nb: NotebookNode, log: str, timeout: int, memory_mb: int,
                      hidden_cells: set[str] = frozenset(),
                      expected_cells: set[str] = frozenset(),
                      stubs: dict[str, str] | None = None) -> dict:
    """Summarise an autograded notebook: the most important problem first."""
    errors: list[str] = []
    unfinished = solutions = 0
    truncated = False
    failed = total = 0
    heading, code_no, slow = "", 0, None
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith("#"):
            heading = cell.source.strip().splitlines()[0].lstrip("#").strip()
        if cell.cell_type != "code":
            continue
        code_no += 1
        meta = cell.metadata.get("nbgrader", {})
        is_test = meta.get("grade") and not meta.get("solution")
        solutions += bool(meta.get("solution"))
        cell_errors = [o.get("ename", "") for o in cell.get("outputs", [])
                       if o.get("output_type") == "error"]
        if slow is None and "CellTimeoutError" in cell_errors:
            slow = (code_no, heading)
        if any(m in "".join(o.get("text", "")) for o in cell.get("outputs", [])
               for m in ("Output truncated", "Đã cắt bớt")):
            truncated = True
        if is_test:
            total += 1
            failed += bool(cell_errors)
        left_as_released = bool(stubs) and meta.get("grade_id") in stubs and \
            cell.source.strip() == stubs[meta["grade_id"]].strip()
        if meta.get("solution") and ("NotImplementedError" in cell_errors or left_as_released):
            unfinished += 1  # the release stub was left in place: not done, not broken
            continue
        # A test of an unfinished part fails by NameError too: a failure, not a broken cell.
        expected = ("AssertionError", "NotImplementedError") + (("NameError",) if unfinished
                                                                 else ())
        errors += [e for e in cell_errors if not (is_test and e in expected)]
    if slow:
        where = f" (trong phần '{slow[1]}')" if slow[1] else ""
        out = reason("timeout_cell", cell=slow[0], where=where, timeout=timeout)
        out["timeout_cell"] = slow[0]
    elif "CellTimeoutError" in errors:
        out = reason("timeout", timeout=timeout)
    elif "MemoryError" in errors:
        out = reason("memory", memory_mb=memory_mb)
    elif truncated:
        out = reason("output_limit")
    elif errors:
        names = ", ".join(dict.fromkeys(errors))
        out = reason("cell_error", names=names)
    elif unfinished and unfinished == solutions:
        out = reason("blank", failed=failed, total=total)
    elif unfinished:
        out = reason("unfinished", parts=unfinished, failed=failed, total=total)
    elif failed:
        out = reason("tests_failed", failed=failed, total=total)
    else:
        out = reason("ok")
    if failed and out["reason_code"] not in ("tests_failed", "unfinished", "blank"):
        out["reason"] += " " + REASONS["tests_failed"].format(failed=failed, total=total)
    if tampered(log, set(hidden_cells), set(expected_cells), nb):
        out["reason"] += " " + TAMPER_NOTE
        out["tampered"] = True
    return out
