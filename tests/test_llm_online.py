"""The online backend against a real HTTP server on 127.0.0.1, through the real openai SDK."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
import traceback
import unicodedata

import pytest
from catalogue_helpers import said
from conftest import FAKE_KEY
from llm_server import Scripted, completion, error

import course
from course.i18n import t


def assert_clean(err: BaseException) -> None:
    """The Vietnamese message is there, and the key is nowhere in the error."""
    text = str(err)
    assert text and any(ch in text for ch in "ạảấầẩẫậắằẳẵặẹẻẽếềểễệịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹđ")
    shown = "".join(traceback.format_exception(err)) + repr(err) + text + str(err.detail)
    assert FAKE_KEY not in shown
    assert FAKE_KEY[-12:] not in shown
    assert err.__cause__ is None and err.__context__ is None  # no SDK exception chained


def test_plain_answer_and_usage(online):
    online.push(Scripted(body=completion("Cà phê Khe Sanh thơm ngon", prompt_tokens=20,
                                         completion_tokens=9)))
    assert course.ask("Viết một câu về cà phê") == "Cà phê Khe Sanh thơm ngon"
    req = online.requests[-1]
    assert req["path"] == "/v1/chat/completions"
    assert req["headers"]["authorization"] == f"Bearer {FAKE_KEY}"
    assert req["body"]["model"] == "gpt-4o-mini"
    row = course.usage().iloc[-1]
    assert (row.tokens_in, row.tokens_out, bool(row.tokens_exact)) == (20, 9, True)
    assert row.cost_vnd > 0 and row.backend == "openai"


def test_system_prompt_and_parameters_are_sent(online):
    course.ask("Xin chào", system="Bạn là nhân viên bán hàng", temperature=0.3, max_tokens=50)
    body = online.requests[-1]["body"]
    assert body["messages"][0] == {"role": "system", "content": "Bạn là nhân viên bán hàng"}
    assert body["temperature"] == 0.3 and body["max_tokens"] == 50


def test_streaming(online):
    online.push(Scripted(stream=["Xin ", "chào ", "bạn"]))
    pieces = list(course.stream("Chào shop"))
    assert pieces == ["Xin ", "chào ", "bạn"]
    assert online.requests[-1]["body"]["stream"] is True
    assert course.usage().iloc[-1].tokens_out > 0


def test_streaming_asks_for_and_records_the_server_s_token_counts(online):
    online.push(Scripted(stream=["Xin ", "chào"], stream_usage=(21, 2)))
    assert "".join(course.stream("Chào shop")) == "Xin chào"
    assert online.requests[-1]["body"]["stream_options"] == {"include_usage": True}
    row = course.usage().iloc[-1]
    assert (row.tokens_in, row.tokens_out, bool(row.tokens_exact)) == (21, 2, True)


def test_streaming_from_a_server_that_refuses_stream_options(online):
    online.refused_fields = {"stream_options"}
    online.push(Scripted(stream=["Xin ", "chào"]), Scripted(stream=["Lần ", "hai"]))
    assert "".join(course.stream("Chào shop")) == "Xin chào"
    assert "stream_options" not in online.requests[-1]["body"]
    row = course.usage().iloc[-1]
    assert not row.tokens_exact and row.tokens_out > 0  # counted here instead
    asked = len(online.requests)
    assert "".join(course.stream("Câu khác")) == "Lần hai"
    assert len(online.requests) == asked + 1  # the refusal is remembered: one request


def test_an_abandoned_stream_is_recorded(online):
    """A learner's loop that breaks off after the first piece: the provider billed what it
    sent, so the call is in course.usage() (counted here, marked incomplete)."""
    online.push(Scripted(stream=["Một ", "hai ", "ba ", "bốn ", "năm"]))
    before = len(course.usage())
    for piece in course.stream("Đếm đến năm", temperature=0):
        assert piece == "Một "
        break
    import gc

    gc.collect()  # a `for … break` leaves the generator to be closed by the collector
    rows = course.usage()
    assert len(rows) == before + 1
    row = rows.iloc[-1]
    assert not row.complete and not row.tokens_exact
    assert row.tokens_out >= 1 and row.tokens_in > 0 and row.cost_vnd > 0
    # an explicitly closed generator is recorded at once, and nothing incomplete is cached
    online.push(Scripted(stream=["Ba ", "bốn"]), Scripted(stream=["Ba ", "bốn"]))
    gen = course.stream("Đếm tiếp", temperature=0)
    assert next(gen) == "Ba "
    gen.close()
    assert len(course.usage()) == before + 2 and not course.usage().iloc[-1].complete
    asked = len(online.requests)
    assert "".join(course.stream("Đếm tiếp", temperature=0)) == "Ba bốn"
    assert len(online.requests) == asked + 1  # asked again: the broken-off answer not kept
    assert course.usage().iloc[-1].complete


def _broken_stream_server(pieces: list[str]) -> tuple[str, threading.Thread]:
    """A server that streams `pieces` as server-sent events, then drops the connection
    (chunked encoding with no final chunk: the transfer breaks part way)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)

    def serve() -> None:
        conn, _ = srv.accept()
        with conn, srv:
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(65536)
            head, _, body = data.partition(b"\r\n\r\n")
            length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length")))
            while len(body) < length:  # read it all: closing then sends FIN, not a reset
                body += conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                         b"Transfer-Encoding: chunked\r\n\r\n")
            for piece in pieces:
                chunk = {"id": "c", "object": "chat.completion.chunk", "created": 1,
                         "model": "gpt-4o-mini", "choices": [
                             {"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
                event = f"data: {json.dumps(chunk)}\n\n".encode()
                conn.sendall(b"%x\r\n%s\r\n" % (len(event), event))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return f"http://127.0.0.1:{srv.getsockname()[1]}/v1", thread


def test_a_stream_failing_part_way_is_recorded_and_explained():
    url, thread = _broken_stream_server(["Giao hàng ", "miễn phí ", "trong "])
    course.configure(backend="openai", base_url=url, api_key=FAKE_KEY, model="gpt-4o-mini",
                     max_retries=0, timeout=5)
    before = len(course.usage())
    got = []
    with pytest.raises(course.LLMConnectionError) as info:
        for piece in course.stream("Viết câu quảng cáo giao hàng", temperature=0):
            got.append(piece)
    thread.join(5)
    assert got == ["Giao hàng ", "miễn phí ", "trong "]
    assert_clean(info.value)
    row = course.usage().iloc[-1]
    assert len(course.usage()) == before + 1
    assert not row.complete and not row.tokens_exact and row.tokens_out >= 3
    assert row.cost_vnd > 0


def test_a_bad_streamed_request_is_not_taken_for_a_refused_option(online):
    too_long = error(400, "context_length_exceeded", "maximum context length is 128000 tokens")
    online.push(too_long, too_long, Scripted(stream=["Được"]))
    with pytest.raises(course.ContextTooLongError):
        list(course.stream("Rất dài"))
    assert "".join(course.stream("Ngắn")) == "Được"
    assert online.requests[-1]["body"]["stream_options"] == {"include_usage": True}


def test_429_with_retry_after_then_success(online):
    course.configure(max_retries=2)
    online.push(Scripted(429, {"error": {"message": "slow down", "code": "rate_limit_exceeded"}},
                         headers={"Retry-After": "1"}),
                Scripted(body=completion("Đã xong")))
    started = time.monotonic()
    assert course.ask("Thử lại giúp tôi") == "Đã xong"
    assert len(online.requests) == 2
    assert time.monotonic() - started >= 0.9  # the SDK waited as the server asked


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors(online, status):
    online.push(Scripted(status, {"error": {"message": "boom", "code": None}}))
    with pytest.raises(course.ServerError) as info:
        course.ask("Xin chào")
    assert str(status) in str(info.value)
    assert_clean(info.value)


def test_server_error_is_retried_by_the_sdk(online):
    course.configure(max_retries=1)
    online.push(Scripted(503, {"error": {"message": "busy"}}), Scripted(body=completion("OK")))
    assert course.ask("Xin chào") == "OK"
    assert len(online.requests) == 2


def test_timeout(online):
    course.configure(timeout=0.5)
    online.push(Scripted(body=completion("muộn"), delay=2))
    with pytest.raises(course.LLMTimeoutError) as info:
        course.ask("Xin chào")
    assert isinstance(info.value, course.LLMConnectionError)
    assert_clean(info.value)


def test_connection_refused():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again before the call: nothing listens there
    course.configure(backend="openai", base_url=f"http://127.0.0.1:{port}/v1", api_key=FAKE_KEY,
                     max_retries=0, timeout=2)
    with pytest.raises(course.LLMConnectionError) as info:
        course.ask("Xin chào")
    assert f"127.0.0.1:{port}" in str(info.value)
    assert_clean(info.value)


def test_401(online):
    online.push(error(401, "invalid_api_key",
                      f"Incorrect API key provided: {FAKE_KEY[:8]}***{FAKE_KEY[-4:]}"))
    with pytest.raises(course.AuthError) as info:
        course.ask("Xin chào")
    assert_clean(info.value)
    assert FAKE_KEY[-4:] not in str(info.value)


def test_insufficient_quota(online):
    online.push(error(429, "insufficient_quota", "You exceeded your current quota",
                      "insufficient_quota"))
    with pytest.raises(course.QuotaExceededError) as info:
        course.ask("Xin chào")
    assert isinstance(info.value, course.RateLimitError)
    assert_clean(info.value)


def test_context_length_exceeded(online):
    online.push(error(400, "context_length_exceeded", "maximum context length is 128000 tokens"))
    with pytest.raises(course.ContextTooLongError) as info:
        course.ask("Xin chào " * 10)
    assert_clean(info.value)


def test_malformed_json_body(online):
    online.push(Scripted(200, "{ this is not json"))
    with pytest.raises(course.MalformedResponseError) as info:
        course.ask("Xin chào")
    assert_clean(info.value)


def test_response_without_choices_is_malformed(online):
    online.push(Scripted(200, {"id": "x", "object": "chat.completion", "choices": []}))
    with pytest.raises(course.MalformedResponseError):
        course.ask("Xin chào")


def test_content_filter_is_refusal(online):
    online.push(Scripted(body=completion("", finish_reason="content_filter")))
    with pytest.raises(course.ContentRefusedError) as info:
        course.ask("Xin chào")
    assert_clean(info.value)


def test_unknown_model(online):
    online.push(error(404, "model_not_found", "The model `gpt-x` does not exist"))
    with pytest.raises(course.ModelNotFoundError) as info:
        course.ask("Xin chào", model="gpt-x")
    assert "gpt-x" in str(info.value)


def test_key_never_in_logs_status_or_repr(online, caplog):
    caplog.set_level(logging.DEBUG)
    online.push(error(401, "invalid_api_key", "bad key"))
    with pytest.raises(course.AuthError):
        course.ask("Xin chào")
    course.ask("Xin chào lần nữa")
    assert FAKE_KEY not in caplog.text
    st = course.status()
    assert st["api_key"] == "…" + FAKE_KEY[-4:]
    assert FAKE_KEY not in repr(st)
    from course.llm import session

    assert FAKE_KEY not in repr(session.get_settings())


def test_cache_hit_sends_no_request(online):
    course.ask("Câu hỏi lặp lại")
    assert len(online.requests) == 1
    assert course.ask("Câu hỏi lặp lại") == "Xin chào từ máy chủ thử nghiệm"
    assert len(online.requests) == 1
    usage = course.usage()
    assert list(usage.cached) == [False, True]
    assert usage.iloc[-1].cost_vnd == 0
    list(course.stream("Câu hỏi lặp lại"))
    assert len(online.requests) == 1


def test_cache_can_be_switched_off(online):
    course.configure(cache=False)
    course.ask("Không lưu")
    course.ask("Không lưu")
    assert len(online.requests) == 2


def test_different_parameters_are_different_cache_entries(online):
    course.ask("Một câu", temperature=0)
    course.ask("Một câu", temperature=1)
    assert len(online.requests) == 2


def test_budget_cap_refuses(online):
    online.default = Scripted(body=completion("x", prompt_tokens=1_000_000, completion_tokens=0))
    course.configure(budget_vnd=1000)
    course.ask("Lần một")  # 1M tokens of gpt-4o-mini input ≈ 0.15 USD ≈ 3 900 đ: over budget
    with pytest.raises(course.BudgetExceededError) as info:
        course.ask("Lần hai")
    assert len(online.requests) == 1
    assert "1.000" in str(info.value)


def test_nfd_input_reaches_server_as_nfc(online):
    nfd = unicodedata.normalize("NFD", "Hạt tiêu Cùa Quảng Trị")
    assert nfd != unicodedata.normalize("NFC", nfd)
    course.ask(nfd, system=unicodedata.normalize("NFD", "Bạn là người bán hàng"))
    msgs = online.requests[-1]["body"]["messages"]
    for m in msgs:
        assert unicodedata.is_normalized("NFC", m["content"])
    assert msgs[-1]["content"] == "Hạt tiêu Cùa Quảng Trị"


def test_local_server_needs_no_key(llm_server):
    course.configure(provider="ollama", base_url=llm_server.base_url)
    assert course.ask("Xin chào") == "Xin chào từ máy chủ thử nghiệm"
    assert course.status()["backend"] == "openai"
    assert course.usage().iloc[-1].cost_vnd == 0  # local models cost nothing per token


def test_env_vars_switch_to_online_without_code_change(llm_server, monkeypatch):
    from course.llm import session

    monkeypatch.delenv("COURSE_BACKEND")
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", llm_server.base_url)
    session.reset()
    assert course.ask("Viết 3 khẩu hiệu cho cà phê Khe Sanh") == "Xin chào từ máy chủ thử nghiệm"
    assert course.status()["backend"] == "openai"


def test_test_connection(online):
    ok, message = course.test_connection()
    assert ok and said("llm.connection_ok", message)
    online.push(error(401, "invalid_api_key", "bad"))
    ok, message = course.test_connection()
    assert not ok and t("llm.error_auth") in message and FAKE_KEY not in message


def test_a_key_is_never_sent_to_another_server(online, llm_server):
    other = type(llm_server)().start()
    try:
        course.configure(base_url=other.base_url)  # a local server, no new key given
        course.ask("Xin chào")
        assert other.requests[-1]["headers"]["authorization"] == "Bearer not-needed"
        st = course.status()
        assert st["key_needed"] is False and st["api_key"] is None
        course.configure(api_key=FAKE_KEY)
        course.configure(base_url="https://llm.example.invalid/v1")  # a cloud server
        assert course.status()["api_key"] is None
        with pytest.raises(course.AuthError):  # refused before anything is sent
            course.ask("Xin chào")
        assert all(FAKE_KEY not in r["headers"].get("authorization", "")
                   for r in other.requests)
    finally:
        other.stop()


def test_classroom_server_on_the_lan_is_used_without_a_key(monkeypatch):
    from course.config import settings_from_env

    s = settings_from_env({"OPENAI_BASE_URL": "http://192.168.1.20:11434/v1",
                           "COURSE_MODEL": "qwen2.5:3b"})
    assert s.backend == "openai" and s.api_key == "not-needed" and s.model == "qwen2.5:3b"
    s = settings_from_env({"OPENAI_BASE_URL": "https://openrouter.ai/api/v1"})
    assert s.backend == "offline"  # a cloud address without a key: stay offline
