"""The hub's nbgrader exchange folder, hardened: nobody but the instructors can change a course.

nbgrader documents its exchange as one folder everyone may write (mode 777): on a hub with a
terminal for every participant, that let a participant rename the course folder away and
plant their own (a trojan "assignment" for the class, and the class's submissions in their
hands), or hand in a blank notebook in a classmate's name. Here (run as root at every hub
start, hub/jupyterhub_config.py and hub/run.py):

    <root>/                    root:giang-vien 1775  only instructors create a course; sticky:
                                                     nobody renames what is not theirs
    <root>/<course>/           root:giang-vien 2775  a participant can neither rename nor
      outbound/                root:giang-vien 2775  replace it, nor write what is released
      feedback/                root:giang-vien 2771  feedback: named by a secret hash only the
                                                     submitter knows; not listable
      inbound/                 root:giang-vien 0751  nobody but root creates anything here
        <id>/                  <id>:giang-vien 2770  one per person of the roster, made by root:
                                                     only that person (and the instructors)
                                                     can hand in there

So a participant hands in only into their own folder (hub/participant/jupyter/
course_hub_exchange.py, ``HubSubmit``) and cannot even create a submission folder in anyone
else's name. ``autograder.exchange.SafeCollect`` still checks every submission: the owner
must be the person whose folder it is and whose id it carries; a link, a device or a FIFO is
refused, with the reason in Vietnamese. A course folder (or outbound/feedback, or a person's
inbound folder) found with anything a participant made in it, from before this set-up, is
moved aside (root only, ``*.bi-cach-ly-<time>``) and made afresh, never trusted.
"""

from __future__ import annotations

import grp
import logging
import os
import pwd
import stat
import time
from pathlib import Path

from hub.users import COURSE_ID, INSTRUCTORS_GROUP, OS_NAME, _ensure_group

log = logging.getLogger(__name__)
ROOT_MODE = 0o1775
COURSE_MODE = 0o2775
OUTBOUND_MODE = 0o2775
FEEDBACK_MODE = 0o2771
INBOUND_MODE = 0o0751
PERSON_INBOUND_MODE = 0o2770


def _trusted_uids(gid: int) -> set[int]:
    """root and the instructors (members of the instructors' group)."""
    uids = {0}
    for name in grp.getgrgid(gid).gr_mem:
        try:
            uids.add(pwd.getpwnam(name).pw_uid)
        except KeyError:
            pass
    uids |= {p.pw_uid for p in pwd.getpwall() if p.pw_gid == gid}
    return uids


def _planted(path: Path, trusted: set[int]) -> str:
    """Why ``path`` cannot be trusted ('' if it can): a link, or anything inside made by
    someone who is neither root nor an instructor."""
    st = os.lstat(path)
    if not stat.S_ISDIR(st.st_mode):
        return "không phải thư mục thật"
    if st.st_uid not in trusted:
        return f"do tài khoản {st.st_uid} tạo"
    for root, dirs, files in os.walk(path, followlinks=False):
        for name in dirs + files:
            item = os.lstat(os.path.join(root, name))
            if stat.S_ISLNK(item.st_mode):
                return f"có liên kết tượng trưng {os.path.join(root, name)}"
            if item.st_uid not in trusted:
                return f"có {os.path.join(root, name)} do tài khoản {item.st_uid} tạo"
    return ""


def _quarantine(path: Path, why: str, notes: list[str]) -> None:
    aside = path.with_name(f"{path.name}.bi-cach-ly-{time.strftime('%Y%m%d-%H%M%S')}")
    os.rename(path, aside)
    os.lchown(aside, 0, 0)
    if stat.S_ISDIR(os.lstat(aside).st_mode):
        os.chmod(aside, 0o700)
    notes.append(f"Đã cách ly {path} ({why}) sang {aside}; tạo lại thư mục sạch.")


def _folder(path: Path, gid: int, mode: int) -> None:
    if not os.path.lexists(path):
        os.mkdir(path, 0o700)
    os.chown(path, 0, gid, follow_symlinks=False)
    os.chmod(path, mode)  # after chown: chown clears set-gid


def roster_from_environment() -> list[str]:
    """Everyone on the roster the hub starts with (COURSE_HUB_ROSTER and
    COURSE_HUB_INSTRUCTORS, as hub/run.py and hub/jupyterhub_config.py read them); [] when
    no roster is set."""
    path = os.environ.get("COURSE_HUB_ROSTER", "")
    if not path:
        return []
    from hub.users import load_roster

    instructors = [n for n in os.environ.get("COURSE_HUB_INSTRUCTORS", "").split(",") if n]
    return load_roster(Path(path), instructors).everyone


def prepare(root: Path | str, course_id: str = COURSE_ID,
            people: list[str] | None = None) -> list[str]:
    """Make (or repair) the exchange for ``course_id``, with an inbound folder for each of
    ``people`` (default: the hub's roster, ``roster_from_environment``); returns what was
    repaired, in Vietnamese (also logged). Needs root."""
    root = Path(root)
    if people is None:
        people = roster_from_environment()
    notes: list[str] = []
    _ensure_group(INSTRUCTORS_GROUP)
    gid = grp.getgrnam(INSTRUCTORS_GROUP).gr_gid
    trusted = _trusted_uids(gid)
    root.parent.mkdir(parents=True, exist_ok=True)
    if os.path.islink(root) or (os.path.lexists(root) and not root.is_dir()):
        raise RuntimeError(f"Thư mục trao đổi {root} là liên kết hoặc không phải thư mục: "
                           "hãy xóa nó rồi chạy lại.")
    _folder(root, gid, ROOT_MODE)
    course = root / course_id
    if os.path.lexists(course) and (why := _planted_top(course, trusted)):
        _quarantine(course, why, notes)
    _folder(course, gid, COURSE_MODE)
    for name, mode in (("outbound", OUTBOUND_MODE), ("feedback", FEEDBACK_MODE)):
        path = course / name
        if os.path.lexists(path) and (why := _planted(path, trusted)):
            _quarantine(path, why, notes)
        _folder(path, gid, mode)
    inbound = course / "inbound"
    if os.path.lexists(inbound) and not (inbound.is_dir() and not inbound.is_symlink()):
        _quarantine(inbound, "không phải thư mục thật", notes)
    _folder(inbound, gid, INBOUND_MODE)
    for name in people:
        ensure_inbound(inbound, name, gid, notes)
    for note in notes:
        log.warning(note)
    return notes


def ensure_inbound(inbound: Path, name: str, gid: int | None = None,
                   notes: list[str] | None = None) -> Path | None:
    """``inbound/<name>/``: owned by the OS user ``name``, group of the instructors, closed to
    everyone else. One that is a link, or owned by anyone else (made by a participant under
    the old writable inbound, or left by a removed account whose uid was given to someone
    else), is moved aside, never used. Returns the folder (None: no such OS user)."""
    if not OS_NAME.match(name):  # never a path: "../x", "a/b" or a "+" of a submission's name
        raise ValueError(f"not a roster id: {name!r}")
    notes = [] if notes is None else notes
    if gid is None:
        gid = grp.getgrnam(INSTRUCTORS_GROUP).gr_gid
    try:
        uid = pwd.getpwnam(name).pw_uid
    except KeyError:
        notes.append(f"Không có tài khoản máy '{name}': chưa tạo thư mục nộp bài cho mã này.")
        return None
    path = inbound / name
    if os.path.lexists(path):
        st = os.lstat(path)
        why = ("không phải thư mục thật" if not stat.S_ISDIR(st.st_mode) else
               f"do tài khoản {st.st_uid} tạo, không phải {name}" if st.st_uid != uid else "")
        if why:
            # Beside inbound/, not in it: collect never takes it for a submission folder.
            aside = inbound.parent / (f"inbound-{name}.bi-cach-ly-"
                                      f"{time.strftime('%Y%m%d-%H%M%S')}")
            os.rename(path, aside)
            os.lchown(aside, 0, 0)
            if stat.S_ISDIR(os.lstat(aside).st_mode):
                os.chmod(aside, 0o700)
            notes.append(f"Đã cách ly {path} ({why}) sang {aside}; tạo lại thư mục sạch.")
    if not os.path.lexists(path):
        os.mkdir(path, 0o700)
    os.chown(path, uid, gid, follow_symlinks=False)
    os.chmod(path, PERSON_INBOUND_MODE)  # after chown: chown clears set-gid
    return path


def _planted_top(course: Path, trusted: set[int]) -> str:
    """The course folder itself (without descending into inbound, which participants fill)."""
    st = os.lstat(course)
    if not stat.S_ISDIR(st.st_mode):
        return "không phải thư mục thật"
    if st.st_uid not in trusted:
        return f"do tài khoản {st.st_uid} tạo"
    return ""
