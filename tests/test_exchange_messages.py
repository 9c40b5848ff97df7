"""The exchange's own refusals speak Vietnamese, like the messages around them, where
nbgrader's code they replace says "No course id specified. Re-run with --course flag.":
the instructor's collect (autograder.exchange.SafeCollect) and the hub's submit
(hub/participant/jupyter/course_hub_exchange.py, loaded from its file as nbgrader_config.py
loads it on a hub server)."""

from __future__ import annotations

import importlib.util
import unicodedata
from pathlib import Path

import pytest
from nbgrader.auth import Authenticator
from nbgrader.coursedir import CourseDirectory
from nbgrader.exchange import ExchangeError

REPO = Path(__file__).resolve().parents[1]


def _hub_exchange():
    path = REPO / "hub" / "participant" / "jupyter" / "course_hub_exchange.py"
    spec = importlib.util.spec_from_file_location("course_hub_exchange_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _refusal(cls, step: str, tmp_path: Path, course_id: str) -> str:
    coursedir = CourseDirectory(root=str(tmp_path / "course"), course_id=course_id)
    exchange = cls(coursedir=coursedir, authenticator=Authenticator(),
                   root=str(tmp_path / "exchange"))
    (tmp_path / "exchange").mkdir(exist_ok=True)
    with pytest.raises(ExchangeError) as err:
        getattr(exchange, step)()
    return str(err.value)


def _vietnamese(message: str) -> bool:
    return (unicodedata.is_normalized("NFC", message) and "khóa học" in message
            and "specified" not in message and "not found" not in message)


def test_collect_without_a_course_id(tmp_path):
    from autograder.exchange import SafeCollect

    message = _refusal(SafeCollect, "init_src", tmp_path, "")
    assert _vietnamese(message) and "course_id" in message and "--course" in message, message


def test_collect_from_a_course_the_exchange_does_not_have(tmp_path):
    from autograder.exchange import SafeCollect

    message = _refusal(SafeCollect, "init_src", tmp_path, "khoa-khac")
    assert _vietnamese(message) and "khoa-khac" in message, message
    assert str(tmp_path / "exchange" / "khoa-khac" / "inbound") in message


def test_hub_submit_without_a_course_id(tmp_path):
    message = _refusal(_hub_exchange().HubSubmit, "init_dest", tmp_path, "")
    assert _vietnamese(message) and "giảng viên" in message, message
