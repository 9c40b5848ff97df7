"""Handing out and taking in: nbgrader release/collect, and collecting loose files.

Loose files come from an LMS download, Zalo or e-mail: a folder or a .zip whose file
names carry the participant's id ("hv001_bt1.ipynb") or name ("Nguyen Van A - bt1.ipynb").
Every file ends up either placed (under the expected notebook name) or listed as
unmatched / skipped with a reason; nothing is silently dropped.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory

from autograder import nbconfig
from autograder.coursectx import Course, InstructorError, ensure_tools_on_path
from autograder.roster import plain
from course import timezone

log = logging.getLogger(__name__)
IGNORED_PARTS = {"__MACOSX", ".ipynb_checkpoints", ".DS_Store"}


def exchange_root(course: Course) -> str:
    """The exchange folder nbgrader uses for this course (see ``autograder.nbconfig``)."""
    return nbconfig.exchange_root(course.config())


def _api(course: Course) -> NbGraderAPI:
    ensure_tools_on_path()
    cfg = course.config()
    exchange = exchange_root(course)
    if not os.path.isdir(exchange):
        try:
            os.makedirs(exchange)
            os.chmod(exchange, 0o777)  # nbgrader's documented set-up: everyone may write
        except OSError as exc:
            raise InstructorError(
                f"Không tạo được thư mục trao đổi {exchange} ({exc.strerror}). Hãy tạo nó với "
                f"quyền ghi cho mọi người (sudo mkdir -p {exchange} && sudo chmod 777 "
                f"{exchange}), hoặc chọn thư mục khác bằng dòng c.Exchange.root = "
                "\"/duong/dan\" trong ~/.jupyter/nbgrader_config.py (JupyterHub đặt sẵn dòng "
                "này cho cả lớp).") from exc
    log.info("exchange %s", exchange)
    return NbGraderAPI(coursedir=CourseDirectory(config=cfg), config=cfg)


def release(course: Course, assignment_id: str, force: bool = False) -> str:
    course.check_assignment(assignment_id)
    api = _api(course)
    released = Path(exchange_root(course)) / course.course_id / "outbound" / assignment_id
    if released.exists() and not force:
        raise InstructorError(
            f"Bài '{assignment_id}' đã được phát rồi. Muốn phát lại bản mới (thay bản cũ trên "
            "thư mục trao đổi; học viên đã tải bài về vẫn giữ bài của họ, người tải sau nhận "
            f"bản mới), chạy: python -m autograder release {assignment_id} --force")
    api.config.ExchangeReleaseAssignment.force = force  # read when nbgrader's app starts
    out = api.generate_assignment(assignment_id, force=True, create=True)
    if not out.get("success"):
        raise InstructorError(f"Không tạo được bản phát cho học viên:\n{out.get('log')}")
    out = api.release_assignment(assignment_id)
    if not out.get("success"):
        raise InstructorError(f"Không phát được bài lên thư mục trao đổi:\n{out.get('log')}")
    return exchange_root(course)


def collect_exchange(course: Course, assignment_id: str) -> list[str]:
    """nbgrader collect (with ``autograder.exchange.SafeCollect`` unless configured otherwise);
    prints what was refused this time (links, others' files, submissions made in someone
    else's name), which the class report lists too."""
    from autograder.exchange import describe, load_refusals, utcnow

    course.check_assignment(assignment_id)
    start = utcnow()
    out = _api(course).collect(assignment_id)
    if not out.get("success"):
        raise InstructorError(f"Không thu được bài từ thư mục trao đổi:\n{out.get('log')}")
    new = [r for r in load_refusals(course.root, assignment_id) if r.seen >= start]
    if new:
        print(f"Từ chối {len(new)} mục khi thu bài (không chép; bài còn lại vẫn được thu và "
              "chấm):")
        for r in new:
            print("  " + describe(r))
    return course.student_ids("submitted", assignment_id)


LOGIN_MAP = "ten-dang-nhap.json"


def read_login_map(path: Path) -> dict[str, str]:
    """A two-column CSV: hub username, participant id (header row; names as in the roster)."""
    import csv

    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InstructorError(f"Không đọc được tệp đối chiếu {path} ({exc}). Cần tệp CSV UTF-8 "
                              "hai cột: ten_dang_nhap, ma_hoc_vien.") from exc
    rows = [r for r in csv.reader(text.splitlines()) if any(c.strip() for c in r)]
    if len(rows) < 2 or any(len(r) < 2 for r in rows):
        raise InstructorError(f"Tệp đối chiếu {Path(path).name} cần dòng tiêu đề rồi mỗi dòng "
                              "hai cột: tên đăng nhập JupyterHub, mã học viên (ví dụ "
                              "nguyenvana,hv001).")
    return {r[0].strip(): r[1].strip() for r in rows[1:]}


def apply_login_map(course: Course, assignment_id: str,
                    mapping: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """File submissions made under a hub username under the participant's id instead.

    A new mapping is remembered (``.autograder/ten-dang-nhap.json``) for later collects.
    """
    import json

    saved = course.state_dir() / LOGIN_MAP
    known = json.loads(saved.read_text(encoding="utf-8")) if saved.exists() else {}
    if mapping:
        known.update(mapping)
        saved.write_text(json.dumps(known, ensure_ascii=False, indent=1), encoding="utf-8")
    moved = []
    for login, sid in sorted(known.items()):
        src = course.submitted_dir(assignment_id, login)
        if login == sid or not src.is_dir():
            continue
        dest = course.submitted_dir(assignment_id, sid)
        if dest.exists():
            shutil.rmtree(dest)  # the exchange copy is the participant's latest submission
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(src), dest)
        if not any(src.parent.iterdir()):
            src.parent.rmdir()
        moved.append((login, sid))
        log.info("submission of %s filed as %s", login, sid)
    return moved


@dataclass
class CollectReport:
    placed: dict[str, str] = field(default_factory=dict)        # student id -> original file
    unchanged: dict[str, str] = field(default_factory=dict)
    unmatched: list[tuple[str, str]] = field(default_factory=list)  # file, reason
    skipped: list[tuple[str, str]] = field(default_factory=list)


def _tokens(text: str) -> list[str]:
    return [t for t in re.split(r"[^a-z0-9]+", plain(text)) if t]


def _contains(tokens: list[str], words: list[str]) -> bool:
    n = len(words)
    return n > 0 and any(tokens[i:i + n] == words for i in range(len(tokens) - n + 1))


class Matcher:
    """Finds the participant a file belongs to: by id token first, then by full name."""

    def __init__(self, course: Course):
        people = {sid: row.get("ho_ten", "") for sid, row in course.class_list().items()}
        with course.gradebook() as gb:
            for st in gb.students:
                people.setdefault(st.id, " ".join(p for p in (st.last_name, st.first_name) if p))
        if not people:
            raise InstructorError("Chưa có danh sách lớp nên không biết tệp nào của ai. "
                                  "Hãy chạy trước: python -m autograder roster import TEP")
        self.by_id = {sid.lower(): sid for sid in people}
        self.names = {sid: _tokens(name) for sid, name in people.items() if name}

    def match(self, rel_path: str) -> tuple[str | None, str]:
        tokens = _tokens(rel_path)
        # An id may hold '-' or '_' (hub user names such as "hv-001"): match its whole token
        # run, the longest id first ("hv1-b" in a name beats "hv1").
        found = [(len(_tokens(key)), sid) for key, sid in self.by_id.items()
                 if _contains(tokens, _tokens(key))]
        longest = max((n for n, _ in found), default=0)
        ids = {sid for n, sid in found if n == longest}
        if len(ids) == 1:
            return ids.pop(), ""
        if len(ids) > 1:
            return None, "tên tệp chứa mã của nhiều học viên: " + ", ".join(sorted(ids))
        hits = [(len(words), sid) for sid, words in self.names.items() if _contains(tokens, words)]
        if not hits:
            return None, "không nhận ra mã hay họ tên học viên nào trong tên tệp/thư mục"
        best = max(n for n, _ in hits)
        top = sorted(sid for n, sid in hits if n == best)
        if len(top) > 1:
            return None, "trùng họ tên với nhiều học viên: " + ", ".join(top)
        return top[0], ""


def _other_assignment(tokens: list[str], assignment_id: str, others: list[str]) -> bool:
    """The name mentions another assignment ("bt2" or "bt2_marketing") and not this one."""
    mine = _tokens(assignment_id)
    if _contains(tokens, mine) or mine[0] in tokens:
        return False
    return any(_contains(tokens, _tokens(o)) or _tokens(o)[0] in tokens for o in others)


# Loose files are attacker input too (a folder or zip a participant made): caps on what is
# unpacked and read, and only regular files (no link, device or FIFO) are ever opened.
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UNPACKED_BYTES = 500 * 1024 * 1024
MAX_ENTRIES = 5000


def _unpack(source: Path, into: Path, refused: list[tuple[str, str]] | None = None,
            max_file: int = MAX_FILE_BYTES, max_total: int = MAX_UNPACKED_BYTES,
            max_entries: int = MAX_ENTRIES) -> dict[str, float]:
    """Extract a zip safely (no paths outside, no links, size caps), keeping each entry's date
    as mtime. Entries not extracted are added to ``refused`` as (name, Vietnamese reason)."""
    import stat

    from autograder.exchange import Refused, copy_fd, kind

    refused = refused if refused is not None else []
    times = {}
    total = 0
    with zipfile.ZipFile(source) as zf:
        infos = zf.infolist()
        if len(infos) > max_entries:
            raise InstructorError(f"{source.name} có {len(infos)} mục, quá giới hạn {max_entries}: "
                                  "không giải nén (có thể là tệp zip độc hại).")
        for info in infos:
            name = info.filename
            if not info.flag_bits & 0x800:
                # Old zip tools store UTF-8 names without the flag; Python read them as cp437.
                try:
                    name = name.encode("cp437").decode("utf-8")
                except (UnicodeEncodeError, UnicodeDecodeError):
                    pass
            parts = [p for p in Path(name).parts if p not in ("..", "/", "\\")]
            if not parts or info.is_dir():
                continue
            mode = info.external_attr >> 16  # Unix file type and mode, when made on Unix
            if info.create_system == 3 and stat.S_IFMT(mode) not in (0, stat.S_IFREG):
                refused.append((name, f"là {kind(mode)} trong tệp zip: không giải nén"))
                continue
            if info.file_size > max_file:
                refused.append((name, f"quá lớn ({info.file_size // (1024 * 1024)} MB; tối đa "
                                      f"{max_file // (1024 * 1024)} MB mỗi tệp)"))
                continue
            if total + info.file_size > max_total:
                refused.append((name, f"vượt giới hạn {max_total // (1024 * 1024)} MB cho cả "
                                      "tệp zip"))
                continue
            target = into.joinpath(*parts)
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
            except OSError:
                refused.append((name, "trùng tên với một mục khác trong tệp zip"))
                continue
            if os.path.lexists(target):
                refused.append((name, "trùng tên với một mục khác trong tệp zip"))
                continue
            try:
                with zf.open(info) as src, tempfile.TemporaryFile() as buf:
                    left = max_file + 1
                    while left > 0 and (chunk := src.read(min(left, 1024 * 1024))):
                        buf.write(chunk)
                        left -= len(chunk)
                    buf.seek(0)
                    total += copy_fd(buf.fileno(), target, max_file)
            except Refused as why:
                refused.append((name, str(why)))
                continue
            except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError):
                refused.append((name, "hỏng hoặc có mật khẩu trong tệp zip: không giải nén"))
                continue
            except OSError as exc:  # e.g. a name too long for this disk
                refused.append((name, f"không giải nén được ({exc.strerror})"))
                continue
            # A zip entry's date is a wall time with no zone: read it in the course's zone,
            # not the server's (a UTC server made a 23:50 Vietnam file 7 hours late).
            stamp = timezone.from_wall_time(*info.date_time).timestamp()
            os.utime(target, (stamp, stamp))
            times[str(target.relative_to(into))] = stamp
    return times


def _regular_files(base: Path, report: CollectReport) -> list[tuple[Path, str, os.stat_result]]:
    """Regular files under ``base`` (never through a link); others go to ``report.skipped``."""
    import stat

    from autograder.exchange import kind

    found = []
    for root, dirs, files in os.walk(base, followlinks=False):
        keep = []
        for name in sorted(dirs + files):
            path = Path(root) / name
            rel = str(path.relative_to(base))
            if name in IGNORED_PARTS or name.startswith("."):
                continue
            st = os.lstat(path)
            if stat.S_ISDIR(st.st_mode):
                keep.append(name)
            elif stat.S_ISREG(st.st_mode):
                found.append((path, rel, st))
            else:
                report.skipped.append((rel, f"là {kind(st.st_mode)}, không phải tệp thường: "
                                            "không chép"))
        dirs[:] = keep
    return found


def _read_capped(path: Path, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file, opened without following a link (raises Refused)."""
    from autograder.exchange import open_regular

    fd = open_regular(path, max_bytes=max_bytes)
    with os.fdopen(fd, "rb") as fh:
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        from autograder.exchange import Refused

        raise Refused(f"quá lớn (hơn {max_bytes // (1024 * 1024)} MB)")
    return data


def collect_files(course: Course, assignment_id: str, source: Path) -> CollectReport:
    from autograder.exchange import Refusal, Refused, save_refusals

    course.check_assignment(assignment_id)
    source = Path(source)
    if not os.path.lexists(source):
        raise InstructorError(f"Không tìm thấy {source}")
    if source.is_symlink():
        raise InstructorError(f"{source.name} là liên kết tượng trưng (symlink): hãy chỉ thẳng tới "
                              "thư mục hay tệp .zip thật.")
    matcher = Matcher(course)
    others = [a for a in course.assignment_ids() if a != assignment_id]
    report = CollectReport()
    with tempfile.TemporaryDirectory() as tmp:
        if source.is_file() and zipfile.is_zipfile(source):
            base = Path(tmp)
            refused: list[tuple[str, str]] = []
            _unpack(source, base, refused)
            report.skipped += refused
        elif source.is_dir():
            base = source
        else:
            raise InstructorError(f"{source.name} không phải thư mục hay tệp .zip.")
        chosen: dict[str, tuple[float, Path, str]] = {}
        for path, rel, st in _regular_files(base, report):
            if path.suffix.lower() != ".ipynb":
                report.skipped.append((rel, "không phải tệp notebook (.ipynb)"))
                continue
            if st.st_size > MAX_FILE_BYTES:
                report.skipped.append((rel, f"quá lớn ({st.st_size // (1024 * 1024)} MB; tối "
                                            f"đa {MAX_FILE_BYTES // (1024 * 1024)} MB)"))
                continue
            if _other_assignment(_tokens(rel), assignment_id, others):
                report.skipped.append((rel, "có vẻ là bài của bài tập khác"))
                continue
            sid, why = matcher.match(rel)
            if not sid:
                report.unmatched.append((rel, why))
                continue
            mtime = st.st_mtime
            if sid in chosen:
                older = min(chosen[sid], (mtime, path, rel))
                keep = max(chosen[sid], (mtime, path, rel))
                report.skipped.append((older[2], f"{sid} có bản nộp mới hơn: {keep[2]}"))
                chosen[sid] = keep
            else:
                chosen[sid] = (mtime, path, rel)
        for sid, (mtime, path, rel) in sorted(chosen.items()):
            try:
                data = _read_capped(path)
            except Refused as why:
                report.skipped.append((rel, str(why)))
                continue
            dest_dir = course.submitted_dir(assignment_id, sid)
            dest = dest_dir / f"{assignment_id}.ipynb"
            if dest.is_file() and not dest.is_symlink() and dest.read_bytes() == data:
                report.unchanged[sid] = rel
                continue
            dest_dir.mkdir(parents=True, exist_ok=True)
            tmp_dest = dest_dir / f".{assignment_id}.ipynb.moi"
            tmp_dest.unlink(missing_ok=True)
            tmp_dest.write_bytes(data)
            tmp_dest.replace(dest)
            stamp = datetime.fromtimestamp(mtime, tz=UTC).strftime("%Y-%m-%d %H:%M:%S.%f %Z")
            (dest_dir / "timestamp.txt").write_text(stamp)
            report.placed[sid] = rel
    refusals = [Refusal("", source.name, rel, why) for rel, why in report.skipped
                if why.startswith(("là ", "quá lớn", "vượt giới hạn"))]
    save_refusals(course.root, assignment_id, refusals)
    return report
