"""`python -m autograder …`: the instructor's one command, in Vietnamese."""

from __future__ import annotations

import argparse
import logging
import re
import signal
import sys
from pathlib import Path

from autograder.coursectx import Course, InstructorError, default_course_dir, ensure_tools_on_path

log = logging.getLogger("autograder.cli")

# argparse's own English phrases, translated when they reach the user.
ARGPARSE_VI = [
    (r"the following arguments are required: (.*)", r"thiếu tham số bắt buộc: \1"),
    (r"unrecognized arguments: (.*)", r"tham số không hiểu được: \1"),
    (r"argument (\S+): invalid choice: (.*) \(choose from (.*)\)",
     r"tham số \1: lựa chọn \2 không có; chọn một trong: \3"),
    (r"argument (\S+): invalid (\w+) value: (.*)", r"tham số \1: giá trị \3 không hợp lệ"),
    (r"argument (\S+): expected one argument", r"tham số \1 cần một giá trị"),
]


class VietnameseFormatter(argparse.RawDescriptionHelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, "Cách dùng: " if prefix is None else prefix)


class Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", VietnameseFormatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "Tham số"
        self._optionals.title = "Tùy chọn"
        self.add_argument("-h", "--help", action="help", help="Hiện hướng dẫn này rồi thoát.")

    def error(self, message: str):
        for pattern, repl in ARGPARSE_VI:
            if re.fullmatch(pattern, message):
                message = re.sub(pattern, repl, message)
                break
        self.print_usage(sys.stderr)
        self.exit(2, f"Lỗi: {message}\n")


def _course(args) -> Course:
    return Course(Path(args.course) if args.course else default_course_dir())


def cmd_roster(args) -> int:
    from autograder.roster import import_roster

    report = import_roster(_course(args), Path(args.file))
    print(f"Đã nhập {len(report.imported)} học viên vào sổ điểm.")
    for line, why, _ in report.bad_rows:
        print(f"  Dòng {line}: {why}")
    if report.bad_rows:
        print(f"{len(report.bad_rows)} dòng chưa nhập được; đã lưu kèm lý do ở "
              f"{report.error_file}. Sửa rồi nhập lại (các dòng đúng không bị ảnh hưởng).")
        return 1
    return 0


def cmd_release(args) -> int:
    from autograder.distribute import release

    exchange = release(_course(args), args.id, force=args.force)
    again = " (phát lại, thay bản cũ)" if args.force else ""
    print(f"Đã tạo bản cho học viên và phát bài '{args.id}'{again} lên thư mục trao đổi "
          f"{exchange}.")
    return 0


def cmd_edition(args) -> int:
    from autograder.edition import build_edition, commit_to_branch

    out = Path(args.out)
    files = build_edition(out, Path(args.repo) if args.repo else None)
    released = sorted({Path(f).parts[2] for f in files
                       if f.startswith("assignments/release/") and len(Path(f).parts) > 3})
    print(f"Đã tạo bản cho học viên ở {out.resolve()}: {len(files)} tệp, bài tập đã phát: "
          f"{', '.join(released) or '(chưa có)'}. Không có lời giải, không có bài kiểm tra ẩn.")
    if args.branch:
        commit = commit_to_branch(out, args.branch, Path(args.repo) if args.repo else None)
        if commit:
            print(f"Đã ghi vào nhánh git '{args.branch}' (commit {commit[:10]}). Đưa lên mạng: "
                  f"git push origin {args.branch}")
        else:
            print(f"Nhánh '{args.branch}' đã đúng bản này, không có gì mới để ghi.")
    return 0


def cmd_student_copies(args) -> int:
    from autograder.edition import generate_release

    course = _course(args)
    done = generate_release(course.root, course.step_root("release"))
    print(f"Đã tạo bản cho học viên (không lời giải) của {len(done)} bài tập trong "
          f"{course.step_root('release')}.")
    return 0


def cmd_deadline(args) -> int:
    from autograder.late import set_deadline

    due = set_deadline(_course(args), args.id, args.when)
    cfg = _course(args).config()
    method = cfg.LatePolicy.get("method", "none") if "LatePolicy" in cfg else "none"
    policy = {"none": "chỉ ghi chú, không trừ điểm",
              "per_day": f"trừ {cfg.LatePolicy.get('percent_per_day', 10):g}% điểm mỗi ngày muộn",
              "zero": "bài muộn được 0 điểm"}.get(method, method)
    from course.timezone import label

    print(f"Hạn nộp '{args.id}': {due:%d/%m/%Y %H:%M} ({label()}). Bài nộp muộn: {policy} "
          "(đổi trong assignments/nbgrader_config.py, mục LatePolicy).")
    return 0


def cmd_formgrader(args) -> int:
    import os
    import subprocess

    from autograder.formgrader import formgrader_command, formgrader_environment

    course = _course(args)
    print("Đang mở JupyterLab của giảng viên với Formgrader (chấm tay, ví dụ bt6_capstone). "
          "Trang đầu là Formgrader; trong Lab cũng có ở menu Nbgrader → Formgrader. "
          "Dừng bằng Ctrl+C. Đừng mở trang này cho học viên.", flush=True)
    # `kill` of this tool stops JupyterLab too (it used to live on, orphaned, holding its port).
    # The handler is in place before JupyterLab starts: a kill in between is not lost.
    lab: subprocess.Popen | None = None
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True
        if lab is not None:
            lab.terminate()

    signal.signal(signal.SIGTERM, stop)
    lab = subprocess.Popen(formgrader_command(course.root, args.jupyter_args), cwd=course.root,
                           env=formgrader_environment(dict(os.environ)))
    if stopping:
        lab.terminate()
    try:
        return lab.wait()
    except KeyboardInterrupt:  # one Ctrl+C stops it (JupyterLab alone would ask to confirm)
        lab.terminate()
        lab.wait()
        raise


def cmd_collect(args) -> int:
    from autograder.distribute import collect_exchange, collect_files

    course = _course(args)
    if not args.zip:
        from autograder.distribute import apply_login_map, read_login_map

        mapping = read_login_map(Path(args.map)) if args.map else None
        ids = collect_exchange(course, args.id)
        for login, sid in apply_login_map(course, args.id, mapping):
            print(f"  Bài của tên đăng nhập {login} được xếp cho mã {sid}.")
        ids = course.student_ids("submitted", args.id)
        print(f"Đã thu bài '{args.id}': hiện có {len(ids)} bài nộp.")
        return _roster_check(course, args.id, ids, args.add_unknown)
    rep = collect_files(course, args.id, Path(args.zip))
    print(f"Đã xếp {len(rep.placed)} bài nộp vào submitted/<mã>/{args.id}/{args.id}.ipynb.")
    source = Path(args.zip)
    kind = ("giờ ghi trong tệp zip" if source.is_file() else "giờ sửa tệp trên máy này")
    for sid, src in rep.placed.items():
        print(f"  {sid} ← {src} (giờ nộp: {_handed_in(course, args.id, sid)}, {kind})")
    if rep.unchanged:
        print(f"{len(rep.unchanged)} bài giống hệt bản đã thu trước, giữ nguyên.")
    for src, why in rep.skipped:
        print(f"  Bỏ qua {src}: {why}")
    if rep.unmatched:
        print(f"{len(rep.unmatched)} tệp CHƯA xếp được (hãy đổi tên theo mã học viên rồi thu lại):")
        for src, why in rep.unmatched:
            print(f"  {src}: {why}")
        return 1
    return 0


def _handed_in(course: Course, assignment_id: str, student_id: str) -> str:
    """The submission time nbgrader will compare with the deadline, in the course's zone."""
    from nbgrader.utils import parse_utc

    from course.timezone import label, local

    stamp = course.submitted_dir(assignment_id, student_id) / "timestamp.txt"
    try:
        moment = local(parse_utc(stamp.read_text().strip()))
    except (OSError, ValueError):
        return "không rõ"
    return f"{moment:%d/%m/%Y %H:%M} {label()}"


def _roster_check(course: Course, assignment_id: str, ids: list[str], add_unknown: bool) -> int:
    """Say who is not on the class list and who has not handed in (1 = needs attention)."""
    from autograder.roster import add_students, roster_ids

    roster = roster_ids(course)
    if not roster:
        print("Chưa có danh sách lớp nên chưa đối chiếu được ai nộp, ai chưa. Nhập bằng: "
              "python -m autograder roster import TEP (mã học viên = tên đăng nhập JupyterHub).")
        return 0
    unknown = sorted(set(ids) - roster)
    missing = sorted(roster - set(ids))
    if missing:
        print(f"Chưa nộp ({len(missing)}): {', '.join(missing)}")
    if unknown and add_unknown:
        add_students(course, unknown)
        print(f"Đã thêm vào danh sách lớp {len(unknown)} mã mới: {', '.join(unknown)} "
              "(họ tên tạm là mã; sửa trong tệp danh sách rồi nhập lại).")
        return 0
    if unknown:
        print(f"Có {len(unknown)} bài nộp từ mã KHÔNG có trong danh sách lớp: "
              f"{', '.join(unknown)}. Các bài này sẽ không được chấm. Mã học viên phải trùng tên "
              "đăng nhập JupyterHub: sửa danh sách lớp rồi nhập lại, chạy lại với --map TEP "
              "(tên đăng nhập → mã học viên), hoặc với --add-unknown để thêm họ.")
        return 1
    return 0


def cmd_grade(args) -> int:
    from autograder.grading import grade_assignment

    course = _course(args)
    # `kill` (SIGTERM) stops as cleanly as Ctrl-C: finished results are kept.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    summary = grade_assignment(course, args.id, workers=args.workers, timeout=args.timeout,
                               memory_mb=args.memory_mb, allow_network=args.allow_network,
                               force=args.force, only=args.student or None,
                               progress=not args.quiet, unsandboxed=args.unsandboxed)
    if args.unsandboxed:
        print("CẢNH BÁO: đã chấm KHÔNG cách ly (--unsandboxed); kết quả và báo cáo có ghi chú "
              "này.")
    if summary.interrupted:
        print(f"Đã dừng sau {len(summary.graded)} bài. Chạy lại đúng lệnh này để chấm tiếp "
              "các bài còn lại (bài đã chấm không bị chấm lại).")
        return 130
    print(f"Đã chấm {len(summary.graded)} bài; {len(summary.skipped)} bài đã chấm từ trước "
          "nên bỏ qua.")
    if summary.not_on_roster:
        print(f"CHƯA chấm {len(summary.not_on_roster)} bài của mã không có trong danh sách lớp: "
              f"{', '.join(summary.not_on_roster)}. Thêm họ vào danh sách lớp (roster import) "
              f"hoặc chạy: python -m autograder collect {args.id} --add-unknown")
    for sid, why in sorted(summary.problems.items()):
        print(f"  {sid}: {why}")
    return 0


def cmd_feedback(args) -> int:
    from autograder.feedback import generate_feedback

    pages = generate_feedback(_course(args), args.id, args.student or None)
    print(f"Đã tạo {len(pages)} trang nhận xét trong {_course(args).step_root('feedback')}.")
    return 0


def cmd_release_feedback(args) -> int:
    from autograder.feedback_release import release_feedback

    course = _course(args)
    result = release_feedback(course, args.id)
    print(f"Đã trả nhận xét '{args.id}' cho {len(result.released)} người nộp qua thẻ "
          "Assignments (họ bấm Fetch Feedback để xem).")
    if result.direct:
        print(f"{len(result.direct)} người nộp qua tệp (Zalo, e-mail, LMS) không nhận được qua "
              "thẻ Assignments; gửi lại cho họ các trang này:")
        for sid, pages in sorted(result.direct.items()):
            for page in pages:
                print(f"  {sid}: {page}")
    for sid, why in sorted(result.failed.items()):
        print(f"  CHƯA trả được cho {sid}: {why}")
    return 1 if result.failed else 0


def cmd_export(args) -> int:
    from autograder.export import export_grades

    for path in export_grades(_course(args), Path(args.out) if args.out else None):
        print(f"Đã ghi {path}")
    return 0


def cmd_report(args) -> int:
    from autograder.report import build_report

    path = build_report(_course(args), args.id, args.help_below,
                        Path(args.out) if args.out else None)
    print(f"Đã ghi báo cáo {path} (kèm biểu đồ PNG cùng thư mục).")
    return 0


def cmd_certificates(args) -> int:
    from autograder.certificates import make_certificates

    paths = make_certificates(_course(args), args.min_score,
                              Path(args.out) if args.out else None, organiser=args.organiser)
    print(f"Đã tạo {len(paths)} giấy chứng nhận (từ {args.min_score:g}% tổng điểm trở lên).")
    for p in paths:
        print(f"  {p}")
    return 0


def build_parser() -> Parser:
    p = Parser(prog="python -m autograder",
               description="Công cụ của giảng viên: phát bài, thu bài, chấm tự động, trả nhận "
                           "xét, xuất bảng điểm, báo cáo lớp và giấy chứng nhận.")
    p.add_argument("--course", metavar="THU_MUC",
                   help="Thư mục khóa học nbgrader (mặc định: assignments/ của kho, hoặc thư mục "
                        "hiện tại nếu có nbgrader_config.py).")
    sub = p.add_subparsers(dest="lenh", metavar="LỆNH", parser_class=Parser, required=True)

    r = sub.add_parser("roster", help="Danh sách lớp.")
    rs = r.add_subparsers(dest="viec", metavar="VIỆC", parser_class=Parser, required=True)
    ri = rs.add_parser("import", help="Nhập danh sách lớp từ CSV hoặc Excel.",
                       description="Cột cần có: mã học viên (id), họ tên; nên có email, đơn vị. "
                                   "Tên cột tiếng Việt hay tiếng Anh đều được.")
    ri.add_argument("file", metavar="TEP", help="Tệp .csv hoặc .xlsx")
    ri.set_defaults(func=cmd_roster)

    s = sub.add_parser("release", help="Tạo bản cho học viên (ẩn đáp án) và phát bài.")
    s.add_argument("id", metavar="ID", help="Mã bài tập, ví dụ bt1_prompt")
    s.add_argument("--force", action="store_true",
                   help="Phát lại bài đã phát (thay bản cũ trên thư mục trao đổi).")
    s.set_defaults(func=cmd_release)

    ed = sub.add_parser(
        "edition", help="Tạo bản cho học viên (bài học + bài tập đã phát, không lời giải).",
        description="Chép bài học, gói course, tệp Binder và bản phát của mọi bài tập vào "
                    "THU_MUC; không bao giờ chép assignments/source, lời giải hay bài kiểm tra "
                    "ẩn (có kiểm tra lại trước khi ghi). Với --branch, ghi luôn thành một "
                    "nhánh git cho Binder và nbgitpuller.")
    ed.add_argument("--out", required=True, metavar="THU_MUC", help="Nơi ghi bản học viên.")
    ed.add_argument("--branch", metavar="TEN_NHANH",
                    help="Ghi bản này thành nhánh git (ví dụ hoc-vien), không đụng thư mục làm "
                         "việc.")
    ed.add_argument("--repo", metavar="THU_MUC", help="Kho khóa học (mặc định: kho hiện tại).")
    ed.set_defaults(func=cmd_edition)

    sc = sub.add_parser("student-copies",
                        help="Tạo assignments/release/<mã>/ (bản không lời giải) cho make lab.")
    sc.set_defaults(func=cmd_student_copies)

    dl = sub.add_parser("deadline", help="Đặt hạn nộp cho một bài tập (lưu trong sổ điểm).")
    dl.add_argument("id", metavar="ID", help="Mã bài tập")
    dl.add_argument("when", metavar="THOI_HAN",
                    help='Ví dụ "2026-12-05 23:59" (giờ Việt Nam, hoặc múi giờ trong biến '
                         'COURSE_TIMEZONE).')
    dl.set_defaults(func=cmd_deadline)

    fg = sub.add_parser(
        "formgrader", help="Mở Formgrader của nbgrader để chấm tay (giảng viên).",
        description="Mở JupyterLab của giảng viên ở thư mục khóa học, trang đầu là Formgrader "
                    "(chấm tay, ví dụ bài cuối khóa bt6_capstone; trong Lab cũng có ở menu "
                    "Nbgrader → Formgrader). Dừng bằng Ctrl+C. Đừng mở trang này cho học viên. "
                    "Mọi tùy chọn sau chữ formgrader được chuyển cho JupyterLab (xem bằng: "
                    "python -m jupyterlab --help, tiếng Anh).")
    fg.add_argument("jupyter_args", nargs=argparse.REMAINDER, metavar="...",
                    help="Tùy chọn thêm cho JupyterLab, ví dụ --no-browser --port 8890 "
                         "--ip 0.0.0.0.")
    fg.set_defaults(func=cmd_formgrader)

    c = sub.add_parser("collect", help="Thu bài từ thư mục trao đổi, hoặc từ tệp tải về (--zip).")
    c.add_argument("id", metavar="ID", help="Mã bài tập")
    c.add_argument("--add-unknown", action="store_true",
                   help="Thêm người nộp chưa có trong danh sách lớp vào danh sách.")
    c.add_argument("--map", metavar="TEP_CSV",
                   help="Tệp đối chiếu tên đăng nhập JupyterHub → mã học viên (hai cột; được "
                        "nhớ cho các lần thu sau).")
    c.add_argument("--zip", metavar="THU_MUC_HOAC_ZIP",
                   help="Thư mục hoặc tệp .zip chứa bài tải về từ LMS, Zalo, e-mail.")
    c.set_defaults(func=cmd_collect)

    g = sub.add_parser("grade", help="Chấm tự động song song, an toàn, chạy tiếp được.")
    g.add_argument("id", metavar="ID", help="Mã bài tập")
    g.add_argument("--workers", type=int, default=2, metavar="N",
                   help="Số bài chấm cùng lúc (mặc định 2; nên bằng số lõi CPU).")
    g.add_argument("--timeout", type=int, default=0, metavar="GIAY",
                   help="Giới hạn thời gian mỗi ô mã, giây (mặc định theo nbgrader_config, 30).")
    g.add_argument("--memory-mb", type=int, default=1024, metavar="MB",
                   help="Giới hạn bộ nhớ của mỗi bài, MB (mặc định 1024).")
    g.add_argument("--student", action="append", metavar="MA",
                   help="Chỉ chấm học viên này (lặp lại được).")
    g.add_argument("--force", action="store_true", help="Chấm lại cả bài đã chấm.")
    g.add_argument("--allow-network", action="store_true",
                   help="Cho bài làm dùng mạng (mặc định: cắt mạng khi chấm).")
    g.add_argument("--unsandboxed", action="store_true",
                   help="Chấm KHÔNG cách ly (nguy hiểm: bài làm đọc được đáp án và sổ điểm). "
                        "Chỉ dùng khi máy không dựng được hộp cách ly; kết quả bị đánh dấu.")
    g.add_argument("--quiet", action="store_true", help="Không hiện thanh tiến độ.")
    g.set_defaults(func=cmd_grade)

    f = sub.add_parser("feedback", help="Tạo trang nhận xét tiếng Việt (không lộ bài kiểm tra ẩn).")
    f.add_argument("id", metavar="ID", help="Mã bài tập")
    f.add_argument("--student", action="append", metavar="MA", help="Chỉ học viên này.")
    f.set_defaults(func=cmd_feedback)

    rf = sub.add_parser("release-feedback",
                        help="Trả nhận xét cho mọi người (qua thẻ Assignments, hoặc trang để "
                             "gửi lại cho người nộp qua Zalo/e-mail).")
    rf.add_argument("id", metavar="ID", help="Mã bài tập")
    rf.set_defaults(func=cmd_release_feedback)

    e = sub.add_parser("export", help="Xuất bảng điểm CSV và Excel.")
    e.add_argument("--out", metavar="THU_MUC", help="Nơi ghi (mặc định bang-diem/).")
    e.set_defaults(func=cmd_export)

    rp = sub.add_parser("report", help="Báo cáo lớp: phân bố điểm, tỷ lệ đạt, ai cần hỗ trợ.")
    rp.add_argument("id", metavar="ID", nargs="?", help="Mã bài tập (bỏ trống: cả khóa).")
    rp.add_argument("--help-below", type=float, default=50.0, metavar="PHAN_TRAM",
                    help="Dưới mức này (%% tổng điểm) là cần hỗ trợ (mặc định 50).")
    rp.add_argument("--out", metavar="THU_MUC", help="Nơi ghi (mặc định bao-cao/).")
    rp.set_defaults(func=cmd_report)

    ct = sub.add_parser("certificates", help="Giấy chứng nhận PDF cho học viên đạt.")
    ct.add_argument("--min-score", type=float, required=True, metavar="PHAN_TRAM",
                    help="Mức tối thiểu, tính theo %% tổng điểm các bài tập (ví dụ 50).")
    ct.add_argument("--organiser", default="Ban tổ chức khóa học", metavar="TEN",
                    help="Tên đơn vị cấp, in cuối giấy.")
    ct.add_argument("--out", metavar="THU_MUC", help="Nơi ghi (mặc định chung-nhan/).")
    ct.set_defaults(func=cmd_certificates)
    return p


def _log_file(args) -> Path | None:
    """This run's log file in the course folder (none if the course folder is unusable)."""
    from autograder.logs import start_run_log

    try:
        return start_run_log(_course(args).state_dir(), args.lenh)
    except (InstructorError, OSError):
        return None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if "formgrader" in argv:  # everything after it belongs to JupyterLab
        cut = argv.index("formgrader") + 1
        if argv[cut:] in (["--help"], ["-h"]):  # our Vietnamese help, not JupyterLab's English
            argv = argv[:cut + 1]
            cut += 1
        args = build_parser().parse_args(argv[:cut])
        args.jupyter_args = argv[cut:]
    else:
        args = build_parser().parse_args(argv)
    # `grade` imports nbgrader once its workers are started (grading.grade_assignment).
    ensure_tools_on_path(gradebooks=args.lenh != "grade")
    log_file = _log_file(args)
    log.info("python -m autograder %s", " ".join(argv))
    try:
        code = args.func(args)
        log.info("exit code %s", code)
        return code
    except InstructorError as exc:
        log.error("stopped: %s", exc)
        print(f"Lỗi: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        log.warning("interrupted")
        print("Đã dừng theo yêu cầu.", file=sys.stderr)
        return 130
    except Exception:
        log.exception("unexpected error")
        where = f" Chi tiết kỹ thuật đã ghi vào {log_file}." if log_file else ""
        print(f"Lỗi hệ thống, chưa làm xong lệnh '{args.lenh}'.{where} Hãy gửi tệp đó cho "
              "người hỗ trợ kỹ thuật.", file=sys.stderr)
        return 3
