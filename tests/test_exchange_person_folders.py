"""SafeCollect on the hub's layout: one inbound folder per person, ``inbound/<id>/<id>+...``.

hub/exchange.py gives each person of the roster a folder only they can write; collect still
treats each one as attacker input: the folder must be a real folder owned by the person it
is named for, and a submission in it must carry that person's id and be theirs. Real OS
users (hub/testing.py's HubUsers), nbgrader's own release and submit, the autograder's
collect. Needs root; skipped with the reason otherwise.
"""

from __future__ import annotations

import os
import pwd
import shutil

import pytest
from test_autograder_exchange import ASSIGNMENT, _released_course, _submit

if os.geteuid() != 0:
    pytest.skip("makes OS users and files owned by them: run as root", allow_module_level=True)


def _give(path, name: str) -> None:
    entry = pwd.getpwnam(name)
    for item in [path, *path.rglob("*")]:
        os.chown(item, entry.pw_uid, entry.pw_gid, follow_symlinks=False)


def _into_folder(inbound, entry, folder: str, owner: str):
    """Move a submission nbgrader made in inbound/ into inbound/<folder>/, owned by owner."""
    person = inbound / folder
    person.mkdir(exist_ok=True)
    moved = person / entry.name
    os.rename(entry, moved)
    _give(moved, owner)
    return moved


def test_collect_reads_person_folders_and_refuses_what_is_not_theirs(tmp_path, capsys,
                                                                    monkeypatch):
    from autograder.cli import main
    from hub.testing import HubUsers

    with HubUsers(["ca", "cb"]) as users:
        ca, cb = users.participants
        course, inbound = _released_course(tmp_path, monkeypatch)
        # ca's own work in ca's folder: collected.
        real = _into_folder(inbound, _submit(tmp_path, ca, "Bài thật của ca."), ca, ca)
        _give(inbound / ca, ca)
        # cb's folder (owned by cb) holds a newer submission of ca's, made by ca (cb opened
        # it): not cb's id, not in ca's folder -> refused, and ca's real one is collected.
        later = real.name.rsplit("+", 2)[0] + "+2099-01-01 00:00:00.000000 UTC+lac-cho"
        shutil.copytree(real, inbound / "tmp-lac-cho")
        stray = _into_folder(inbound, inbound / "tmp-lac-cho", cb, ca)
        stray = stray.rename(stray.with_name(later))
        (inbound / cb).chmod(0o777)
        os.chown(inbound / cb, pwd.getpwnam(cb).pw_uid, -1)
        # A folder named for 'nobody' but made by cb: nothing in it is taken.
        planted = _into_folder(inbound, _submit(tmp_path, "nobody", "Bài giả của nobody."),
                               "nobody", "nobody")
        os.chown(inbound / "nobody", pwd.getpwnam(cb).pw_uid, -1)
        # A link posing as a person's folder.
        (inbound / "daemon").symlink_to(inbound / ca, target_is_directory=True)
        capsys.readouterr()
        try:
            assert main(["--course", str(course), "collect", ASSIGNMENT]) == 0
            out = capsys.readouterr().out
            assert sorted(p.name for p in (course / "submitted").iterdir()) == [ca], out
            got = course / "submitted" / ca / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
            assert "Bài thật của ca." in got.read_text(encoding="utf-8")
            assert (f"{cb}/{stray.name}: mang mã {ca} nhưng nằm trong thư mục nộp bài của "
                    f"{cb}") in out, out
            assert (f"[nobody] nobody: thư mục nộp bài mang mã nobody nhưng do tài khoản {cb} "
                    "tạo") in out, out
            assert planted.name not in out  # refused as a whole, its contents never read
            assert "[daemon] daemon: là liên kết tượng trưng" in out, out
        finally:
            shutil.rmtree(tmp_path / "exchange", ignore_errors=True)
