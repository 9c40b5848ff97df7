"""Speed of the LLM layer (issue 2): run `make bench` or `.venv/bin/python benchmarks/llm_bench.py`.

Against the local chat-completions server used by the tests:
- overhead of `course.ask` over a bare openai SDK call (cache off), median of N calls;
- latency of a cache hit;
- latency of the offline simulation, and of a pasted 50-page document.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
import warnings
from pathlib import Path

from suite_helpers import use_tests_helpers  # benchmarks/: this script's folder

ROOT = Path(__file__).resolve().parent.parent
use_tests_helpers()  # tests/ on PYTHONPATH (suite_helpers.py)
os.environ["COURSE_CACHE_DIR"] = tempfile.mkdtemp(prefix="course-bench-")

import openai  # noqa: E402
from llm_server import FakeLLMServer  # noqa: E402

import course  # noqa: E402
from course.llm import session  # noqa: E402

N = 200
KEY = "sk-bench-0000000000000000"


def median_ms(fn, n: int = N) -> float:
    times = []
    for i in range(n):
        start = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    server = FakeLLMServer().start()
    try:
        sdk = openai.OpenAI(api_key=KEY, base_url=server.base_url, max_retries=0)
        msgs = [{"role": "user", "content": "Viết 3 khẩu hiệu cho cà phê Khe Sanh"}]
        for _ in range(20):  # warm up connections, tokenizer, imports
            sdk.chat.completions.create(model="gpt-4o-mini", messages=msgs)
        course.configure(backend="openai", base_url=server.base_url, api_key=KEY,
                         model="gpt-4o-mini", max_retries=0, cache=False)
        for _ in range(20):
            course.ask(msgs[0]["content"])

        bare = median_ms(lambda i: sdk.chat.completions.create(model="gpt-4o-mini",
                                                               messages=msgs))
        ours = median_ms(lambda i: course.ask(msgs[0]["content"]))

        course.configure(cache=True)
        course.ask("Câu hỏi để đo bộ nhớ đệm")
        hit = median_ms(lambda i: course.ask("Câu hỏi để đo bộ nhớ đệm"))

        course.configure(backend="offline")
        prompts = ["Viết 3 khẩu hiệu cho cà phê Khe Sanh",
                   "Viet bai dang Facebook ve nuoc mam My Thuy, duoi 60 tu",
                   "Liệt kê 5 từ khóa SEO cho mật ong Tuyên Hóa dạng bảng"]
        off = median_ms(lambda i: course.ask(prompts[i % 3], temperature=(i % 5) / 4))
        worst_off = max(median_ms(lambda i, p=p: course.ask(p), 20) for p in prompts)
        paste = "Tóm tắt đoạn sau trong 2 câu: " + "Khách hàng phản ánh về sản phẩm. " * 20_000
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the long-prompt warning, expected here
            long_paste = median_ms(lambda i: course.ask(paste), 5)
    finally:
        server.stop()
        session.reset()

    print(f"calls per figure: {N} (median)")
    print(f"bare SDK call:                 {bare:7.2f} ms")
    print(f"course.ask, same call:         {ours:7.2f} ms")
    print(f"overhead of course.ask:        {ours - bare:7.2f} ms   (target <= 5 ms)")
    print(f"cache hit:                     {hit:7.2f} ms   (target <= 2 ms)")
    print(f"offline simulation:            {off:7.2f} ms   (target <= 50 ms)")
    print(f"offline, slowest prompt:       {worst_off:7.2f} ms")
    print(f"offline, 50-page paste:        {long_paste:7.2f} ms   (target <= 2000 ms)")


if __name__ == "__main__":
    main()
