"""The offline simulation with the participant's own business (issue 10).

`.venv/bin/python benchmarks/own_business_bench.py` (also run by `make bench`):
- pass rate of the own-business table (tests/data/own_business_cases.csv) by contract,
  plus the chat, out-of-scope and hand-over cases of the tests;
- offline latency per answer, the simulation alone (`offline.answer`) and through the whole
  layer (`course.ask`, cache off: personal-data check, token counts, usage): median, slowest.
"""

from __future__ import annotations

import os
import statistics
import time
import unicodedata
from collections import defaultdict
from pathlib import Path

from suite_helpers import use_tests_helpers  # benchmarks/: this script's folder

ROOT = Path(__file__).resolve().parent.parent
use_tests_helpers()  # tests/ on PYTHONPATH (suite_helpers.py)
os.environ.pop("OPENAI_API_KEY", None)
os.environ["COURSE_BACKEND"] = "offline"

import test_own_business as own  # noqa: E402
import test_retrieval as rt  # noqa: E402

import course  # noqa: E402
from course.llm import offline  # noqa: E402


def timed(fn, *args) -> tuple[bool, float]:
    start = time.perf_counter()
    try:
        fn(*args)
        ok = True
    except AssertionError:
        ok = False
    return ok, (time.perf_counter() - start) * 1000


def main() -> None:
    course.configure(backend="offline", cache=False)
    course.ask("Viết 3 khẩu hiệu cho homestay")  # load data files once
    results: dict[str, list[bool]] = defaultdict(list)
    times: list[float] = []
    for row in own.CASES:
        ok, ms = timed(own.test_own_business_contract, row)
        results[f"table: {row['contract']}"].append(ok)
        times.append(ms)
    for system, question, expected in own.CHAT_CASES:
        ok, ms = timed(own.test_chat_answers_from_the_system_prompt, system, question, expected)
        results["chat from system prompt (3 forms each)"].append(ok)
        times.append(ms / 3)
    for prompt in own.OUT_OF_SCOPE:
        ok, ms = timed(own.test_out_of_scope_gets_one_honest_sentence, prompt)
        results["out of scope (2 forms each)"].append(ok)
        times.append(ms / 2)
    for message, reason in rt.HANDOVER_CASES:
        ok, _ = timed(rt.test_handover_own_business, message, reason)
        results["hand-over"].append(ok)
    for name, oks in results.items():
        print(f"{name:42s} {sum(oks):3d}/{len(oks):3d} = {100 * sum(oks) / len(oks):5.1f} %")
    for label, call in (("offline.answer", lambda p: offline.answer([{"role": "user",
                                                                       "content": p}])),
                        ("course.ask (whole layer)", course.ask)):
        single = []
        for row in own.CASES:  # one answer each, NFC, for the per-answer latency
            prompt = unicodedata.normalize("NFC", row["prompt"])
            start = time.perf_counter()
            call(prompt)
            single.append((time.perf_counter() - start) * 1000)
        print(f"{label} latency over {len(single)} prompts: median "
              f"{statistics.median(single):.1f} ms, slowest {max(single):.1f} ms")


if __name__ == "__main__":
    main()
