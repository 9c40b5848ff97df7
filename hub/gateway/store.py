"""SQLite: usage records, budget overrides, switches, the class cache and (opt-in) prompts.

One connection used from the event loop only (the gateway is one tornado process), WAL so
an export or a backup can read while requests are written. Spend per participant and per
class period is also kept in memory, so the budget check costs no query.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS usage (
    id INTEGER PRIMARY KEY, ts REAL, period TEXT, user TEXT, lesson TEXT, model TEXT,
    tokens_in INTEGER, tokens_out INTEGER, cost_vnd REAL, saved_vnd REAL, cached INTEGER,
    stream INTEGER, status INTEGER, error TEXT, seconds REAL, queued REAL);
CREATE INDEX IF NOT EXISTS usage_period_user ON usage (period, user);
CREATE TABLE IF NOT EXISTS budgets (user TEXT PRIMARY KEY, budget_vnd REAL, source TEXT);
CREATE TABLE IF NOT EXISTS switches (name TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS cache (
    key TEXT, variant INTEGER, text TEXT, model TEXT, tokens_in INTEGER, tokens_out INTEGER,
    cost_vnd REAL, created REAL, PRIMARY KEY (key, variant));
CREATE TABLE IF NOT EXISTS quizzes (user TEXT, lesson TEXT, quiz TEXT, right INTEGER,
    total INTEGER, ts REAL, PRIMARY KEY (user, lesson, quiz));
CREATE TABLE IF NOT EXISTS prompts (id INTEGER PRIMARY KEY, ts REAL, user TEXT, lesson TEXT,
    text TEXT);
"""

USAGE_FIELDS = ("ts", "period", "user", "lesson", "model", "tokens_in", "tokens_out",
                "cost_vnd", "saved_vnd", "cached", "stream", "status", "error", "seconds",
                "queued")


class Store:
    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock  # the gateway's clock: stamps the cache, quizzes and prompts
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        self._spent: dict[tuple[str, str], float] = defaultdict(float)
        self._class: dict[str, float] = defaultdict(float)
        # budgets and switches change only through this process: read them from memory
        self._budgets = {u: float(b) for u, b in self.db.execute(
            "SELECT user, budget_vnd FROM budgets")}
        self._switches = {n: v == "1" for n, v in self.db.execute(
            "SELECT name, value FROM switches")}
        for period, user, cost in self.db.execute(
                "SELECT period, user, SUM(cost_vnd) FROM usage GROUP BY period, user"):
            self._spent[(period, user)] = cost or 0.0
            self._class[period] += cost or 0.0

    # -- usage -------------------------------------------------------------------------
    def add_usage(self, **rec: object) -> None:
        row = tuple(rec.get(k) for k in USAGE_FIELDS)
        self.db.execute(f"INSERT INTO usage ({', '.join(USAGE_FIELDS)}) VALUES "
                        f"({', '.join('?' * len(USAGE_FIELDS))})", row)
        cost = float(rec.get("cost_vnd") or 0.0)
        if cost:
            self._spent[(str(rec["period"]), str(rec["user"]))] += cost
            self._class[str(rec["period"])] += cost

    def spent(self, period: str, user: str) -> float:
        return self._spent.get((period, user), 0.0)

    def class_spent(self, period: str) -> float:
        return self._class.get(period, 0.0)

    def count_usage(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM usage").fetchone()[0]

    def summary(self, period: str | None) -> list[dict]:
        """One row per participant (for `period`, or all time when None)."""
        where, args = ("WHERE period = ?", (period,)) if period else ("", ())
        rows = self.db.execute(
            f"""SELECT user, COUNT(*), SUM(cached), SUM(status >= 400), SUM(tokens_in),
                       SUM(tokens_out), SUM(cost_vnd), SUM(saved_vnd), MAX(ts),
                       GROUP_CONCAT(DISTINCT NULLIF(lesson, ''))
                FROM usage {where} GROUP BY user ORDER BY user""", args).fetchall()
        keys = ("user", "calls", "cached", "errors", "tokens_in", "tokens_out", "cost_vnd",
                "saved_vnd", "last_ts", "lessons")
        out = []
        for r in rows:
            d = dict(zip(keys, r, strict=True))
            d["lessons"] = ", ".join(sorted(set((d["lessons"] or "").split(",")) - {""}))
            for k in ("cached", "errors", "tokens_in", "tokens_out"):
                d[k] = int(d[k] or 0)
            d["cost_vnd"] = float(d["cost_vnd"] or 0.0)
            d["saved_vnd"] = float(d["saved_vnd"] or 0.0)
            out.append(d)
        return out

    # -- budgets and switches ------------------------------------------------------------
    def budget_override(self, user: str) -> float | None:
        return self._budgets.get(user)

    def overrides(self) -> dict[str, float]:
        return dict(self._budgets)

    def set_budget(self, user: str, budget_vnd: float, source: str = "instructor") -> None:
        self.db.execute("INSERT OR REPLACE INTO budgets VALUES (?, ?, ?)",
                        (user, float(budget_vnd), source))
        self._budgets[user] = float(budget_vnd)

    def load_roster_budgets(self, path: Path) -> int:
        """Per-person budgets from a CSV; an instructor's raise wins.

        Columns: the name as `username`, `user` or `id` (the course roster's), the budget as
        `budget_vnd` or `han_muc_vnd`; rows without a budget keep the class default.
        """
        n = 0
        with open(path, encoding="utf-8-sig", newline="") as f:
            for row in csv.DictReader(f):
                user = (row.get("username") or row.get("user") or row.get("id") or "").strip()
                raw = (row.get("budget_vnd") or row.get("han_muc_vnd") or "").strip()
                raw = raw.replace(".", "").replace("_", "").replace(" ", "")
                if not user or not raw.isdigit():
                    continue
                self.db.execute(
                    "INSERT INTO budgets VALUES (?, ?, 'roster') ON CONFLICT(user) DO UPDATE "
                    "SET budget_vnd = excluded.budget_vnd WHERE budgets.source = 'roster'",
                    (user, float(raw)))
                n += 1
        self._budgets = {u: float(b) for u, b in self.db.execute(
            "SELECT user, budget_vnd FROM budgets")}
        return n

    def switch(self, name: str, default: bool = False) -> bool:
        return self._switches.get(name, default)

    def has_switch(self, name: str) -> bool:
        return name in self._switches

    def set_switch(self, name: str, on: bool) -> None:
        self.db.execute("INSERT OR REPLACE INTO switches VALUES (?, ?)", (name, "1" if on else "0"))
        self._switches[name] = bool(on)

    # -- class cache -------------------------------------------------------------------
    def cache_variants(self, key: str) -> list[dict]:
        rows = self.db.execute(
            "SELECT text, model, tokens_in, tokens_out, cost_vnd FROM cache WHERE key = ? "
            "ORDER BY variant", (key,)).fetchall()
        return [dict(zip(("text", "model", "tokens_in", "tokens_out", "cost_vnd"), r,
                         strict=True)) for r in rows]

    def cache_put(self, key: str, text: str, model: str, tokens_in: int, tokens_out: int,
                  cost_vnd: float, max_variants: int) -> None:
        n = self.db.execute("SELECT COUNT(*) FROM cache WHERE key = ?", (key,)).fetchone()[0]
        if n >= max(1, max_variants):
            return
        self.db.execute("INSERT OR IGNORE INTO cache VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (key, n, text, model, tokens_in, tokens_out, cost_vnd, self.clock()))

    # -- quiz results the lessons' quizzes report (the latest per quiz) --------------------
    def add_quiz(self, user: str, lesson: str, quiz: str, right: int, total: int) -> None:
        self.db.execute("INSERT OR REPLACE INTO quizzes VALUES (?, ?, ?, ?, ?, ?)",
                        (user, lesson, quiz, right, total, self.clock()))

    def quizzes(self) -> dict[str, str]:
        """Per participant: "lesson – quiz: right/total; …" (latest result of each quiz)."""
        out: dict[str, list[str]] = defaultdict(list)
        for user, lesson, quiz, right, total in self.db.execute(
                "SELECT user, lesson, quiz, right, total FROM quizzes ORDER BY user, ts"):
            name = f"{lesson} – {quiz}" if lesson else quiz
            out[user].append(f"{name}: {right}/{total}")
        return {u: "; ".join(v) for u, v in out.items()}

    # -- prompts (only when the instructor turned it on; already masked) -------------------
    def add_prompt(self, user: str, lesson: str, messages: list[dict]) -> None:
        self.db.execute("INSERT INTO prompts (ts, user, lesson, text) VALUES (?, ?, ?, ?)",
                        (self.clock(), user, lesson, json.dumps(messages, ensure_ascii=False)))

    def prompt_count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM prompts").fetchone()[0]
