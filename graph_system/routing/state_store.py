"""StateStore: the proxy's routing state in embedded SQLite, so a restart resumes where it was.

What is kept: mode, graph percentage, schedule step, force_legacy, a gradual rollback in
progress, the rollback history and the controller's decisions. WAL mode with synchronous=NORMAL:
a write is a few tens of microseconds and survives a process crash (the state only changes on
admin actions, rollbacks and controller decisions, never per request).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import orjson

SCHEMA = """
CREATE TABLE IF NOT EXISTS state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rollbacks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    kind TEXT NOT NULL,
    reason TEXT NOT NULL,
    from_percentage REAL NOT NULL,
    to_percentage REAL NOT NULL,
    detail TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    step TEXT,
    decision TEXT NOT NULL,
    action TEXT NOT NULL,
    reasons TEXT NOT NULL,
    detail TEXT NOT NULL
);
"""


@dataclass(frozen=True, slots=True)
class RoutingState:
    mode: str = "shadow"
    graph_percentage: float = 0.0
    step: str | None = None
    force_legacy: bool = False
    gradual: dict[str, Any] | None = None  # {"steps": [...], "index": i, "reason": ...}
    updated_at: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class StateStore:
    """One connection, used from the event loop thread and the writer thread under a lock."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise ValueError(f"{self.path}: not a usable proxy state database ({exc})") from None
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def exists(self) -> bool:
        with self._lock:
            row = self._db.execute("SELECT COUNT(*) FROM state").fetchone()
        return bool(row[0])

    def load(self, default: RoutingState) -> RoutingState:
        with self._lock:
            rows = dict(self._db.execute("SELECT key, value FROM state").fetchall())
        if not rows:
            return default
        known = {k: orjson.loads(v) for k, v in rows.items() if k in RoutingState.__slots__}
        return replace(default, **known)

    def save(self, state: RoutingState) -> RoutingState:
        state = replace(state, updated_at=time.time())
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany(
                "INSERT INTO state(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [(k, orjson.dumps(v).decode()) for k, v in state.as_dict().items()],
            )
            self._db.execute("COMMIT")
        return state

    def add_rollback(self, kind: str, reason: str, from_percentage: float,
                     to_percentage: float, detail: dict[str, Any]) -> int:
        with self._lock:
            cursor = self._db.execute(
                "INSERT INTO rollbacks(at, kind, reason, from_percentage, to_percentage, detail) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (time.time(), kind, reason, from_percentage, to_percentage,
                 orjson.dumps(detail, default=str).decode()),
            )
        return int(cursor.lastrowid or 0)

    def rollbacks(self, limit: int = 50) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id, at, kind, reason, from_percentage, to_percentage, detail "
                "FROM rollbacks ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return [
            {"id": r[0], "at": r[1], "kind": r[2], "reason": r[3], "from_percentage": r[4],
             "to_percentage": r[5], **orjson.loads(r[6])}
            for r in reversed(rows)
        ]

    def add_decision(self, step: str | None, decision: str, action: str, reasons: list[str],
                     detail: dict[str, Any]) -> int:
        with self._lock:
            cursor = self._db.execute(
                "INSERT INTO decisions(at, step, decision, action, reasons, detail) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (time.time(), step, decision, action, orjson.dumps(reasons).decode(),
                 orjson.dumps(detail, default=str).decode()),
            )
        return int(cursor.lastrowid or 0)

    def decisions(self, limit: int = 50) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id, at, step, decision, action, reasons, detail FROM decisions "
                "ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return [
            {"id": r[0], "at": r[1], "step": r[2], "decision": r[3], "action": r[4],
             "reasons": orjson.loads(r[5]), **orjson.loads(r[6])}
            for r in reversed(rows)
        ]
