"""A collect that treats every inbound submission as attacker input (nbgrader plug-in class).

nbgrader's own ``ExchangeCollect`` copies an inbound folder with ``shutil.copytree`` as the
instructor: a participant who puts a symlink to the instructor's ``source/`` notebook, the
gradebook or ``~/.bash_history`` into their submission gets the target copied into
``submitted/`` (and, through feedback, back to them); a folder named with someone else's id
is collected as that person's work, with only a warning nobody sees. ``SafeCollect`` is the
same collect (same selection of the newest submission, same ``--update`` and
``--before-duedate`` rules) with these differences:

* each inbound entry is examined with ``lstat`` and must be a real folder whose OS owner is
  the participant its name claims (the hub's OS user name is the roster id, lower case) or
  the collecting user itself (a single-user machine); anything else is refused. Both
  nbgrader's layout (``inbound/<id>+<bài>+...``) and the hub's (``inbound/<id>/<id>+<bài>+...``,
  a folder per person, hub/exchange.py) are read; in the latter the person's folder, too, must
  be owned by that person, and a submission in it must carry that person's id;
* files are opened relative to an already opened folder with ``O_NOFOLLOW`` and checked
  with ``fstat`` on the open descriptor, so nothing is ever followed, even if the
  participant swaps a file for a link while collect runs; only regular files owned by the
  submitter are copied, never a link, device, FIFO or socket;
* a size cap per file and per submission, and a cap on the number of files and the depth;
* every refusal is logged in Vietnamese and kept in ``.autograder/tu-choi-thu-bai/<id>.json``
  in the course folder, where ``python -m autograder collect`` prints it and the class report
  lists it. The rest of the class is collected as usual.

``autograder.nbconfig`` makes this the collect class for the autograder; the hub's
instructor config (hub/participant/instructor/nbgrader_config.py) sets it for nbgrader and
Formgrader too (``c.ExchangeFactory.collect``).
"""

from __future__ import annotations

import errno
import fnmatch
import json
import os
import pwd
import shutil
import stat
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.utils import parse_utc
from traitlets import Integer

from autograder.coursectx import STATE_DIR

MB = 1024 * 1024
REFUSALS_DIR = "tu-choi-thu-bai"
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# O_NONBLOCK: a FIFO swapped in after the lstat must not hang the collect.
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC


@dataclass
class Limits:
    max_file_bytes: int = 20 * MB
    max_submission_bytes: int = 50 * MB
    max_files: int = 500
    max_depth: int = 8


@dataclass
class Refusal:
    student: str   # the id the submission claims (or the file's owner, if no id)
    item: str      # inbound folder / file in the zip or folder
    path: str      # file inside the submission ('' = the whole submission)
    reason: str    # Vietnamese, for the instructor
    seen: str = ""  # UTC time of the latest collect that found it (ISO, sortable)


@dataclass
class CopyResult:
    files: int = 0
    folders: int = 0
    bytes: int = 0
    refused: list[tuple[str, str]] = field(default_factory=list)  # (relative path, reason)


class Refused(Exception):
    """A file or folder that must not be copied; ``str(exc)`` is the Vietnamese reason."""


def kind(mode: int) -> str:
    """What a non-regular file is, in Vietnamese."""
    if stat.S_ISLNK(mode):
        return "liên kết tượng trưng (symlink)"
    if stat.S_ISFIFO(mode):
        return "ống dẫn FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "tệp thiết bị"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISDIR(mode):
        return "thư mục"
    return "tệp đặc biệt"


def _owner_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def _size(n: int) -> str:
    return f"{n / MB:.1f} MB" if n >= MB else f"{n} byte"


def open_regular(name: str | os.PathLike, dir_fd: int | None = None,
                 owner_uid: int | None = None, max_bytes: int | None = None) -> int:
    """Open a regular file without following any link; returns the descriptor.

    Raises ``Refused`` (reason in Vietnamese) for a link, device, FIFO, socket, a file of
    another owner or one larger than ``max_bytes``; the checks use ``fstat`` on the opened
    descriptor, so a swap after an earlier look changes nothing.
    """
    try:
        fd = os.open(name, _FILE_FLAGS, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise Refused(f"là {kind(stat.S_IFLNK)}: không chép theo liên kết") from None
        if exc.errno in (errno.ENXIO, errno.EOPNOTSUPP):
            raise Refused(f"là {kind(stat.S_IFSOCK)}") from None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise Refused(f"là {kind(st.st_mode)}, không phải tệp thường")
        if owner_uid is not None and st.st_uid != owner_uid:
            raise Refused(f"thuộc tài khoản {_owner_name(st.st_uid)}, không phải của người "
                          "nộp (có thể là liên kết cứng tới tệp của người khác)")
        if max_bytes is not None and st.st_size > max_bytes:
            raise Refused(f"quá lớn ({_size(st.st_size)}; tối đa {_size(max_bytes)} mỗi tệp)")
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def copy_fd(src_fd: int, dest: Path, max_bytes: int, mode: int = 0o644) -> int:
    """Copy an open file to a new file ``dest`` (never through a link); at most ``max_bytes``
    (a file growing while read is refused, not cut)."""
    out = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                  mode)
    copied = 0
    try:
        while chunk := os.read(src_fd, 1024 * 1024):
            copied += len(chunk)
            if copied > max_bytes:
                raise Refused(f"quá lớn (hơn {_size(max_bytes)})")
            os.write(out, chunk)
    except BaseException:
        os.close(out)
        os.unlink(dest)
        raise
    os.close(out)
    return copied


def copy_tree_fd(src_fd: int, dest: Path, owner_uid: int | None, limits: Limits,
                 ignore: Callable[[str], bool] = lambda name: False) -> CopyResult:
    """Copy the regular files of an opened folder into ``dest`` (created), refusing the rest.

    Notebooks are copied first in each folder, so a size cap hit by an extra file never costs
    the participant their work.
    """
    result = CopyResult()

    def walk(dfd: int, target: Path, rel: str, depth: int) -> None:
        target.mkdir(mode=0o755, exist_ok=True)
        names = sorted(os.listdir(dfd), key=lambda n: (not n.endswith(".ipynb"), n))
        for name in names:
            relname = f"{rel}{name}"
            if ignore(name):
                continue
            try:
                st = os.stat(name, dir_fd=dfd, follow_symlinks=False)
            except FileNotFoundError:
                continue  # removed meanwhile
            except OSError as exc:
                result.refused.append((relname, f"không đọc được ({exc.strerror})"))
                continue
            if stat.S_ISDIR(st.st_mode):
                if result.files + result.folders >= limits.max_files:
                    result.refused.append((relname + "/", f"quá {limits.max_files} tệp và thư "
                                                          "mục trong một bài nộp"))
                    continue
                result.folders += 1
                if depth >= limits.max_depth:
                    result.refused.append((relname + "/", f"thư mục lồng quá sâu (tối đa "
                                                          f"{limits.max_depth} cấp)"))
                    continue
                try:
                    sub = os.open(name, _DIR_FLAGS, dir_fd=dfd)
                except OSError as exc:
                    why = (f"là {kind(stat.S_IFLNK)}" if exc.errno in (errno.ELOOP, errno.ENOTDIR)
                           else f"không mở được ({exc.strerror})")
                    result.refused.append((relname + "/", why))
                    continue
                try:
                    sst = os.fstat(sub)
                    if owner_uid is not None and sst.st_uid != owner_uid:
                        result.refused.append((relname + "/", f"thư mục của tài khoản "
                                               f"{_owner_name(sst.st_uid)}, không phải của "
                                               "người nộp"))
                        continue
                    walk(sub, target / name, relname + "/", depth + 1)
                finally:
                    os.close(sub)
                continue
            if not stat.S_ISREG(st.st_mode):
                result.refused.append((relname, f"là {kind(st.st_mode)}, không phải tệp thường"))
                continue
            if result.files + result.folders >= limits.max_files:
                result.refused.append((relname, f"quá {limits.max_files} tệp trong một bài nộp"))
                continue
            room = limits.max_submission_bytes - result.bytes
            if st.st_size > limits.max_file_bytes:
                result.refused.append((relname, f"quá lớn ({_size(st.st_size)}; tối đa "
                                                f"{_size(limits.max_file_bytes)} mỗi tệp)"))
                continue
            if st.st_size > room:
                result.refused.append((relname, f"vượt giới hạn "
                                                f"{_size(limits.max_submission_bytes)} cho cả "
                                                "bài nộp"))
                continue
            try:
                fd = open_regular(name, dfd, owner_uid, min(limits.max_file_bytes, room))
            except Refused as why:
                result.refused.append((relname, str(why)))
                continue
            except FileNotFoundError:
                continue
            except OSError as exc:  # one unreadable file never stops the class's collect
                result.refused.append((relname, f"không đọc được ({exc.strerror})"))
                continue
            try:
                result.bytes += copy_fd(fd, target / name, min(limits.max_file_bytes, room))
                result.files += 1
            except Refused as why:
                result.refused.append((relname, str(why)))
            except OSError as exc:
                result.refused.append((relname, f"không chép được ({exc.strerror})"))
            finally:
                os.close(fd)

    walk(src_fd, Path(dest), "", 0)
    return result


def refusals_path(course_root: str | Path, assignment_id: str) -> Path:
    return Path(course_root) / STATE_DIR / REFUSALS_DIR / f"{assignment_id}.json"


def load_refusals(course_root: str | Path, assignment_id: str) -> list[Refusal]:
    path = refusals_path(course_root, assignment_id)
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    keys = ("student", "item", "path", "reason", "seen")
    return [Refusal(**{k: str(r.get(k, "")) for k in keys}) for r in rows if isinstance(r, dict)]


def save_refusals(course_root: str | Path, assignment_id: str, new: list[Refusal]) -> None:
    """Add refusals to the assignment's record (kept across collects: each is an attempt);
    one found again gets the time of this collect."""
    if not new:
        return
    now = utcnow()
    rows = {(r.student, r.item, r.path): r for r in load_refusals(course_root, assignment_id)}
    for r in new:
        rows[(r.student, r.item, r.path)] = Refusal(r.student, r.item, r.path, r.reason, now)
    rows = list(rows.values())
    path = refusals_path(course_root, assignment_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps([asdict(r) for r in rows], ensure_ascii=False, indent=1),
                   encoding="utf-8")
    tmp.replace(path)


def utcnow() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def describe(r: Refusal) -> str:
    """One line for the collect output."""
    where = f"{r.item}/{r.path}" if r.path else r.item
    return f"Từ chối [{r.student}] {where}: {r.reason}"


def _open_dir_path(top: str, rel: str) -> int:
    """Open ``top/rel`` as a folder, following no link at any step of ``rel``."""
    fd = os.open(top, _DIR_FLAGS)
    try:
        for part in rel.split("/"):
            sub = os.open(part, _DIR_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = sub
    except BaseException:
        os.close(fd)
        raise
    return fd


# How much earlier than the folder's own change time a submission may say it was made (the
# copy of a large submission takes seconds; clocks of one hub agree).
BACKDATE_SLACK = timedelta(minutes=10)


class SafeCollect(ExchangeCollect):
    """nbgrader's collect, copying only regular files of the participant who submitted."""

    max_file_mb = Integer(20, help="Largest file copied from a submission (MB).").tag(
        config=True)
    max_submission_mb = Integer(50, help="Most bytes copied from one submission (MB).").tag(
        config=True)
    max_files = Integer(500, help="Most files copied from one submission.").tag(config=True)

    @property
    def limits(self) -> Limits:
        return Limits(self.max_file_mb * MB, self.max_submission_mb * MB, self.max_files)

    def ensure_root(self):
        # The hub's exchange root is root's and only instructors may write in it; reading
        # inbound is all collect needs (nbgrader's own check wants it writable by all).
        if not os.path.isdir(self.root):
            self.fail(f"Không thấy thư mục trao đổi: {self.root}")

    def _refuse(self, student: str, item: str, path: str, reason: str) -> None:
        self.refusals.append(Refusal(student, item, path, reason))
        self.log.warning(describe(self.refusals[-1]))

    def _accepts_owner(self, claimed: str, uid: int) -> bool:
        if uid == os.getuid():
            return True  # the collecting user's own test submission (single-user machine)
        return _owner_name(uid).lower() == claimed.lower()

    def _check_time(self, student_id: str, rec: dict, dest: Path, ctime: float) -> None:
        """The time a submission claims (its name and timestamp.txt, both written by the
        participant) cannot be earlier than when its folder last changed (the kernel's
        ctime, which no user can set): a back-dated submission gets the real time."""
        real = datetime.fromtimestamp(ctime, UTC).replace(tzinfo=None)
        stamp_file = dest / "timestamp.txt"
        claimed = [rec["timestamp"]]
        try:
            claimed.append(parse_utc(stamp_file.read_text(encoding="utf-8").strip()))
        except (OSError, ValueError, OverflowError):
            claimed.append(None)
        earliest = min(t for t in claimed if t is not None)
        if claimed[1] is not None and earliest >= real - BACKDATE_SLACK:
            return
        stamp_file.unlink(missing_ok=True)
        stamp_file.write_text(real.strftime("%Y-%m-%d %H:%M:%S.%f UTC"), encoding="utf-8")
        if claimed[1] is None:
            why = f"không có giờ nộp hợp lệ trong bài: dùng giờ thật {real:%d/%m/%Y %H:%M} UTC"
        else:
            why = (f"giờ nộp ghi trong bài ({earliest:%d/%m/%Y %H:%M} UTC) sớm hơn lúc thư mục "
                   f"bài nộp được tạo ({real:%d/%m/%Y %H:%M} UTC): dùng giờ thật")
        self._refuse(student_id, rec["filename"], "timestamp.txt", why)

    def _scan_person(self, pattern: str, folder: str) -> list[dict]:
        """The submissions in a person's own inbound folder (the hub makes one for each
        person of the roster, owned by them, hub/exchange.py)."""
        try:
            st = os.lstat(os.path.join(self.inbound_path, folder))
        except FileNotFoundError:
            return []
        if not stat.S_ISDIR(st.st_mode):
            self._refuse(folder, folder, "", f"là {kind(st.st_mode)}, không phải thư mục nộp "
                         "bài")
            return []
        if not self._accepts_owner(folder, st.st_uid):
            self._refuse(folder, folder, "", f"thư mục nộp bài mang mã {folder} nhưng do tài "
                         f"khoản {_owner_name(st.st_uid)} tạo: không thu bài nào trong đó")
            return []
        try:
            names = sorted(os.listdir(os.path.join(self.inbound_path, folder)))
        except OSError as exc:
            self._refuse(folder, folder, "", f"không đọc được thư mục nộp bài ({exc.strerror})")
            return []
        return [rec for name in names for rec in self._scan(pattern, name, folder)]

    def _scan(self, pattern: str, name: str, folder: str = "") -> list[dict]:
        """One submission folder ``name`` (in inbound/ or in the person's ``folder``):
        [its record], or [] when it is refused or does not match ``pattern``."""
        if not fnmatch.fnmatchcase(name, pattern):
            return []
        item = f"{folder}/{name}" if folder else name
        parts = name.rsplit("+", 3)
        claimed = parts[0]
        try:
            timestamp = parse_utc(parts[2])
        except Exception:  # nbgrader would stop the whole class's collect here
            self._refuse(claimed, item, "", "tên thư mục nộp bài không đúng dạng "
                         "<mã>+<bài>+<thời điểm>+<chuỗi ngẫu nhiên>")
            return []
        try:
            st = os.lstat(os.path.join(self.inbound_path, item))
        except FileNotFoundError:
            return []
        if not stat.S_ISDIR(st.st_mode):
            self._refuse(claimed, item, "", f"là {kind(st.st_mode)}, không phải thư mục "
                         "bài nộp")
            return []
        if not self._accepts_owner(claimed, st.st_uid):
            self._refuse(claimed, item, "", f"mang mã {claimed} nhưng do tài khoản "
                         f"{_owner_name(st.st_uid)} tạo: không nhận (nộp thay người khác)")
            return []
        if folder and claimed.lower() != folder.lower():
            self._refuse(claimed, item, "", f"mang mã {claimed} nhưng nằm trong thư mục nộp "
                         f"bài của {folder}: không nhận (nộp thay người khác)")
            return []
        return [{"username": claimed, "filename": item, "timestamp": timestamp,
                 "uid": st.st_uid, "ino": (st.st_dev, st.st_ino)}]

    def init_src(self):
        self.refusals: list[Refusal] = []
        if self.coursedir.course_id == "":
            self.fail("Chưa có mã khóa học: hãy đặt c.CourseDirectory.course_id trong "
                      "nbgrader_config.py của khóa học (với lệnh nbgrader: thêm --course "
                      "<mã khóa học>).")
        self.course_path = os.path.join(self.root, self.coursedir.course_id)
        self.inbound_path = os.path.join(self.course_path, "inbound")
        try:
            st = os.lstat(self.inbound_path)
        except FileNotFoundError:
            self.fail(f"Không thấy khóa học {self.coursedir.course_id} trong thư mục trao "
                      f"đổi (thiếu {self.inbound_path}): hãy kiểm tra mã khóa học và phát bài "
                      "trước.")
        if not stat.S_ISDIR(st.st_mode):
            self.fail(f"Thư mục inbound là {kind(st.st_mode)}, không thu bài: "
                      f"{self.inbound_path}")
        student_id = self.coursedir.student_id or "*"
        pattern = f"{student_id}+{self.coursedir.assignment_id}+*"
        records = []
        for name in sorted(os.listdir(self.inbound_path)):
            if "+" in name:  # nbgrader's own layout: inbound/<id>+<bài>+<thời điểm>+<...>
                records += self._scan(pattern, name)
            elif fnmatch.fnmatchcase(name, student_id):  # the hub's: inbound/<id>/<id>+...
                records += self._scan_person(pattern, name)
        usergroups = defaultdict(list)
        for rec in records:
            usergroups[rec["username"]].append(rec)
        from nbgrader.api import Gradebook, MissingEntry

        with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb:
            try:
                self.duedate = gb.find_assignment(self.coursedir.assignment_id).duedate
            except MissingEntry:
                self.duedate = None
        self.src_records = []
        for recs in usergroups.values():
            recs = self._sort_by_timestamp(recs)
            if self.duedate is not None and self.before_duedate:
                before = [r for r in recs if r["timestamp"] <= self.duedate]
                recs = before or recs
            self.src_records.append(recs[0])

    def copy_files(self):
        try:
            self._copy_all()
        finally:
            save_refusals(self.coursedir.root, self.coursedir.assignment_id, self.refusals)

    def _copy_all(self):
        if not self.src_records:
            self.log.warning("No submissions of '%s' for course '%s' to collect",
                             self.coursedir.assignment_id, self.coursedir.course_id)
        else:
            self.log.info("Processing %d submissions of '%s' for course '%s'",
                          len(self.src_records), self.coursedir.assignment_id,
                          self.coursedir.course_id)
        ignore = self.coursedir.ignore
        for rec in self.src_records:
            student_id = rec["username"]
            dest_path = self.coursedir.format_path(self.coursedir.submitted_directory,
                                                   student_id, self.coursedir.assignment_id)
            os.makedirs(os.path.dirname(dest_path), exist_ok=True)
            updating = False
            if os.path.isdir(dest_path):
                existing = self.coursedir.get_existing_timestamp(dest_path)
                new = rec["timestamp"]
                if (self.update and (existing is None or new > existing)) or (
                        self.before_duedate and existing != new):
                    updating = True
                else:
                    self.log.info("No newer submission to collect: %s %s", student_id,
                                  self.coursedir.assignment_id)
                    continue
            try:
                fd = _open_dir_path(self.inbound_path, rec["filename"])
            except OSError as exc:
                self._refuse(student_id, rec["filename"], "", f"không mở được thư mục bài "
                             f"nộp ({exc.strerror})")
                continue
            try:
                st = os.fstat(fd)
                if (st.st_dev, st.st_ino) != rec["ino"] or st.st_uid != rec["uid"]:
                    self._refuse(student_id, rec["filename"], "", "thư mục bài nộp bị thay "
                                 "trong lúc thu")
                    continue
                if updating:
                    self.log.info("Updating submission: %s %s", student_id,
                                  self.coursedir.assignment_id)
                    shutil.rmtree(dest_path)
                else:
                    self.log.info("Collecting submission: %s %s", student_id,
                                  self.coursedir.assignment_id)
                try:
                    result = copy_tree_fd(
                        fd, Path(dest_path), rec["uid"], self.limits,
                        ignore=lambda n: any(fnmatch.fnmatch(n, g) for g in ignore))
                except OSError as exc:  # this submission only; the class goes on
                    self._refuse(student_id, rec["filename"], "", f"không chép được bài nộp "
                                 f"({exc.strerror or exc})")
                    continue
            finally:
                os.close(fd)
            for rel, why in result.refused:
                self._refuse(student_id, rec["filename"], rel, why)
            self._check_time(student_id, rec, Path(dest_path), st.st_ctime)
            self.log.info("Collected %d files (%s) of %s", result.files, _size(result.bytes),
                          student_id)
