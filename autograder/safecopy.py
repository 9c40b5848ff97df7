"""Copy a folder written by a submission without trusting anything in it.

Student code decides what its working folder holds: symlinks (to ``/etc/shadow``, or to
``.`` making a loop), FIFOs and devices, a 300 MB file, a million tiny files, folders nested
a thousand deep. The grader runs as root and must copy what it keeps out of that folder, so
this copy follows no link (every open is relative to an already-open folder, with
``O_NOFOLLOW``), copies only folders and regular files, and stops at a size per file, a size
per submission, a number of entries and a depth. Everything refused is returned with a
Vietnamese reason for the report; the copy itself never raises because of what it finds.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass

MB = 1024 * 1024
# What leaves the sandbox per submission (the sandbox itself stops any one file at
# bwrap.FILE_MB): generous for a chart or a CSV the participant produced.
FILE_CAP = 20 * MB
TOTAL_CAP = 100 * MB
MAX_ENTRIES = 2000
MAX_DEPTH = 16
_CHUNK = 1024 * 1024


@dataclass
class Limits:
    file_cap: int = FILE_CAP
    total_cap: int = TOTAL_CAP
    max_entries: int = MAX_ENTRIES
    max_depth: int = MAX_DEPTH


# What a participant handed in (a notebook with its outputs can be large) and what the
# grader's own worker hands back (already capped: this is the last gate, not the limit).
HANDED_IN = Limits(file_cap=100 * MB, total_cap=200 * MB)
HANDOFF = Limits(file_cap=200 * MB, total_cap=400 * MB, max_entries=4 * MAX_ENTRIES)


def _mb(n: int) -> str:
    return f"{n / MB:.0f} MB" if n >= MB else f"{n} byte"


class _Copy:
    def __init__(self, limits: Limits, skip: Callable[[str], bool] | None):
        self.limits, self.skip = limits, skip
        self.total = self.entries = 0
        self.full = False
        self.refused: list[dict] = []

    def refuse(self, rel: str, why: str) -> None:
        self.refused.append({"path": rel, "why": why})

    def dir(self, src_fd: int, dst: str, rel: str, depth: int) -> None:
        try:
            names = sorted(os.listdir(src_fd))
        except OSError as exc:
            self.refuse(rel or ".", f"không đọc được thư mục ({exc.strerror})")
            return
        for name in names:
            path = f"{rel}{name}"
            if self.skip and self.skip(path):
                continue
            if self.full:
                return
            self.entries += 1
            if self.entries > self.limits.max_entries:
                self.full = True  # said once; nothing more is looked at
                self.refuse(path, f"quá {self.limits.max_entries} tệp và thư mục; phần còn lại "
                                  "không được chép")
                return
            try:
                st = os.stat(name, dir_fd=src_fd, follow_symlinks=False)
            except OSError:
                continue  # vanished meanwhile
            if stat.S_ISLNK(st.st_mode):
                self.refuse(path, "liên kết tượng trưng (symlink): không chép, không đi theo")
            elif stat.S_ISDIR(st.st_mode):
                if depth >= self.limits.max_depth:
                    self.refuse(path, f"thư mục lồng quá {self.limits.max_depth} tầng")
                    continue
                try:
                    fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW,
                                 dir_fd=src_fd)
                except OSError:
                    self.refuse(path, "thư mục không mở được an toàn")
                    continue
                try:
                    target = os.path.join(dst, name)
                    os.makedirs(target, mode=0o755, exist_ok=True)
                    self.dir(fd, target, path + "/", depth + 1)
                finally:
                    os.close(fd)
            elif stat.S_ISREG(st.st_mode):
                self.file(src_fd, name, os.path.join(dst, name), path, st.st_size)
            else:
                self.refuse(path, "tệp đặc biệt (thiết bị, FIFO hoặc socket): không chép")

    def file(self, src_fd: int, name: str, target: str, rel: str, size: int) -> None:
        cap = self.limits.file_cap
        if size > cap:
            self.refuse(rel, f"tệp quá lớn ({_mb(size)}, tối đa {_mb(cap)} mỗi tệp)")
            return
        if self.total + size > self.limits.total_cap:
            self.refuse(rel, f"cả bài vượt {_mb(self.limits.total_cap)}: tệp này không chép")
            return
        try:
            fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=src_fd)
        except OSError:
            self.refuse(rel, "tệp không mở được an toàn")
            return
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):  # swapped after the stat above
                self.refuse(rel, "tệp đặc biệt (thiết bị, FIFO hoặc socket): không chép")
                return
            if os.path.lexists(target):
                os.unlink(target)
            out = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
            written = 0
            try:
                while chunk := os.read(fd, _CHUNK):
                    written += len(chunk)
                    if written > cap or self.total + written > self.limits.total_cap:
                        break  # grew while being copied
                    os.write(out, chunk)
            finally:
                os.close(out)
            if written > cap or self.total + written > self.limits.total_cap:
                os.unlink(target)
                self.refuse(rel, f"tệp quá lớn (hơn {_mb(cap)}) hoặc cả bài vượt "
                                 f"{_mb(self.limits.total_cap)}")
                return
            self.total += written
        finally:
            os.close(fd)


def copy_tree(src: str | os.PathLike, dst: str | os.PathLike, limits: Limits | None = None,
              skip: Callable[[str], bool] | None = None) -> list[dict]:
    """Copy folders and regular files of ``src`` into ``dst`` (created if missing).

    ``skip(relative_path)`` leaves an entry out silently. Returns the refused entries as
    ``[{"path": relative path, "why": Vietnamese reason}]``.
    """
    copier = _Copy(limits or Limits(), skip)
    try:
        fd = os.open(os.fspath(src), os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError as exc:
        return [{"path": ".", "why": f"thư mục không mở được an toàn ({exc.strerror})"}]
    try:
        os.makedirs(dst, mode=0o755, exist_ok=True)
        copier.dir(fd, os.fspath(dst), "", 0)
    finally:
        os.close(fd)
    return copier.refused


def describe(refused: list[dict], limit: int = 5) -> str:
    """One Vietnamese sentence for the report."""
    items = "; ".join(f"{r['path']}: {r['why']}" for r in refused[:limit])
    more = f" (và {len(refused) - limit} mục khác)" if len(refused) > limit else ""
    return f"Không chép ra khỏi hộp cách ly {len(refused)} mục do bài làm tạo: {items}{more}."
