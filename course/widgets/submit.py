"""`SubmitPanel()`: check, submit and read feedback for a graded exercise, in Vietnamese.

Three buttons at the end of each assignment notebook: "Kiểm tra bài", "Nộp bài", "Xem nhận
xét". Each calls nbgrader's own code, the same objects its JupyterLab panel's server handlers
use (`nbgrader.validator.Validator` for Validate, `AssignmentList.submit_assignment`,
`.fetch_feedback`, `.list_released_assignments`, `.list_submitted_assignments`), and reports
in Vietnamese with times in the course's zone (Vietnam time by default). Only this
participant's submissions of this course and this exercise are listed: on a machine shared by
several people nbgrader's own list shows everyone's.

The kernel runs in the notebook's folder, i.e. `<root>/<assignment_id>` after nbgrader's
fetch (or `<root>/<course_id>/<assignment_id>` with `Exchange.path_includes_course`).
"""

from __future__ import annotations

import html as html_lib
import logging
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from course import numbers, timezone
from course.i18n import t

from ._common import WidgetBase, busy, button
from .display import BODY_FONT, escape, render_error, render_note, render_ok

log = logging.getLogger(__name__)
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
SCORE = re.compile(r"Score:\s*([\d.]+)\s*/\s*([\d.]+)")


@dataclass
class Place:
    """Where a fetched exercise lives: nbgrader's root folder, course and exercise ids."""

    root: Path
    course_id: str | None
    assignment_id: str
    notebook: Path


def vn_time(stamp: str | datetime) -> str:
    """nbgrader's UTC timestamp as "23:05 ngày 06/12/2026 (giờ Việt Nam)"."""
    if isinstance(stamp, str):
        from nbgrader.utils import parse_utc

        stamp = parse_utc(stamp)
    moment = timezone.local(stamp)
    return t("widgets.sub_time", clock=moment.strftime("%H:%M"),
             date=moment.strftime("%d/%m/%Y"), zone=timezone.label())


def find_notebook(folder: Path) -> Path | None:
    """The notebook this kernel runs (Jupyter Server names it), else the only one here."""
    named = os.environ.get("JPY_SESSION_NAME", "")
    if named.endswith(".ipynb") and Path(named).is_file():
        return Path(named).resolve()
    books = sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith("."))
    return books[0].resolve() if len(books) == 1 else None


class _Manager:
    """nbgrader's AssignmentList (its panel's server-side object), run from `root` as the
    server runs it: it reads nbgrader_config.py from the current folder."""

    def __init__(self, root: Path) -> None:
        from nbgrader.server_extensions.assignment_list.handlers import AssignmentList

        self.root = root
        self.manager = AssignmentList()
        self.manager.root_dir = str(root)

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.manager, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            from nbgrader.utils import chdir

            with chdir(str(self.root)):
                return method(*args, **kwargs)

        return call


def _manager(root: Path) -> Any:
    return _Manager(root)


def locate(folder: Path | None = None) -> Place:
    """Which exercise this notebook is, from nbgrader's own list of fetched exercises."""
    folder = (folder or Path.cwd()).resolve()
    notebook = find_notebook(folder)
    if notebook is None:
        raise LookupError(t("widgets.sub_no_notebook"))
    reached = False
    for root in (folder.parent, folder.parent.parent):  # with or without the course folder
        listed = _manager(root).list_released_assignments()
        if not listed.get("success"):
            continue
        reached = True
        for item in listed["value"]:
            if item.get("status") == "fetched" and (root / item["path"]).resolve() == folder:
                return Place(root, item["course_id"], item["assignment_id"], notebook)
    if not reached:
        raise ConnectionError(t("widgets.sub_no_exchange"))
    raise LookupError(t("widgets.sub_not_fetched"))


def validate(notebook: Path) -> dict[str, Any]:
    """nbgrader's Validate on the saved notebook: {"total", "failed": [first lines], ...}."""
    import nbformat
    from nbgrader.apps import NbGrader
    from nbgrader.validator import Validator

    app = NbGrader()
    app.load_config_file()
    result = Validator(config=app.config).validate(str(notebook))
    nb = nbformat.read(notebook, as_version=4)
    total = sum(1 for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")
                and not c.metadata.get("nbgrader", {}).get("solution"))
    lines = [first_line(cell.get("raw_error", "")) for cell in result.get("failed", [])]
    # The same sentence for four unfinished parts is said once, with how many checks it stops.
    failed = [line if n == 1 else t("widgets.sub_failed_times", line=line, n=n)
              for line, n in {ln: lines.count(ln) for ln in lines}.items()]
    return {"total": total, "failed": failed, "failed_count": len(lines),
            "changed": len(result.get("changed", [])),
            "type_changed": len(result.get("type_changed", [])),
            "saved": datetime.fromtimestamp(notebook.stat().st_mtime).astimezone()}


def first_line(error: str) -> str:
    """The first line of a failed check's error: the kernel's Vietnamese sentence."""
    lines = [ln.strip() for ln in ANSI.sub("", error).splitlines() if ln.strip()]
    return lines[0] if lines else t("widgets.sub_failed_unknown")


def my_submissions(place: Place) -> list[dict[str, Any]]:
    """This participant's submissions of this exercise in this course, oldest first."""
    from nbgrader.utils import get_username

    listed = _manager(place.root).list_submitted_assignments(course_id=place.course_id)
    if not listed.get("success"):
        raise ConnectionError(t("widgets.sub_no_exchange"))
    me = get_username()
    found = []
    for item in listed["value"]:
        if item.get("course_id") != place.course_id or \
                item.get("assignment_id") != place.assignment_id:
            continue
        found += [s for s in item.get("submissions", []) if s.get("student_id") == me]
    return sorted(found, key=lambda s: s["timestamp"])


def feedback_files(place: Place) -> list[tuple[str, Path]]:
    """(timestamp, feedback page) for this exercise, newest first."""
    folder = place.notebook.parent / "feedback"
    pages = [(p.parent.name, p) for p in folder.glob("*/*.html")] if folder.is_dir() else []
    return sorted(pages, key=lambda x: x[0], reverse=True)


def feedback_url(place: Place, page: Path) -> str:
    """The page's address on this Jupyter server (under a hub's /user/<name>/ prefix)."""
    from urllib.parse import quote

    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/").rstrip("/") + "/"
    return f"{prefix}files/{quote(page.relative_to(place.root).as_posix())}"


def feedback_score(page: Path) -> tuple[str, str] | None:
    """(points, max) from nbgrader's feedback page, when it states them."""
    text = re.sub(r"<[^>]+>", " ", page.read_text(encoding="utf-8", errors="replace"))
    m = SCORE.search(html_lib.unescape(text))
    return (m.group(1), m.group(2)) if m else None


class SubmitPanel(WidgetBase):
    """Kiểm tra bài · Nộp bài · Xem nhận xét, for the exercise this notebook is."""

    def __init__(self, folder: str | Path | None = None) -> None:
        self.folder = Path(folder).resolve() if folder else Path.cwd().resolve()
        self.check_button = button("widgets.sub_check", "info", "check")
        self.submit_button = button("widgets.sub_submit", "primary", "paper-plane")
        self.feedback_button = button("widgets.sub_feedback", "", "comment")
        self.message = widgets.HTML()
        self.listing = widgets.HTML()
        self.check_button.on_click(lambda _: self.check())
        self.submit_button.on_click(lambda _: self.submit())
        self.feedback_button.on_click(lambda _: self.feedback())
        intro = widgets.HTML(f"<div style='{BODY_FONT}'><b>{escape(t('widgets.sub_title'))}"
                             f"</b><br>{escape(t('widgets.sub_intro'))}</div>")
        self.ui = widgets.VBox([
            intro,
            widgets.HBox([self.check_button, self.submit_button, self.feedback_button]),
            self.message, self.listing,
        ])
        if os.environ.get("NBGRADER_EXECUTION"):  # being graded: nothing to click
            self.message.value = render_note(t("widgets.sub_grading"))

    # -- actions ------------------------------------------------------------------------------
    def _buttons(self) -> tuple[widgets.Button, ...]:
        return self.check_button, self.submit_button, self.feedback_button

    def _place(self) -> Place | None:
        try:
            return locate(self.folder)
        except (LookupError, ConnectionError) as exc:
            self.message.value = render_error(str(exc))
        except Exception:  # nbgrader's own failure: logged in full, one Vietnamese line shown
            log.exception("could not find the exercise for %s", self.folder)
            self.message.value = render_error(t("widgets.sub_no_exchange"))
        return None

    def check(self) -> dict[str, Any] | None:
        """nbgrader's Validate on the saved notebook, reported in Vietnamese."""
        with busy(*self._buttons()):
            self.message.value = render_note(t("widgets.sub_checking"))
            notebook = find_notebook(self.folder)
            if notebook is None:
                self.message.value = render_error(t("widgets.sub_no_notebook"))
                return None
            try:
                result = validate(notebook)
            except Exception:
                log.exception("nbgrader validate failed for %s", notebook)
                self.message.value = render_error(t("widgets.sub_check_error"))
                return None
        saved = vn_time(result["saved"])
        if result["type_changed"] or result["changed"]:
            self.message.value = render_error(t("widgets.sub_check_changed", saved=saved))
        elif result["failed"]:
            items = "".join(f"<li>{escape(x)}</li>" for x in result["failed"])
            head = t("widgets.sub_check_some", saved=saved, failed=result["failed_count"],
                     total=result["total"])
            self.message.value = render_error(head) + \
                f"<ul style='{BODY_FONT}'>{items}</ul>"
        else:
            self.message.value = render_ok(t("widgets.sub_check_ok", saved=saved,
                                             total=result["total"]))
        return result

    def submit(self) -> bool:
        """nbgrader's Submit (the saved notebook), then this participant's list."""
        with busy(*self._buttons()):
            place = self._place()
            if place is None:
                return False
            reply = _manager(place.root).submit_assignment(place.course_id, place.assignment_id)
        if not reply.get("success"):
            log.error("nbgrader submit failed: %s", reply.get("value"))
            self.message.value = render_error(t("widgets.sub_submit_error"))
            return False
        subs = self.show_submissions(place)
        when = vn_time(subs[-1]["timestamp"]) if subs else ""
        self.message.value = render_ok(t("widgets.sub_submitted", when=when))
        return True

    def feedback(self) -> list[Path]:
        """nbgrader's Fetch Feedback, then the feedback pages of this exercise."""
        with busy(*self._buttons()):
            place = self._place()
            if place is None:
                return []
            try:
                waiting = any(x.get("has_exchange_feedback") for x in my_submissions(place))
            except ConnectionError as exc:
                self.message.value = render_error(str(exc))
                return []
            # nbgrader's fetch fails when nothing was released yet: that is "not yet", not an
            # error, so ask the exchange first (its list says which submission has feedback).
            reply = _manager(place.root).fetch_feedback(place.course_id, place.assignment_id) \
                if waiting else {"success": True}
        if not reply.get("success"):
            log.error("nbgrader fetch_feedback failed: %s", reply.get("value"))
            self.message.value = render_error(t("widgets.sub_feedback_error"))
            return []
        self.show_submissions(place)
        pages = feedback_files(place)
        if not pages:
            self.message.value = render_note(t("widgets.sub_no_feedback"))
            return []
        stamp, page = pages[0]
        score = feedback_score(page)
        text = t("widgets.sub_feedback_ready", when=vn_time(stamp))
        if score:
            text += " " + t("widgets.sub_feedback_score", points=numbers.number(float(score[0]), 2),
                            total=numbers.number(float(score[1]), 2))
        link = f"<a href='{escape(feedback_url(place, page))}' target='_blank' " \
               f"style='{BODY_FONT};color:#0d47a1;text-decoration:underline'>" \
               f"{escape(t('widgets.sub_feedback_open'))}</a>"
        self.message.value = render_ok(text) + link
        return [p for _, p in pages]

    def show_submissions(self, place: Place) -> list[dict[str, Any]]:
        try:
            subs = my_submissions(place)
        except ConnectionError as exc:
            self.listing.value = render_error(str(exc))
            return []
        if not subs:
            self.listing.value = render_note(t("widgets.sub_none_yet"))
            return subs
        rows = []
        for s in reversed(subs):
            state = t("widgets.sub_has_feedback") if s.get("has_local_feedback") else (
                t("widgets.sub_feedback_waiting") if s.get("has_exchange_feedback")
                else t("widgets.sub_no_feedback_yet"))
            rows.append(f"<li>{escape(vn_time(s['timestamp']))}: {escape(state)}</li>")
        self.listing.value = (f"<div style='{BODY_FONT}'>{escape(t('widgets.sub_list_title'))}"
                              f"<ul>{''.join(rows)}</ul></div>")
        return subs
