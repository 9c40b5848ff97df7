"""The hub's exchange against a participant with a terminal (issue 22, items 1-2).

Real hub, real OS users: one instructor and three participants, of whom hv2 attacks. hv2
tries to take the exchange over (rename or replace the course folder, plant an assignment,
write into what was released), tries to hand in in hv3's name (a submission folder named
for hv3 in inbound/, or anything in hv3's own inbound folder: the file system refuses
both), puts symlinks to the instructor's source notebook, gradebook and shell history (and
a FIFO) into its own submission, and puts a blank notebook named for hv3 into its own
inbound folder. Each is refused and reported to the instructor in Vietnamese, and the class
is still collected and graded correctly. Needs root; skipped with the reason otherwise.
"""

from __future__ import annotations

import json
import os
import pwd
import stat
from pathlib import Path

import pytest

from hub.testing import HubClient, skip_module_unless_hub_can_run

skip_module_unless_hub_can_run("the hub exchange test")

pytest.register_assert_rewrite("hub_fixtures")  # its checks report like a test's
from hub_fixtures import ASSIGNMENT, COURSE_ID, TOOL, fetch_and_answer  # noqa: E402

pytest_plugins = ["hub_fixtures"]  # shared_class: one class on one hub, with tests/test_hub.py

HISTORY_SECRET = "export OPENAI_API_KEY=sk-lich-su-cua-giang-vien-khong-duoc-lo"


# The class of this file is hv1, hv2 (who attacks) and hv3; hv4 is tests/test_hub.py's.
@pytest.fixture(scope="module")
def users(shared_class):
    return shared_class.users


@pytest.fixture(scope="module")
def hub(shared_class):
    return shared_class.hub


@pytest.fixture(scope="module")
def clients(shared_class) -> dict[str, HubClient]:
    return shared_class.clients


@pytest.fixture(scope="module")
def released(shared_class, users):
    course = shared_class.release()
    # Something worth stealing in the instructor's home.
    history = users.home(users.instructors[0]) / ".bash_history"
    history.write_text(HISTORY_SECRET + "\n", encoding="utf-8")
    owner = pwd.getpwnam(users.instructors[0])
    os.chown(history, owner.pw_uid, owner.pw_gid)
    history.chmod(0o600)
    return course


def test_exchange_is_roots_and_instructors_only(released, hub, users):
    import grp

    root, course = hub.exchange, released
    for path, mode in ((root, 0o1775), (course, 0o2775), (course / "outbound", 0o2775),
                       (course / "feedback", 0o2771), (course / "inbound", 0o751)):
        st = path.lstat()
        assert stat.S_ISDIR(st.st_mode) and st.st_uid == 0, path
        assert stat.S_IMODE(st.st_mode) == mode, (path, oct(st.st_mode))
    # One inbound folder per person of the roster, theirs, closed to everyone else.
    people = users.participants + users.instructors
    assert sorted(p.name for p in (course / "inbound").iterdir()) == sorted(people)
    for name in people:
        st = (course / "inbound" / name).lstat()
        assert stat.S_ISDIR(st.st_mode) and st.st_uid == pwd.getpwnam(name).pw_uid, name
        assert st.st_gid == grp.getgrnam("giang-vien").gr_gid
        assert stat.S_IMODE(st.st_mode) == 0o2770, (name, oct(st.st_mode))


def test_nobody_can_hand_in_in_another_participants_name(released, clients, users):
    """hv2 tries to make a submission folder named for hv3 (nbgrader's layout, and a folder
    for hv3 in inbound/), and to put one into hv3's own inbound folder: the file system
    refuses every one, so nothing in hv3's name made by hv2 ever exists."""
    hv2, hv3 = users.participants[1:3]
    inbound = str(released / "inbound")
    code = f"""
import datetime, json, os
inbound = {inbound!r}
ts = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
sub = f"{hv3}+{ASSIGNMENT}+{{ts}}+gia-mao"
res = {{}}
def attempt(name, action):
    try:
        action()
        res[name] = "LAM DUOC"
    except OSError as exc:
        res[name] = type(exc).__name__
attempt("flat_submission_for_other", lambda: os.mkdir(os.path.join(inbound, sub)))
attempt("folder_for_someone_new", lambda: os.mkdir(os.path.join(inbound, "khach-moi")))
attempt("submission_in_others_folder", lambda: os.mkdir(os.path.join(inbound, {hv3!r}, sub)))
attempt("file_in_others_folder",
        lambda: open(os.path.join(inbound, {hv3!r}, "x"), "w").close())
attempt("list_others_folder", lambda: os.listdir(os.path.join(inbound, {hv3!r})))
attempt("rename_own_folder", lambda: os.rename(os.path.join(inbound, {hv2!r}),
                                               os.path.join(inbound, {hv3!r} + "-2")))
attempt("remove_own_folder", lambda: os.rmdir(os.path.join(inbound, {hv2!r})))
attempt("link_for_other", lambda: os.symlink(os.path.join(inbound, {hv2!r}),
                                             os.path.join(inbound, sub)))
print(json.dumps(res))
"""
    out = clients[hv2].execute([code])[0]
    assert out["status"] == "ok", out
    results = json.loads(out["stdout"])
    assert results == {name: "PermissionError" for name in results}, results
    assert len(results) == 8
    assert sorted(p.name for p in (released / "inbound").iterdir()) == sorted(
        users.participants + users.instructors)
    attacker = pwd.getpwnam(hv2).pw_uid
    assert not [p for p in (released / "inbound" / hv3).iterdir() if p.lstat().st_uid == attacker]


def test_nbgrader_submit_in_another_name_is_refused(attacked, clients, users, released):
    """nbgrader's own `submit --student <other id>`: refused before anything is written."""
    hv2, hv3 = users.participants[1:3]
    before = sorted(p.name for p in (released / "inbound" / hv2).iterdir())
    code = (f"import subprocess, sys\nr = subprocess.run([sys.executable, '-m', 'nbgrader', "
            f"'submit', {ASSIGNMENT!r}, '--course', {COURSE_ID!r}, '--student', {hv3!r}], "
            "capture_output=True, text=True, cwd=__import__('os').path.expanduser('~'))\n"
            "print(r.returncode, r.stdout[-2000:], r.stderr[-3000:])")
    out = clients[hv2].execute([code])[0]
    assert not out["stdout"].startswith("0 "), out
    assert f"Chỉ nộp được bài của chính bạn (mã {hv2}), không nộp thay {hv3}" in out["stdout"]
    assert sorted(p.name for p in (released / "inbound" / hv2).iterdir()) == before
    assert sorted(p.name for p in (released / "inbound").iterdir()) == sorted(
        users.participants + users.instructors)


def test_participant_cannot_take_the_exchange_over(released, clients, users, hub):
    """Rename or replace the course folder, plant a course or an assignment, change what was
    released, list others' submissions or feedback: all refused by the file system."""
    attacker = clients[users.participants[1]]
    root, course = str(hub.exchange), str(released)
    code = f"""
import json, os, shutil
root, course = {root!r}, {course!r}
res = {{}}
def attempt(name, action):
    try:
        action()
        res[name] = "LAM DUOC"
    except OSError as exc:
        res[name] = type(exc).__name__
attempt("rename_course", lambda: os.rename(course, course + "-cu"))
attempt("plant_course", lambda: os.mkdir(os.path.join(root, "ai-kinh-doanh-2")))
attempt("chmod_root", lambda: os.chmod(root, 0o777))
attempt("rename_outbound", lambda: os.rename(course + "/outbound", course + "/outbound-cu"))
attempt("rename_inbound", lambda: os.rename(course + "/inbound", course + "/inbound-cu"))
attempt("plant_outbound", lambda: os.mkdir(course + "/outbound-moi"))
attempt("plant_assignment", lambda: os.mkdir(course + "/outbound/bt2_marketing"))
attempt("replace_release", lambda: os.rename(course + "/outbound/{ASSIGNMENT}",
                                             course + "/outbound/cu"))
attempt("write_release", lambda: open(course + "/outbound/{ASSIGNMENT}/{ASSIGNMENT}.ipynb",
                                      "a").close())
attempt("list_inbound", lambda: os.listdir(course + "/inbound"))
attempt("list_feedback", lambda: os.listdir(course + "/feedback"))
attempt("write_feedback", lambda: open(course + "/feedback/x.html", "w").close())
print(json.dumps(res))
"""
    out = attacker.execute([code])[0]
    assert out["status"] == "ok", out
    results = json.loads(out["stdout"])
    assert results == {name: "PermissionError" for name in results}, results
    assert len(results) == 12
    assert Path(course, "outbound", ASSIGNMENT, f"{ASSIGNMENT}.ipynb").is_file()


@pytest.fixture(scope="module")
def attacked(released, clients, users, hub):
    """hv1 and hv3 hand in honestly; hv2 hands in honestly too, then again (newer, by hand)
    with links and a FIFO, and puts a blank notebook named for hv3 (newer than hv3's own
    submission) into its own inbound folder, the only one it can write."""
    hv1, hv2, hv3 = users.participants[:3]
    for name in (hv1, hv3, hv2):
        fetch_and_answer(clients[name])
    for name in (hv1, hv3, hv2):  # hv2 too: the normal path works for the attacker
        r = clients[name].post("assignments/submit", data={"course_id": COURSE_ID,
                                                           "assignment_id": ASSIGNMENT})
        assert r.json()["success"], r.text
        assert any((released / "inbound" / name).glob(f"{name}+{ASSIGNMENT}+*")), name
    teacher_course = users.home(users.instructors[0]) / COURSE_ID
    code = f"""
import datetime, json, os, secrets, shutil
inbound = {str(released / "inbound" / hv2)!r}  # the only place hv2 can write
ts = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=5)).strftime(
    "%Y-%m-%d %H:%M:%S.%f UTC")
mine = os.path.join(inbound, f"{hv2}+{ASSIGNMENT}+{{ts}}+{{secrets.token_urlsafe(9)}}")
os.mkdir(mine)
shutil.copy(os.path.expanduser("~/{ASSIGNMENT}/{ASSIGNMENT}.ipynb"), mine)
open(os.path.join(mine, "timestamp.txt"), "w").write(ts)
open(os.path.join(mine, "submission_secret.txt"), "w").write(secrets.token_hex(64))
os.symlink({str(teacher_course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")!r},
           os.path.join(mine, "loi_giai.json"))
os.symlink({str(teacher_course / "gradebook.db")!r}, os.path.join(mine, "so_diem.db"))
os.symlink({str(users.home(users.instructors[0]) / ".bash_history")!r},
           os.path.join(mine, "gv_history.txt"))
os.mkdir(os.path.join(mine, "them"))
os.symlink({str(teacher_course / "source")!r}, os.path.join(mine, "them", "nguon"))
os.mkfifo(os.path.join(mine, "ong_dan"))
blank = json.load(open(os.path.expanduser("~/{ASSIGNMENT}/{ASSIGNMENT}.ipynb")))
for cell in blank["cells"]:
    if cell.get("metadata", {{}}).get("nbgrader", {{}}).get("solution"):
        cell["source"] = ""
fake = os.path.join(inbound, f"{hv3}+{ASSIGNMENT}+{{ts}}+{{secrets.token_urlsafe(9)}}")
os.mkdir(fake)
json.dump(blank, open(os.path.join(fake, "{ASSIGNMENT}.ipynb"), "w"))
open(os.path.join(fake, "timestamp.txt"), "w").write(ts)
open(os.path.join(fake, "submission_secret.txt"), "w").write(secrets.token_hex(64))
print("DA GAI")
"""
    out = clients[hv2].execute([code])[0]
    assert out["stdout"].strip() == "DA GAI", out
    teacher = clients[users.instructors[0]]
    steps = teacher.execute([TOOL, f"run('autograder', 'collect', {ASSIGNMENT!r})",
                             f"run('autograder', 'grade', {ASSIGNMENT!r}, '--quiet')",
                             f"run('autograder', 'feedback', {ASSIGNMENT!r})",
                             f"run('nbgrader', 'release_feedback', {ASSIGNMENT!r})",
                             f"run('autograder', 'report', {ASSIGNMENT!r})"], timeout=600)
    for result in steps[1:]:
        assert result["stdout"].startswith("0 "), result["stdout"]
    return {"collect": steps[1]["stdout"], "course": teacher_course}


def test_links_and_fifo_in_a_submission_are_refused_and_listed(attacked, users):
    hv2 = users.participants[1]
    out = attacked["collect"]
    for name in ("loi_giai.json", "so_diem.db", "gv_history.txt", "them/nguon", "ong_dan"):
        assert f"/{name}: là " in out, (name, out)
    assert "liên kết tượng trưng (symlink)" in out and "ống dẫn FIFO" in out
    got = attacked["course"] / "submitted" / hv2 / ASSIGNMENT
    assert (got / f"{ASSIGNMENT}.ipynb").is_file()
    assert not any(p.is_symlink() for p in got.rglob("*"))
    assert sorted(p.name for p in got.iterdir()) == sorted(
        [f"{ASSIGNMENT}.ipynb", "them", "timestamp.txt", "submission_secret.txt"])
    # Nothing of the instructor's reached what the attacker gets back.
    for folder in ("submitted", "autograded", "feedback"):
        for path in (attacked["course"] / folder / hv2).rglob("*"):
            if path.is_file():
                text = path.read_text(encoding="utf-8", errors="replace")
                assert HISTORY_SECRET not in text and "BEGIN SOLUTION" not in text, path


def test_submission_in_another_participants_name_is_refused(attacked, users):
    hv2, hv3 = users.participants[1:3]
    out = attacked["collect"]
    assert f"mang mã {hv3} nhưng do tài khoản {hv2} tạo: không nhận" in out, out
    got = attacked["course"] / "submitted" / hv3 / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    cells = {c["metadata"].get("nbgrader", {}).get("grade_id"): "".join(c["source"])
             for c in json.loads(got.read_text(encoding="utf-8"))["cells"]}
    assert cells["sol_cau_1"] == 'cau_1 = """\nC\n"""'  # hv3's own work, not the blank


def test_class_is_still_graded_correctly(attacked, users):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{attacked['course'] / 'gradebook.db'}") as gb:
        for name in users.participants[:3]:
            assert gb.find_submission(ASSIGNMENT, name).score == 1.0, name


def test_refusals_are_in_the_class_report(attacked, users):
    hv2, hv3 = users.participants[1:3]
    page = (attacked["course"] / "bao-cao" / f"bao-cao-{ASSIGNMENT}.html").read_text(
        encoding="utf-8")
    assert "Bị từ chối khi thu bài" in page
    assert f"mang mã {hv3} nhưng do tài khoản {hv2} tạo" in page
    assert "gv_history.txt" in page and "liên kết tượng trưng (symlink)" in page


def test_each_participant_fetches_only_their_own_feedback(attacked, clients, users):
    hv1, hv2, hv3 = users.participants[:3]
    for name in (hv1, hv3):
        r = clients[name].post("assignments/fetch_feedback",
                               data={"course_id": COURSE_ID, "assignment_id": ASSIGNMENT})
        assert r.json()["success"], r.text
        pages = list((users.home(name) / ASSIGNMENT / "feedback").rglob("*.html"))
        assert len(pages) == 1, pages
        html = pages[0].read_text(encoding="utf-8")
        assert "BEGIN HIDDEN TESTS" not in html and HISTORY_SECRET not in html
    # hv2's collected submission is the one it made by hand: nbgrader's cache holds only its
    # earlier honest one, so nothing comes back, and it cannot list the feedback folder to
    # take someone else's.
    r = clients[hv2].post("assignments/fetch_feedback",
                          data={"course_id": COURSE_ID, "assignment_id": ASSIGNMENT})
    assert not list((users.home(hv2) / ASSIGNMENT).glob("feedback/**/*.html")), r.text


def test_planted_course_folder_is_moved_aside_at_hub_start(users, tmp_path):
    """An exchange left from nbgrader's 777 set-up, where a participant had replaced the
    course folder with their own trojan assignment: the hub's set-up moves it aside."""
    from hub.exchange import prepare

    root = Path(os.environ.get("TMPDIR", "/tmp")) / f"exchange-cu-{users.participants[0]}"
    attacker = pwd.getpwnam(users.participants[1])
    trojan = root / COURSE_ID / "outbound" / "bt2_marketing"
    trojan.mkdir(parents=True)
    (trojan / "bt2_marketing.ipynb").write_text("{}", encoding="utf-8")
    for path in (root / COURSE_ID, root / COURSE_ID / "outbound", trojan,
                 trojan / "bt2_marketing.ipynb"):
        os.chown(path, attacker.pw_uid, attacker.pw_gid)
    root.chmod(0o777)
    try:
        notes = prepare(root)
        assert len(notes) == 1 and "Đã cách ly" in notes[0], notes
        course = root / COURSE_ID
        assert course.lstat().st_uid == 0 and not (course / "outbound" / "bt2_marketing").exists()
        aside = [p for p in root.iterdir() if ".bi-cach-ly-" in p.name]
        assert len(aside) == 1 and stat.S_IMODE(aside[0].stat().st_mode) == 0o700
        assert stat.S_IMODE(root.stat().st_mode) == 0o1775
        assert prepare(root) == []  # a second start finds nothing to repair
    finally:
        import shutil

        shutil.rmtree(root, ignore_errors=True)


def test_planted_inbound_folder_is_moved_aside_at_hub_start(users):
    """Under the old writable inbound/, hv2 made the folder inbound/hv3/ (and a link for
    hv1's): the hub's set-up moves both aside and gives each person a folder of their own."""
    from hub.exchange import prepare

    hv1, hv2, hv3 = users.participants[:3]
    root = Path(os.environ.get("TMPDIR", "/tmp")) / f"exchange-cu-{hv3}"
    inbound = root / COURSE_ID / "inbound"
    inbound.mkdir(parents=True)
    inbound.chmod(0o3773)
    attacker = pwd.getpwnam(hv2)
    (inbound / hv3).mkdir()
    (inbound / hv3 / f"{hv3}+{ASSIGNMENT}+2026-03-02 08:00:00.000000 UTC+x").mkdir()
    (inbound / hv1).symlink_to(inbound / hv3)
    for path in (inbound / hv3, *(inbound / hv3).iterdir()):
        os.chown(path, attacker.pw_uid, attacker.pw_gid)
    try:
        notes = prepare(root, people=[hv1, hv2, hv3])
        assert len(notes) == 2 and all("Đã cách ly" in n for n in notes), notes
        for name in (hv1, hv2, hv3):
            st = (inbound / name).lstat()
            assert stat.S_ISDIR(st.st_mode) and st.st_uid == pwd.getpwnam(name).pw_uid, name
            assert not list((inbound / name).iterdir())
        aside = sorted(p.name for p in (root / COURSE_ID).iterdir() if ".bi-cach-ly-" in p.name)
        assert [n.split(".bi-cach-ly-")[0] for n in aside] == sorted(
            [f"inbound-{hv1}", f"inbound-{hv3}"])
        assert stat.S_IMODE((inbound).stat().st_mode) == 0o751
        assert prepare(root, people=[hv1, hv2, hv3]) == []  # a second start: nothing to repair
    finally:
        import shutil

        shutil.rmtree(root, ignore_errors=True)


def test_submissions_are_closed_to_other_participants(attacked, clients, users, released):
    """nbgrader leaves a submission folder mode 777; here only its owner and the instructors
    may enter it, even for someone who learnt its name."""
    import grp

    hv1, hv2 = users.participants[:2]
    entry = max((released / "inbound" / hv1).glob(f"{hv1}+{ASSIGNMENT}+*"))
    st = entry.lstat()
    assert stat.S_IMODE(st.st_mode) == 0o770, oct(st.st_mode)
    assert st.st_gid == grp.getgrnam("giang-vien").gr_gid
    assert st.st_uid == pwd.getpwnam(hv1).pw_uid
    code = (f"import os\ntry:\n    os.listdir({str(entry)!r})\n    print('DOC DUOC')\n"
            "except PermissionError:\n    print('KHONG DOC DUOC')")
    assert clients[hv2].execute([code])[0]["stdout"].strip() == "KHONG DOC DUOC"
