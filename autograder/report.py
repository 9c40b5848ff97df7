"""Class summary: score distribution, pass rate per question, who needs help (HTML + PNG)."""

from __future__ import annotations

import base64
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from autograder import pages  # noqa: E402
from autograder.coursectx import Course, InstructorError  # noqa: E402
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
from course.numbers import number, percent  # noqa: E402


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
        raise InstructorError("Chưa có điểm để báo cáo. Hãy chấm bài trước (python -m "
                              "autograder grade ID).")
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
        raise InstructorError(f"Chưa có bài nào chấm xong ({len(pending)} bài đã nộp đang chờ). "
                              "Hãy chạy lại lệnh grade rồi lập báo cáo.")
    if done.empty:
        raise InstructorError("Chưa ai nộp bài nên chưa có gì để báo cáo. Hãy thu bài và chấm "
                              "trước.")
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
                                            + (f", trừ {number(d['late_penalty'], 2)} điểm"
                                               if d.get("late_penalty") else ""))
    weak = done[done["ty_le"] < help_below]
    help_rows = [[r.ma_hv, r.ho_ten, r.don_vi, percent(r.ty_le)] for r in weak.itertuples()]
    names = dict(zip(table["ma_hv"], table["ho_ten"], strict=True))
    issue_rows = [[sid, names.get(sid, sid), "; ".join(v)] for sid, v in sorted(issues.items())]
    late_rows = [[sid, names.get(sid, sid), "; ".join(v)] for sid, v in sorted(late.items())]
    absent_rows = [[r.ma_hv, r.ho_ten, r.don_vi] for r in absent.itertuples()]
    pending_rows = [[sid, names.get(sid, sid), why] for sid, why in sorted(pending.items())]
    refused_rows = [[r.student, names.get(r.student, ""), a, f"{r.item}/{r.path}" if r.path
                     else r.item, r.reason]
                    for a in maxima for r in load_refusals(course.root, a)]
    pass_count = int((done["ty_le"] >= help_below).sum())
    unboxed = sorted({sid for a in maxima for sid, d in ResultStore(course, a).all().items()
                      if d.get("unsandboxed")})
    title = f"Báo cáo lớp – {assignment_id}" if assignment_id else "Báo cáo lớp – tất cả bài tập"
    # Every figure through course.numbers, the one formatter: "75 %", "37,5 %".
    page = pages.render(
        "report.html.j2", title=title, unboxed=unboxed,
        made_at=f"{timezone.now():%d/%m/%Y %H:%M} ({timezone.label()})",
        class_size=len(table), done=len(done), pass_count=pass_count,
        mean=percent(done["ty_le"].mean()), median=percent(done["ty_le"].median()),
        help_below=percent(help_below, 2), dist=dist, bars=bars,
        rate_rows=[[k, percent(v)] for k, v in rates.items()], help_rows=help_rows,
        issue_rows=issue_rows, refused_rows=refused_rows, pending_rows=pending_rows,
        late_rows=late_rows, absent_rows=absent_rows)
    path = out / f"bao-cao{suffix}.html"
    path.write_text(page, encoding="utf-8")
    return path
