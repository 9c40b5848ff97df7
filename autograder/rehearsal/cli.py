"""``python -m autograder.simulate``: write a rehearsal class from the command line."""

from __future__ import annotations

import sys
from pathlib import Path

from autograder.rehearsal.build import DEFAULT_CANARY_URL, simulate
from autograder.rehearsal.spec import COURSE_ROOT, autograded


def main(argv: list[str] | None = None) -> int:
    from autograder.cli import Parser  # Vietnamese help and errors, as the main tool

    ids = autograded()
    parser = Parser(prog="python -m autograder.simulate",
                    description="Tạo một lớp học mô phỏng (nhiều kiểu bài nộp giả: đúng, sai, "
                                "bỏ trống...) để tập chấm bài mà không cần học viên thật.")
    parser.add_argument("out_dir", type=Path, metavar="THU_MUC",
                        help="Nơi tạo khóa học mô phỏng (ví dụ /tmp/khoa-tap).")
    parser.add_argument("--assignment", required=True, choices=ids, metavar="ID",
                        help="Bài tập: " + ", ".join(ids) + ".")
    parser.add_argument("--n", type=int, default=30, metavar="SO",
                        help="Số học viên mô phỏng (mặc định 30).")
    parser.add_argument("--seed", type=int, default=0, metavar="SO",
                        help="Hạt giống ngẫu nhiên: cùng số thì cùng lớp (mặc định 0).")
    parser.add_argument("--course-root", type=Path, default=COURSE_ROOT, metavar="THU_MUC",
                        help="Thư mục khóa học nguồn (mặc định assignments/ của kho).")
    parser.add_argument("--canary-url", default=DEFAULT_CANARY_URL, metavar="URL",
                        help="Địa chỉ bài nộp 'gọi mạng' thử gọi, để kiểm tra hộp cách ly cắt "
                             "mạng (mặc định một cổng đóng trên máy này).")
    args = parser.parse_args(argv)
    expected = simulate(args.out_dir, args.assignment, args.n, args.seed,
                        course_root=args.course_root, canary_url=args.canary_url)
    print(f"Đã tạo {len(expected)} bài nộp mô phỏng cho {args.assignment} trong {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
