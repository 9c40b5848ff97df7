"""Class summary: score distribution, pass rate per question, who needs help (HTML + PNG)."""

from __future__ import annotations

import base64
import html
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from autograder.coursectx import Course, CourseError  # noqa: E402
from autograder.exchange import load_refusals  # noqa: E402
from autograder.grading import ResultStore  # noqa: E402
from autograder.scores import (  # noqa: E402
    class_table,
    late_work,
    problems,
    question_table,
    question_titles,
)
from course import timezone  # noqa: E402


def _png(fig, path: Path) -> str:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return base64.b64encode(path.read_bytes()).decode()


def _distribution(percent, path: Path) -> str:
    fig, ax = plt.subplots(figsize=(7, 3.2))
    ax.hist(percent, bins=[0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100.01], color="#337ab7",
            edgecolor="white")
    ax.set_xlabel("Tỷ lệ điểm (%)")
    ax.set_ylabel("Số học viên")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # head-counts: no 0.5 person
    ax.set_title("Phân bố điểm của lớp")
    return _png(fig, path)


def _pass_rates(rates, path: Path) -> str:
    fig, ax = plt.subplots(figsize=(7, 0.45 * max(len(rates), 3) + 1))
    ax.barh(list(rates.index), list(rates.values), color="#5cb85c")
    ax.set_xlim(0, 100)
    ax.invert_yaxis()
    ax.set_xlabel("Tỷ lệ học viên đạt (%)")
    ax.set_title("Tỷ lệ đạt theo từng câu")
    return _png(fig, path)


def _table(rows: list[list], headers: list[str]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>"
                   for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def build_report(course: Course, assignment_id: str | None = None, help_below: float = 50.0,
                 out_dir: Path | None = None) -> Path:
    """Write bao-cao[-<id>].html with two PNG charts next to it; return the HTML path.

    Rules stated on the page: the mean and the pass count are over those who handed in;
    "chưa nộp" are listed apart. "Cần hỗ trợ" = handed in and below ``help_below`` % of the
    total. Submissions with a grading incident are a separate list for the instructor.
    """
    ids = [assignment_id] if assignment_id else None
    table, maxima = class_table(course, ids)
    if table.empty or not maxima:
        raise CourseError("Chưa có điểm để báo cáo. Hãy chấm bài trước (python -m autograder "
                          "grade ID).")
    out = Path(out_dir) if out_dir else course.root / "bao-cao"
    out.mkdir(parents=True, exist_ok=True)
    suffix = f"-{assignment_id}" if assignment_id else ""
    handed_in = table[list(maxima)].notna().any(axis=1)
    # Handed in, no final result (a run stopped mid-way, a kernel killed from outside): not
    # "chưa nộp", and not counted in the averages until graded.
    pending = {sid: f"{a}: {why}" if len(maxima) > 1 else why
               for a in maxima for sid, why in ResultStore(course, a).unfinished().items()}
    waiting = table["ma_hv"].isin(pending)
    done, absent = table[handed_in], table[~handed_in & ~waiting]
    if done.empty and pending:
        raise CourseError(f"Chưa có bài nào chấm xong ({len(pending)} bài đã nộp đang chờ). Hãy "
                          "chạy lại lệnh grade rồi lập báo cáo.")
    if done.empty:
        raise CourseError("Chưa ai nộp bài nên chưa có gì để báo cáo. Hãy thu bài và chấm trước.")
    dist = _distribution(done["ty_le"], out / f"phan-bo-diem{suffix}.png")
    rates = {}
    for a in maxima:
        q = question_table(course, a)
        if q.empty:
            continue
        q["dat"] = q["diem"] >= q["toi_da"]
        titles = question_titles(course, a)
        order = [c for c in titles if c in set(q["cau"])] + sorted(set(q["cau"]) - set(titles))
        prefix = f"{a}: " if len(maxima) > 1 else ""
        for cau in order:
            frame = q[q["cau"] == cau]
            rates[prefix + titles.get(cau, str(cau))] = round(100 * frame["dat"].mean(), 1)
    import pandas as pd

    rate_series = pd.Series(rates, dtype=float)
    bars = _pass_rates(rate_series, out / f"ty-le-dat{suffix}.png") if rates else ""
    issues: dict[str, list[str]] = {}
    late: dict[str, list[str]] = {}
    for a in maxima:
        for sid, d in problems(course, a).items():
            issues.setdefault(sid, []).append(f"{a}: {d.get('reason', '')}")
        for sid, d in late_work(course, a).items():
            late.setdefault(sid, []).append(f"{a}: {d['late_text']}"
                                            + (f", trừ {d['late_penalty']:g} điểm"
                                               if d.get("late_penalty") else ""))
    weak = done[done["ty_le"] < help_below]
    help_rows = [[r.ma_hv, r.ho_ten, r.don_vi, f"{r.ty_le:g}%"] for r in weak.itertuples()]
    names = dict(zip(table["ma_hv"], table["ho_ten"], strict=True))
    issue_rows = [[sid, names.get(sid, sid), "; ".join(v)] for sid, v in sorted(issues.items())]
    late_rows = [[sid, names.get(sid, sid), "; ".join(v)] for sid, v in sorted(late.items())]
    absent_rows = [[r.ma_hv, r.ho_ten, r.don_vi] for r in absent.itertuples()]
    pending_rows = [[sid, names.get(sid, sid), why] for sid, why in sorted(pending.items())]
    waiting_note = f" Đã nộp nhưng chưa chấm xong: {len(pending_rows)}." if pending_rows else ""
    refused_rows = [[r.student, names.get(r.student, ""), a, f"{r.item}/{r.path}" if r.path
                     else r.item, r.reason]
                    for a in maxima for r in load_refusals(course.root, a)]
    pass_count = int((done["ty_le"] >= help_below).sum())
    unboxed = sorted({sid for a in maxima for sid, d in ResultStore(course, a).all().items()
                      if d.get("unsandboxed")})
    warning = (f'<p style="color:#a00"><b>Cảnh báo:</b> {len(unboxed)} bài được chấm KHÔNG cách '
               f'ly (--unsandboxed): bài làm có thể đã đọc đáp án, sổ điểm hay bài của người '
               f'khác. Mã: {html.escape(", ".join(unboxed))}.</p>' if unboxed else "")
    title = f"Báo cáo lớp – {assignment_id}" if assignment_id else "Báo cáo lớp – tất cả bài tập"
    charts = (f'<img alt="Tỷ lệ đạt theo câu" src="data:image/png;base64,{bars}">' if bars
              else "<p>Chưa có.</p>")
    page = f"""<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">
<title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;max-width:960px;margin:1em auto}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:3px 8px}}</style></head><body>
<h2>{html.escape(title)}</h2>
{warning}
<p>Lập lúc {timezone.now():%d/%m/%Y %H:%M} ({timezone.label()}).</p>
<p>Sĩ số: {len(table)}. Đã nộp: {len(done)}. Chưa nộp: {len(absent)}.{waiting_note}</p>
<p>Trong {len(done)} người đã nộp (người chưa nộp không tính vào trung bình):
điểm trung bình {done["ty_le"].mean():.1f}%, trung vị {done["ty_le"].median():.1f}%,
đạt từ {help_below:g}% trở lên: {pass_count}/{len(done)}.</p>
<h3>Phân bố điểm (người đã nộp)</h3><img alt="Phân bố điểm" src="data:image/png;base64,{dist}">
<h3>Tỷ lệ đạt theo từng câu</h3>
{charts}
{_table([[k, f"{v:g}%"] for k, v in rates.items()], ["Câu", "Tỷ lệ đạt"])}
<h3>Học viên cần hỗ trợ ({len(help_rows)})</h3>
<p>Quy tắc: đã nộp bài và đạt dưới {help_below:g}% tổng điểm (đổi mức bằng --help-below).</p>
{_table(help_rows, ["Mã", "Họ và tên", "Đơn vị", "Tỷ lệ"])}
<h3>Bài cần giảng viên xem lại ({len(issue_rows)})</h3>
<p>Bài gặp sự cố khi chấm (chạy quá giờ, tệp hỏng, sửa ô bị khóa...), dù điểm cao hay thấp.</p>
{_table(issue_rows, ["Mã", "Họ và tên", "Ghi chú"])}
<h3>Bị từ chối khi thu bài ({len(refused_rows)})</h3>
<p>Tệp hay thư mục nộp bài không được chép (liên kết, tệp thiết bị, tệp quá lớn, tệp của người
khác, bài nộp mang mã của người khác). Phần còn lại của lớp vẫn được thu và chấm.</p>
{_table(refused_rows, ["Mã", "Họ và tên", "Bài", "Mục", "Lý do"])}
<h3>Chưa chấm xong ({len(pending_rows)})</h3>
<p>Đã nộp nhưng chưa có điểm cuối cùng (lượt chấm bị dừng giữa chừng, trình chạy bị tắt từ bên
ngoài...). Chạy lại lệnh grade: chỉ những bài này được chấm tiếp.</p>
{_table(pending_rows, ["Mã", "Họ và tên", "Lý do"])}
<h3>Nộp muộn ({len(late_rows)})</h3>
{_table(late_rows, ["Mã", "Họ và tên", "Muộn"])}
<h3>Chưa nộp ({len(absent_rows)})</h3>
{_table(absent_rows, ["Mã", "Họ và tên", "Đơn vị"])}
</body></html>"""
    path = out / f"bao-cao{suffix}.html"
    path.write_text(page, encoding="utf-8")
    return path
