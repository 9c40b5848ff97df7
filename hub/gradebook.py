"""`make hub`'s class list in each instructor's gradebook (issue 24, item 3).

Without it the instructor's course folder (``~/ai-kinh-doanh``) had no class list: collect
said "Chưa có danh sách lớp…" and the report counted only those who handed in. Every run of
``make hub`` imports the hub's roster again (new people added, names and e-mails updated;
nobody's grades removed).

The import runs *as the instructor* with the participants' environment and the instructor
tools (the same ``python -m autograder roster import`` they would type), never as root: the
course folder and its ``nbgrader_config.py`` belong to the instructor. The ids are the hub's
user names (lower case, as ``hub.users.load_roster`` makes them), so nbgrader's collect, which
names a submission by its OS user, matches the gradebook.
"""

from __future__ import annotations

import csv
import os
import pwd
import subprocess
from pathlib import Path

from hub.users import COURSE_ID, Roster

HUB_ROSTER = "danh-sach-lop-hub.csv"


def _rows(roster_path: Path, roster: Roster) -> list[dict]:
    from autograder.roster import read_roster

    good, _ = read_roster(Path(roster_path))
    wanted = set(roster.participants)
    rows, seen = [], set()
    for row in good:
        sid = row["id"].lower()
        if sid in wanted and sid not in seen:
            seen.add(sid)
            rows.append({**row, "id": sid})
    return rows


def sync_gradebooks(roster_path: Path, roster: Roster, env_path: Path) -> dict[str, str]:
    """Import the roster into every instructor's course folder; {instructor: message}."""
    rows = _rows(roster_path, roster)
    release = Path(env_path) / "current"
    done = {}
    for name in roster.instructors:
        entry = pwd.getpwnam(name)
        course = Path(entry.pw_dir) / COURSE_ID
        if not course.is_dir():
            done[name] = f"không có thư mục {course}"
            continue
        target = course / HUB_ROSTER
        tmp = course / f".{HUB_ROSTER}.tmp"
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=["id", "ho_ten", "email", "don_vi"])
            writer.writeheader()
            writer.writerows(rows)
        os.chown(tmp, entry.pw_uid, entry.pw_gid)
        os.replace(tmp, target)
        env = {"HOME": entry.pw_dir, "USER": name, "LOGNAME": name, "LANG": "C.UTF-8",
               "PATH": f"{Path(env_path) / 'bin'}:/usr/local/bin:/usr/bin:/bin",
               "PYTHONPATH": f"{release / 'instructor'}:{release / 'lib'}",
               "JUPYTER_CONFIG_PATH": f"{release / 'hub-files' / 'instructor'}:"
                                      f"{release / 'hub-files' / 'jupyter'}"}
        res = subprocess.run(
            [str(Path(env_path) / "bin" / "python"), "-m", "autograder", "--course",
             str(course), "roster", "import", str(target)],
            cwd=course, env=env, user=entry.pw_uid, group=entry.pw_gid,
            extra_groups=os.getgrouplist(name, entry.pw_gid), capture_output=True, text=True,
            timeout=600)
        done[name] = (res.stdout.strip() or res.stderr.strip()[-500:]) if res.returncode == 0 \
            else f"lỗi: {(res.stdout + res.stderr).strip()[-800:]}"
    return done
