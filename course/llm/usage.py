"""Usage and cost: every call is recorded; prices come from an editable, dated table."""

from __future__ import annotations

import csv
import threading
import time
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

PRICES_FILE = Path(__file__).resolve().parent.parent / "data" / "prices.csv"


@dataclass(frozen=True)
class Price:
    model: str
    input_usd_per_1m: float
    output_usd_per_1m: float
    as_of: str
    source: str


@cache
def load_prices(path: Path = PRICES_FILE) -> dict[str, Price]:
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return {
        r["model"]: Price(r["model"], float(r["input_usd_per_1m"]), float(r["output_usd_per_1m"]),
                          r["as_of"], r["source"])
        for r in rows
    }


def price_for(model: str | None, base_url: str | None = None) -> Price | None:
    """Price of `model`: exact name first, then the longest listed prefix (dated snapshots).

    Models that are not in the table (the open models a local Ollama, vLLM or LM Studio
    serves) have no price: they cost nothing per token.
    """
    prices = load_prices()
    name = (model or "").lower()
    if name in prices:
        return prices[name]
    best = max((p for p in prices if name.startswith(p)), key=len, default=None)
    return prices[best] if best else None


def cost_vnd(tokens_in: int, tokens_out: int, model: str, *, usd_to_vnd: float) -> float:
    """Cost in VND of a call; unknown models count as 0 (see `price_for`)."""
    p = price_for(model)
    if p is None:
        return 0.0
    usd = (tokens_in * p.input_usd_per_1m + tokens_out * p.output_usd_per_1m) / 1_000_000
    return usd * usd_to_vnd


@dataclass
class UsageRecord:
    time: float
    backend: str
    provider: str | None
    model: str
    tokens_in: int
    tokens_out: int
    tokens_exact: bool
    cost_vnd: float
    cached: bool
    seconds: float
    # False: a streamed answer abandoned or failing part way; its tokens are what arrived
    # (estimated, tokens_exact False, unless the provider had already counted them)
    complete: bool = True


class UsageLog:
    """In-memory log of this session's calls (thread-safe: BatchRun may call from a thread).

    The session passes its own lock, so reading settings and the amount spent is one step.
    """

    def __init__(self, lock: threading.RLock | None = None) -> None:
        self._records: list[UsageRecord] = []
        self._lock = lock if lock is not None else threading.RLock()

    def add(self, record: UsageRecord) -> None:
        with self._lock:
            self._records.append(record)

    def spent_vnd(self) -> float:
        with self._lock:
            return sum(r.cost_vnd for r in self._records)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def frame(self):  # -> pandas.DataFrame
        import pandas as pd

        columns = list(UsageRecord.__dataclass_fields__)
        with self._lock:
            rows = [asdict(r) for r in self._records]
        df = pd.DataFrame(rows, columns=columns)
        df["time"] = pd.to_datetime(df["time"], unit="s")
        return df


def now() -> float:
    return time.time()
