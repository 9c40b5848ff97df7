"""The offline customer-care chat (issue 21, items 5 and 6): latency and table pass rate.

`.venv/bin/python benchmarks/chat_bench.py`:
- first answer (underthesea imported and loaded: counted, it is what a participant waits for);
- latency per answer after that (best of three), the simulation alone (`offline.answer` with
  the whole conversation) and its chat part (`grounded.answer`): median and slowest over the
  chat table of tests/test_sim_chat.py and the "not given" grid (questions about things no
  business told the assistant);
- pass rate of that table (every row, every check of the test).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import warnings
from pathlib import Path

from suite_helpers import use_tests_helpers  # benchmarks/: this script's folder

ROOT = Path(__file__).resolve().parent.parent
use_tests_helpers()  # tests/ on PYTHONPATH (suite_helpers.py)
os.environ.pop("OPENAI_API_KEY", None)
os.environ["COURSE_BACKEND"] = "offline"
warnings.simplefilter("ignore")

from course.llm import grounded, offline  # noqa: E402


def conversations() -> list[tuple[str, list[str]]]:
    import test_sim_chat as sim

    out = [(system, turns) for system, turns, _, _ in sim.CHAT]
    for system in (sim.LAUNDRY, sim.ORANGES, sim.SPA, sim.TUTOR, sim.HOMESTAY):
        out += [(system, [form.format(x=x)]) for x in sim.NOT_GIVEN for form in sim.ASKED]
    faq_bot = sim.lesson05_system()  # lesson 05's FAQ bot: the chat over Hỏi/Đáp entries
    out += [(faq_bot, [q]) for q, _, _ in _lesson05_rows(sim)]
    return out


def _lesson05_rows(sim) -> list[tuple]:
    marks = sim.test_lesson05_faq_bot.pytestmark
    return next(m.args[1] for m in marks if m.name == "parametrize")


def main() -> None:
    start = time.perf_counter()
    offline.answer([{"role": "system", "content": "Cam Vinh 40.000 đồng/kg."},
                    {"role": "user", "content": "Cam bao nhiêu một ký?"}])
    first = (time.perf_counter() - start) * 1000

    # Each answer timed three times, the best kept: the machine is shared, and a pause of
    # another process is not the simulation's time. Slowest and median over all answers.
    times: dict[str, list[float]] = {"offline.answer": [], "grounded.answer": []}
    for system, turns in conversations():
        messages = [{"role": "system", "content": system}]
        for turn in turns:
            messages.append({"role": "user", "content": turn})
            best = {k: float("inf") for k in times}
            for _ in range(3):
                t0 = time.perf_counter()
                answer = offline.answer(messages)
                t1 = time.perf_counter()
                grounded.answer(system, turn, messages)
                t2 = time.perf_counter()
                best["offline.answer"] = min(best["offline.answer"], (t1 - t0) * 1000)
                best["grounded.answer"] = min(best["grounded.answer"], (t2 - t1) * 1000)
            for k, v in best.items():
                times[k].append(v)
            messages.append({"role": "assistant", "content": offline.strip_label(answer)})

    import pytest

    code = pytest.main(["-q", "-p", "no:randomly", "-W", "ignore", "--no-header",
                        str(ROOT / "tests" / "test_sim_chat.py"), "-k", "chat_table"])
    print(f"first answer (underthesea loaded): {first:.0f} ms")
    for name, values in times.items():
        print(f"{name}: {len(values)} answers; median {statistics.median(values):.2f} ms; "
              f"slowest {max(values):.2f} ms (target ≤ 50 ms)")
    print(f"chat table: {'all rows pass' if code == 0 else 'FAILURES, see above'}")
    sys.exit(int(code))


if __name__ == "__main__":
    main()
