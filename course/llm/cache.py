"""Response cache: identical requests are answered from SQLite, so re-running a cell is free.

The folder is configurable so a classroom can share one cache on a common disk.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import threading
import time
from pathlib import Path

# Bump SCHEMA_VERSION when the table changes and add the step from the older version in
# `_connect`. A newer file (a later course version on a shared disk) is left alone and unused.
# Version 0 (files from before versioning) has exactly this table.
SCHEMA_VERSION = 1
SCHEMA = """CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY, text TEXT NOT NULL, model TEXT, tokens_in INTEGER,
    tokens_out INTEGER, created REAL)"""

log = logging.getLogger(__name__)


def request_key(**parts: object) -> str:
    """A stable hash of everything that shapes the answer (never includes the API key)."""
    blob = json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class ResponseCache:
    """One SQLite connection, opened on first use and shared by the session's threads."""

    def __init__(self, folder: Path, *, lock: threading.RLock | None = None) -> None:
        self.folder = Path(folder)
        self.path = self.folder / "responses.sqlite3"
        self._lock = lock if lock is not None else threading.RLock()
        self._conn: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        if self._conn is not None:
            return self._conn
        self.folder.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=10, check_same_thread=False)
        try:
            conn.execute("PRAGMA journal_mode=WAL")  # many readers, e.g. a shared class cache
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise sqlite3.DatabaseError(f"cache schema {version} is newer than ours")
            if version < SCHEMA_VERSION:
                with conn:
                    conn.execute(SCHEMA)
                    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except sqlite3.Error:
            conn.close()
            raise
        self._conn = conn
        return conn

    def get(self, key: str) -> tuple[str, int, int] | None:
        with self._lock:
            try:
                row = self._connect().execute(
                    "SELECT text, tokens_in, tokens_out FROM responses WHERE key = ?", (key,)
                ).fetchone()
            except (OSError, sqlite3.Error) as exc:
                log.warning("response cache %s not readable: %s", self.path, exc)
                return None
        return None if row is None else (row[0], row[1] or 0, row[2] or 0)

    def put(self, key: str, text: str, model: str, tokens_in: int, tokens_out: int) -> None:
        with self._lock:
            try:
                conn = self._connect()
                with conn:
                    conn.execute(
                        "INSERT OR REPLACE INTO responses"
                        " (key, text, model, tokens_in, tokens_out, created)"
                        " VALUES (?, ?, ?, ?, ?, ?)",
                        (key, text, model, tokens_in, tokens_out, time.time()),
                    )
            except (OSError, sqlite3.Error) as exc:  # a cache must never break a lesson
                log.warning("response cache %s not written: %s", self.path, exc)

    def clear(self) -> None:
        with self._lock:
            if self.path.exists():
                conn = self._connect()
                with conn:
                    conn.execute("DELETE FROM responses")

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
