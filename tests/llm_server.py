"""A real HTTP server on 127.0.0.1 that speaks the chat-completions protocol, for tests.

Each test queues scripted replies; the server records every request it receives.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Scripted:
    status: int = 200
    body: object = None  # dict → JSON; str/bytes → sent as is
    headers: dict = field(default_factory=dict)
    delay: float = 0.0
    stream: list[str] | None = None  # text pieces sent as server-sent events
    stream_usage: tuple[int, int] = (13, 3)  # last chunk's usage, when the client asks for it
    # Held until the test sets it (a slow provider that ends when the test says, not after a
    # guessed time): the 200 starts at once and a space every 0.5 s keeps a client's per-read
    # timeout from firing (JSON allows leading whitespace); the body ends when the server closes.
    release: threading.Event | None = None


def completion(text: str, *, prompt_tokens: int = 11, completion_tokens: int = 7,
               finish_reason: str = "stop") -> dict:
    return {
        "id": "chatcmpl-test", "object": "chat.completion", "created": 1, "model": "test-model",
        "choices": [{"index": 0, "finish_reason": finish_reason,
                     "message": {"role": "assistant", "content": text}}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    }


def error(status: int, code: str, message: str = "error", type_: str = "invalid_request_error"):
    return Scripted(status, {"error": {"message": message, "type": type_, "code": code}})


class FakeLLMServer:
    def __init__(self) -> None:
        self.queue: deque[Scripted] = deque()
        self.requests: list[dict] = []
        # Request fields answered with HTTP 400, as older OpenAI-compatible servers do.
        self.refused_fields: set[str] = set()
        self.default = Scripted(body=completion("Xin chào từ máy chủ thử nghiệm"))
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                body = json.loads(raw or b"{}")
                server.requests.append({"path": self.path, "headers": headers, "body": body})
                refused = sorted(server.refused_fields & set(body))
                if refused:
                    self._send(error(400, "invalid_request_error",
                                     f"Unrecognized request argument supplied: {refused[0]}"))
                    return
                reply = server.queue.popleft() if server.queue else server.default
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    if reply.release is not None:
                        self._send_held(reply)
                        return
                    self._send(reply, body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout tests)

            do_GET = do_POST  # noqa: N815

            def _send_held(self, reply: Scripted) -> None:
                self.send_response(200)  # HTTP/1.0 without a length: ends at the close
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                deadline = time.monotonic() + 120  # a failed test never holds it forever
                while not reply.release.wait(0.5) and time.monotonic() < deadline:
                    self.wfile.write(b" ")
                    self.wfile.flush()
                self.wfile.write(json.dumps(reply.body).encode())
                self.close_connection = True

            def _send(self, reply: Scripted, request: dict | None = None) -> None:
                if reply.stream is not None:
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream")
                    self.end_headers()
                    for piece in reply.stream:
                        chunk = {"id": "c", "object": "chat.completion.chunk", "created": 1,
                                 "model": "test-model",
                                 "choices": [{"index": 0, "delta": {"content": piece},
                                              "finish_reason": None}]}
                        self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                        self.wfile.flush()
                    if ((request or {}).get("stream_options") or {}).get("include_usage"):
                        p_in, p_out = reply.stream_usage  # OpenAI's last chunk: no choices
                        chunk = {"id": "c", "object": "chat.completion.chunk", "created": 1,
                                 "model": "test-model", "choices": [],
                                 "usage": {"prompt_tokens": p_in, "completion_tokens": p_out,
                                           "total_tokens": p_in + p_out}}
                        self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.write(b"data: [DONE]\n\n")
                    return
                body = reply.body
                data = (json.dumps(body).encode() if isinstance(body, dict | list)
                        else body.encode() if isinstance(body, str) else body or b"")
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self) -> FakeLLMServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def push(self, *replies: Scripted) -> None:
        self.queue.extend(replies)
