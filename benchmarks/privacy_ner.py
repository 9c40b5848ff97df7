"""Names and addresses in course.privacy: cost of the NER path, time per sentence, accuracy.

    python benchmarks/privacy_ner.py

Runs in fresh subprocesses so import costs and memory are those of a new Python process:
1. `import course`, then `find_pii` on the labelled sentences in file order until the first
   one that needs the NER model (the sentences before it are decided by the rules alone);
2. that first NER sentence (import of underthesea + model load);
3. every sentence again, three times, with the model loaded;
4. precision and recall for names and addresses on tests/data/ner_cases.csv, by split
   ("dev": written while the rules were built; "holdout" and "holdout2": written afterwards,
   each measured once before any change it prompted).
Memory is VmRSS / VmHWM (peak) from /proc/self/status (Linux only).
Prints a Markdown table; paste the figures into benchmarks/README.md.
"""

from __future__ import annotations

import csv
import json
import platform
import subprocess
import sys
import unicodedata
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CASES = REPO / "tests" / "data" / "ner_cases.csv"

CHILD = r"""
import json, statistics, sys, time
def mem():
    fields = dict(l.split(":", 1) for l in open("/proc/self/status") if ":" in l)
    return {k: int(fields[k].split()[0]) / 1024 for k in ("VmRSS", "VmHWM")}
out = {}
t = time.perf_counter(); import course; from course.privacy import find_pii, ner
out["import_course_s"] = time.perf_counter() - t; out["after_import"] = mem()
sentences, model_ones = json.loads(sys.stdin.read())
rules = []
for text in sentences:  # in file order until one needs the model
    t = time.perf_counter(); find_pii(text); took = time.perf_counter() - t
    if ner.loaded():
        out["first_ner_s"] = took
        out["first_ner_text"] = text
        break
    rules.append(took)
    out["after_rules"] = mem()
out["after_ner"] = mem()
times = []
for text in sentences * 3:
    t = time.perf_counter(); find_pii(text); times.append(time.perf_counter() - t)
times_model = []
for text in model_ones * 5:
    t = time.perf_counter(); find_pii(text); times_model.append(time.perf_counter() - t)
out["model_ms"] = [statistics.median(times_model) * 1000, max(times_model) * 1000,
                   len(model_ones)]
out["rules_ms"] = [statistics.median(rules) * 1000, max(rules) * 1000, len(rules)]
out["all_ms"] = [statistics.median(times) * 1000, max(times) * 1000, len(sentences)]
out["after_all"] = mem()
print(json.dumps(out))
"""

def _rows() -> list[dict]:
    with CASES.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _scores(rows: list[dict], kind: str) -> tuple[float, float, int]:
    from course.privacy import find_pii

    tp = fp = fn = 0
    for row in rows:
        text = unicodedata.normalize("NFD", row["text"]) if row["form"] == "nfd" else row["text"]
        gold = Counter(s for s in row[kind + "s" if kind == "name" else "addresses"].split("|")
                       if s)
        got = Counter(m.text for m in find_pii(text) if m.kind == kind)
        hit = sum((gold & got).values())
        tp, fp, fn = tp + hit, fp + sum(got.values()) - hit, fn + sum(gold.values()) - hit
    return tp / max(tp + fp, 1), tp / max(tp + fn, 1), tp + fn


def main() -> None:
    rows = _rows()
    sentences = [r["text"] for r in rows]
    model_ones = [r["text"] for r in rows if "(NER)" in r["note"]]
    proc = subprocess.run([sys.executable, "-c", CHILD],
                          input=json.dumps([sentences, model_ones]),
                          capture_output=True, text=True, cwd=REPO, check=True,
                          env={"COURSE_BACKEND": "offline", "PATH": ""})
    m = json.loads(proc.stdout)
    print(f"Machine: {platform.processor() or platform.machine()}, Python "
          f"{platform.python_version()}\n")
    print("| figure | value |\n|---|---|")
    print(f"| `import course` (fresh process) | {m['import_course_s']:.2f} s, RSS "
          f"{m['after_import']['VmRSS']:.0f} MB |")
    rules = m["rules_ms"]
    print(f"| `find_pii`, sentences the rules decide alone (first {rules[2]} of the file) | "
          f"median {rules[0]:.2f} ms, slowest {rules[1]:.2f} ms; RSS "
          f"{m['after_rules']['VmRSS']:.0f} MB, NER not loaded |")
    print(f"| first sentence that needs NER (import underthesea + load its models) | "
          f"{m['first_ner_s']:.2f} s; RSS {m['after_ner']['VmRSS']:.0f} MB "
          f"(+{m['after_ner']['VmRSS'] - m['after_rules']['VmRSS']:.0f} MB), peak "
          f"{m['after_ner']['VmHWM']:.0f} MB |")
    model = m["model_ms"]
    print(f"| `find_pii` on a sentence the model is asked about ({model[2]} sentences ×5) | "
          f"median {model[0]:.1f} ms, slowest {model[1]:.1f} ms |")
    every = m["all_ms"]
    print(f"| `find_pii` per sentence, NER loaded (all {every[2]} sentences ×3) | median "
          f"{every[0]:.2f} ms, slowest {every[1]:.1f} ms |")
    for split in ("dev", "holdout", "holdout2", None):
        subset = [r for r in rows if split is None or r["split"] == split]
        parts = []
        for kind in ("name", "address"):
            p, r, n = _scores(subset, kind)
            parts.append(f"{kind}: P {p:.3f} R {r:.3f} ({n} spans)")
        print(f"| ner_cases.csv {split or 'all'} ({len(subset)} sentences) | {'; '.join(parts)} |")


if __name__ == "__main__":
    main()
