"""The course's Jupyter server extension (enabled in jupyter_config/jupyter_server_config.py).

0. The course stylesheet and self-hosted Vietnamese webfonts (jupyter_config/custom/).
1. Vietnamese interface strings the language pack lacks. `jupyterlab-language-pack-vi-VN`
   translates about a quarter of JupyterLab, so the Run/Kernel/File menus, the restart dialog
   and the file browser the lessons name were half English. The course keeps the missing
   strings in its own catalogue (jupyter_config/translations/vi_VN/jupyterlab.json) and serves
   them on top of the pack: the pack's own translations win, ours only fill the gaps, so a
   newer pack or JupyterLab needs no change here (unknown strings are simply unused).
   JupyterLab's `jupyterlab.locale` entry point cannot do this with this pack: its catalogue's
   version field is not a version number, which makes the merge fail.
2. nbgrader's Assignment List, with a Vietnamese explanation instead of the English
   "exchange directory does not exist" message when this setting has no exchange (a participant
   working alone through `make lab`).
3. `KeyguardContentsManager`: Jupyter's contents manager runs the pre-save hook on the first
   chunk of a chunked upload only; this one also scrubs chunks 2..n and the last (-1), with
   the end of the file already written (course.keyguard.scrub_chunk).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager

from .i18n import t

CONFIG_DIR = Path(__file__).resolve().parent / "jupyter_config"
TRANSLATIONS = CONFIG_DIR / "translations"
CUSTOM_DIR = CONFIG_DIR / "custom"


@cache
def course_catalogue(locale: str, domain: str = "jupyterlab") -> dict[str, Any]:
    path = TRANSLATIONS / locale / f"{domain}.json"
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def _translated(value: Any) -> bool:
    """The pack lists some strings with only empty translations ([""]): those are gaps too."""
    if isinstance(value, list):
        return any(isinstance(v, str) and v.strip() for v in value)
    return bool(value)


def fill_gaps(data: dict[str, Any], locale: str) -> dict[str, Any]:
    """The pack's catalogues with the course's strings added where the pack has none."""
    for domain, bundle in list(data.items()):
        extra = course_catalogue(locale, domain)
        if not extra or not isinstance(bundle, dict):
            continue
        merged = dict(bundle)
        for msgid, value in extra.items():
            if msgid and not _translated(merged.get(msgid)):
                merged[msgid] = value
        data[domain] = merged
    return data


def _patch_translations() -> None:
    from jupyterlab_server import translations_handler

    original = translations_handler.get_language_pack
    if getattr(original, "_course", False):
        return

    def get_language_pack(locale: str) -> tuple[dict[str, Any], str]:
        data, message = original(locale)
        if data:
            data = fill_gaps(data, locale)
        return data, message

    get_language_pack._course = True  # type: ignore[attr-defined]
    translations_handler.get_language_pack = get_language_pack


def _assignment_list_class() -> type:
    from nbgrader.server_extensions.assignment_list.handlers import AssignmentList

    class CourseAssignmentList(AssignmentList):
        """nbgrader's list; a missing exchange is explained in Vietnamese."""

        @staticmethod
        def _explain(result: dict[str, Any]) -> dict[str, Any]:
            value = result.get("value")
            if not result.get("success") and isinstance(value, str) \
                    and "exchange directory does not exist" in value:
                return {"success": False, "value": t("lessons.nbgrader_no_exchange")}
            return result

        def list_released_assignments(self, course_id: str | None = None) -> dict[str, Any]:
            return self._explain(super().list_released_assignments(course_id=course_id))

        def list_submitted_assignments(self, course_id: str | None = None) -> dict[str, Any]:
            return self._explain(super().list_submitted_assignments(course_id=course_id))

    return CourseAssignmentList


def _load_assignment_list(serverapp: Any) -> None:
    from nbgrader.server_extensions.assignment_list import handlers

    handlers.load_jupyter_server_extension(serverapp)
    manager = _assignment_list_class()(parent=serverapp)
    manager.root_dir = serverapp.root_dir
    serverapp.web_app.settings["assignment_list_manager"] = manager


class KeyguardContentsManager(AsyncLargeFileManager):
    """Jupyter's default contents manager; every chunk of an upload is scrubbed of keys."""

    async def save(self, model: dict[str, Any], path: str = "") -> dict[str, Any]:
        from . import keyguard

        chunk = model.get("chunk")
        if chunk is not None and chunk != 1:  # chunk 1 goes through the pre-save hook
            path = path.strip("/")
            try:
                if keyguard.scrub_chunk(model, self._get_os_path(path), path):
                    self.log.warning("Đã xóa khóa API khỏi tệp %s trước khi lưu.", path)
            except keyguard.SaveRefused as exc:
                raise keyguard.refuse_save(path, str(exc)) from None
            except OSError:
                raise keyguard.refuse_save(path) from None
        return await super().save(model, path)


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "course.jupyter_ext"}]


def _serve_custom_folder(serverapp: Any) -> None:
    """Put the course's custom/ folder first where JupyterLab serves /custom/custom.css from.

    LabApp hands this very list to its /custom/ handler, so changing it in place works whichever
    extension loads first; the user's own ~/.jupyter/custom stays searched after ours.
    """
    paths = serverapp.web_app.settings.setdefault("static_custom_path", [])
    if str(CUSTOM_DIR) not in paths:
        paths.insert(0, str(CUSTOM_DIR))


def _load_jupyter_server_extension(serverapp: Any) -> None:
    import os

    _serve_custom_folder(serverapp)
    # COURSE_UI_CATALOGUE=off shows the language pack alone (benchmarks/ui_translation.py).
    if os.environ.get("COURSE_UI_CATALOGUE", "").lower() != "off":
        _patch_translations()
    try:
        _load_assignment_list(serverapp)
    except ImportError:  # nbgrader not installed: no Assignment List at all
        serverapp.log.warning("nbgrader is not installed; no Assignment List")
