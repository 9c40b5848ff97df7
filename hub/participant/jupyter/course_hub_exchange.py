"""nbgrader exchange classes for the workshop hub's hardened exchange folder (hub/exchange.py).

nbgrader's default classes expect the exchange root to be writable by everyone (and the
release step chmods it to 777, and wants to own the course folder). On the hub, root owns
the exchange and the course folder, only instructors (group giang-vien) may write them, and
a participant may only hand in into their own folder ``inbound/<their OS user>/``, which
root made for them (nobody can create anything else in inbound/, so nobody can hand in in
someone else's name). These subclasses keep every nbgrader behaviour and change only that:

* the root need only exist as a real folder (not a link); it is never chmodded;
* an existing course folder is accepted when root or the user owns it (never created
  writable for everyone);
* submit writes into ``inbound/<user>/`` (a real folder the user owns), only under the
  user's own id; the submission folder is closed to other participants (mode 770, group of
  the instructors), instead of nbgrader's 777;
* an instructor's ``nbgrader list --inbound`` lists the submissions in those folders;
* what an instructor releases is writable by the other instructors (group), readable by all.

Loaded by ``nbgrader_config.py`` next to this file (on every hub server's config path; the
participant edition has no ``autograder``, so this module lives here).
"""

from __future__ import annotations

import base64
import glob
import os
import re
import stat

from nbgrader.exchange.default import (
    Exchange,
    ExchangeFetchAssignment,
    ExchangeFetchFeedback,
    ExchangeList,
    ExchangeReleaseAssignment,
    ExchangeReleaseFeedback,
    ExchangeSubmit,
)
from nbgrader.utils import check_mode, get_username


class HubExchangeMixin:
    """ensure_root / ensure_directory for an exchange that root prepared."""

    def ensure_root(self):
        try:
            st = os.lstat(self.root)
        except FileNotFoundError:
            self.fail(f"Không thấy thư mục trao đổi {self.root}: hãy báo giảng viên "
                      "(hub tạo thư mục này khi khởi động).")
        if not stat.S_ISDIR(st.st_mode):
            self.fail(f"Thư mục trao đổi {self.root} không phải thư mục thật: hãy báo giảng "
                      "viên.")

    def ensure_directory(self, path, mode):
        if not os.path.lexists(path):
            os.makedirs(path)
            os.chmod(path, mode)
            return
        st = os.lstat(path)
        if not stat.S_ISDIR(st.st_mode):
            self.fail(f"{path} không phải thư mục thật: không dùng.")
        if st.st_uid not in (0, os.getuid()):
            self.fail(f"Thư mục {path} không do hub hay bạn tạo: không dùng.")


class HubExchange(HubExchangeMixin, Exchange):
    pass


class HubFetchAssignment(HubExchangeMixin, ExchangeFetchAssignment):
    pass


class HubList(HubExchangeMixin, ExchangeList):
    def init_dest(self):
        super().init_dest()
        if self.inbound:  # the submissions are one level down: inbound/<id>/<id>+<bài>+...
            course_id = self.coursedir.course_id or "*"
            pattern = "{}+{}+*".format(self.coursedir.student_id or "*",
                                       self.coursedir.assignment_id or "*")
            self.assignments = sorted(self.assignments + glob.glob(
                os.path.join(self.root, course_id, "inbound", "*", pattern)))

    def parse_assignment(self, assignment):
        if self.inbound:  # nbgrader's pattern, with the person's folder taken out
            assignment = re.sub(r"/inbound/[^/+]+/([^/]+)$", r"/inbound/\1", assignment)
        return super().parse_assignment(assignment)


class HubFetchFeedback(HubExchangeMixin, ExchangeFetchFeedback):
    pass


def _chmod_tree(top: str, top_mode: int, dir_mode: int, file_mode: int) -> None:
    for dirname, dirs, files in os.walk(top, followlinks=False):
        for name in files:
            path = os.path.join(dirname, name)
            if not os.path.islink(path):
                os.chmod(path, file_mode)
        for name in dirs:
            path = os.path.join(dirname, name)
            if not os.path.islink(path):
                os.chmod(path, dir_mode)
    os.chmod(top, top_mode)


class HubSubmit(HubExchangeMixin, ExchangeSubmit):
    def init_dest(self):
        """nbgrader's init_dest, with the submission going into ``inbound/<user>/``."""
        if self.coursedir.course_id == "":
            self.fail("Chưa có mã khóa học nên chưa nộp được bài: hãy báo giảng viên (với "
                      "lệnh nbgrader: thêm --course <mã khóa học>).")
        me = get_username()
        student_id = me if self.coursedir.student_id == "*" else self.coursedir.student_id
        if student_id != me:
            self.fail(f"Chỉ nộp được bài của chính bạn (mã {me}), không nộp thay {student_id}.")
        if not self.authenticator.has_access(self.coursedir.student_id,
                                             self.coursedir.course_id):
            self.fail("Bạn không có quyền nộp bài ở khóa học này: hãy báo giảng viên.")
        inbound = os.path.join(self.root, self.coursedir.course_id, "inbound")
        self.inbound_path = os.path.join(inbound, me)
        try:
            st = os.lstat(self.inbound_path)
        except FileNotFoundError:
            self.fail(f"Chưa có thư mục nộp bài của bạn ({self.inbound_path}): hãy báo giảng "
                      "viên (hub tạo thư mục này cho mỗi người trong danh sách lớp khi khởi "
                      "động).")
        if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid():
            self.fail(f"Thư mục nộp bài {self.inbound_path} không phải của bạn: hãy báo giảng "
                      "viên.")
        if not check_mode(self.inbound_path, write=True, execute=True):
            self.fail(f"Không ghi được vào thư mục nộp bài {self.inbound_path}: hãy báo giảng "
                      "viên.")
        self.cache_path = os.path.join(self.cache, self.coursedir.course_id)
        name = f"{student_id}+{self.coursedir.assignment_id}+{self.timestamp}"
        if self.add_random_string:
            name += "+" + base64.urlsafe_b64encode(os.urandom(9)).decode("ascii")
        self.assignment_filename = name

    def copy_files(self):
        super().copy_files()
        dest = os.path.join(self.inbound_path, self.assignment_filename)
        # nbgrader leaves the submission mode 777 (hidden only by its random name). In the
        # person's inbound folder it gets the instructors' group (set-gid), so the instructors
        # can still read and remove it with nobody else able to enter it. (Files inside keep
        # "others" read: some are made after copytree cleared the set-gid bit, so their
        # group is the participant's own; the closed folder is what keeps others out.)
        if os.stat(dest).st_gid == os.stat(self.inbound_path).st_gid != os.getgid():
            _chmod_tree(dest, 0o770, 0o755, 0o644)


class HubReleaseAssignment(HubExchangeMixin, ExchangeReleaseAssignment):
    def copy_files(self):
        super().copy_files()
        if os.stat(self.dest_path).st_gid == os.stat(self.outbound_path).st_gid != os.getgid():
            # The group is the instructors': another instructor may release it again.
            _chmod_tree(self.dest_path, 0o2775, 0o2775, 0o664)


class HubReleaseFeedback(HubExchangeMixin, ExchangeReleaseFeedback):
    pass
