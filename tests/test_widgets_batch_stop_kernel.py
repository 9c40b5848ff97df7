"""The "Dừng" button stops a running batch inside a real kernel.

A click from the browser arrives as a comm message while the batch runs; the batch runs in a
thread so the kernel can receive it. This test sends that same message over the kernel's
shell channel, with a real local HTTP server answering each row.
"""

from __future__ import annotations

import os
from pathlib import Path

from jupyter_client.manager import start_new_kernel
from llm_server import Scripted, completion

from course.i18n import t

ROOT = Path(__file__).resolve().parent.parent
ROWS = 40


def _run(client, code: str) -> str:
    """Execute code in the kernel and return what it printed."""
    out: list[str] = []

    def hook(msg):
        if msg["msg_type"] == "stream":
            out.append(msg["content"]["text"])
        elif msg["msg_type"] == "error":
            raise AssertionError("\n".join(msg["content"]["traceback"]))

    client.execute_interactive(code, timeout=120, output_hook=hook)
    return "".join(out)


def test_stop_click_reaches_a_running_batch(llm_server, monkeypatch):
    llm_server.default = Scripted(body=completion("Một câu quảng cáo"), delay=0.3)
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    monkeypatch.setenv("PYTHONPATH", path)
    km, client = start_new_kernel(kernel_name="python3")
    try:
        stop_id = _run(client, f"""
import course, pandas as pd
from course.widgets import BatchRun
course.configure(base_url={llm_server.base_url!r}, api_key="sk-test-kernel-0000", max_retries=0)
br = BatchRun(pd.DataFrame({{"ten": ["tiêu Cùa"] * {ROWS}}}), "Quảng cáo {{ten}}")
br.run_button.click()   # starts the thread and returns at once
print(br.stop_button.model_id)
""").strip()
        assert len(llm_server.requests) < ROWS
        msg = client.session.msg("comm_msg", {
            "comm_id": stop_id, "data": {"method": "custom", "content": {"event": "click"}},
        })
        client.shell_channel.send(msg)
        result = _run(client, """
br.wait(120)
done = br.result["ket_qua"].notna().sum()
print(done, br.progress.value, br.stop_button.disabled)
print(br.message.value)
""")
    finally:
        client.stop_channels()
        km.shutdown_kernel(now=True)
    counts, message = result.split("\n", 1)
    done, progress, disabled = counts.split()
    assert 0 < int(done) < ROWS and int(done) == int(progress)
    assert disabled == "True"
    assert t("widgets.batch_stopped", done=int(done), total=ROWS) in message
    assert len(llm_server.requests) == int(done)
