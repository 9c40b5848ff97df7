"""Response cache: identical requests are answered from SQLite, so re-running a cell is free.

The folder is configurable so a classroom can share one cache on a common disk.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from pathlib import Path

SCHEMA = """CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY, text TEXT NOT NULL, model TEXT, tokens_in INTEGER,
    tokens_out INTEGER, created REAL)"""


def request_key(**parts: object) -> str:
    """A stable hash of everything that shapes the answer (never includes the API key)."""
    blob = json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class ResponseCache:
    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / "responses.sqlite3"
        self._ready = False

    def _connect(self) -> sqlite3.Connection:
        if not self._ready:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=10)
        if not self._ready:
            conn.execute("PRAGMA journal_mode=WAL")  # many readers, e.g. a shared class cache
            conn.execute(SCHEMA)
            self._ready = True
        return conn

    def get(self, key: str) -> tuple[str, int, int] | None:
        try:
            conn = self._connect()
        except sqlite3.Error:
            return None
        with conn:
            row = conn.execute(
                "SELECT text, tokens_in, tokens_out FROM responses WHERE key = ?", (key,)
            ).fetchone()
        conn.close()
        return None if row is None else (row[0], row[1] or 0, row[2] or 0)

    def put(self, key: str, text: str, model: str, tokens_in: int, tokens_out: int) -> None:
        try:
            conn = self._connect()
            with conn:
                conn.execute(
                    "INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?, ?, ?)",
                    (key, text, model, tokens_in, tokens_out, time.time()),
                )
            conn.close()
        except sqlite3.Error:
            pass  # a cache that cannot be written must never break a lesson

    def clear(self) -> None:
        if self.path.exists():
            conn = self._connect()
            with conn:
                conn.execute("DELETE FROM responses")
            conn.close()
