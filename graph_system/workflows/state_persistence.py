"""StateStore: each run's state after each node, in an embedded SQLite database.

pydantic-graph 2.x keeps no state of its own between runs; this is what lets an interrupted
run continue from its last completed node, and what ``GET /workflows/{id}`` reads.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

from graph_system.workflows.state import WorkflowState

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    workflow_id TEXT PRIMARY KEY,
    graph       TEXT NOT NULL,
    status      TEXT NOT NULL,
    last_node   TEXT,
    state       TEXT NOT NULL,
    created_at  REAL NOT NULL,
    updated_at  REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_update ON runs (status, updated_at);
"""
PRUNE_EVERY = 1000


def state_db_path(explicit: Path | None) -> str:
    if explicit is not None:
        return str(explicit)
    return os.environ.get("SHADOW_STATE_DB") or ":memory:"


class StateStoreError(RuntimeError):
    """The state database cannot be used; the message names the file."""


class StateStore:
    """One connection, used from the event loop thread only. Writes are small and WAL-mode
    commits do not fsync, so a save costs tens of microseconds."""

    def __init__(self, path: Path | str = ":memory:", keep_runs: int = 20000) -> None:
        self.path = str(path)
        self.keep_runs = keep_runs
        self._finished_since_prune = 0
        try:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False,
                                       isolation_level=None)
            if self.path != ":memory:":
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
        except (sqlite3.Error, OSError) as exc:
            raise StateStoreError(f"{self.path}: cannot open state database ({exc})") from None

    def save(self, state: WorkflowState) -> None:
        now = time.time()
        self._db.execute(
            "INSERT INTO runs (workflow_id, graph, status, last_node, state, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(workflow_id) DO UPDATE SET "
            "status=excluded.status, last_node=excluded.last_node, state=excluded.state, "
            "updated_at=excluded.updated_at",
            (state.workflow_id, state.graph, state.status, state.last_node,
             state.model_dump_json(), state.created_at, now),
        )
        if state.status != "running":
            self._finished_since_prune += 1
            if self._finished_since_prune >= PRUNE_EVERY:
                self.prune()

    def load(self, workflow_id: str) -> WorkflowState | None:
        row = self._db.execute("SELECT state FROM runs WHERE workflow_id = ?",
                               (workflow_id,)).fetchone()
        return None if row is None else WorkflowState.model_validate_json(row[0])

    def unfinished(self) -> list[str]:
        """Runs that stopped mid-graph (the process died), oldest first."""
        rows = self._db.execute(
            "SELECT workflow_id FROM runs WHERE status = 'running' ORDER BY created_at")
        return [r[0] for r in rows]

    def prune(self) -> int:
        """Forget all but the newest ``keep_runs`` finished runs."""
        self._finished_since_prune = 0
        cursor = self._db.execute(
            "DELETE FROM runs WHERE workflow_id IN (SELECT workflow_id FROM runs WHERE "
            "status != 'running' ORDER BY updated_at DESC LIMIT -1 OFFSET ?)",
            (self.keep_runs,),
        )
        return cursor.rowcount

    def count(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]

    def close(self) -> None:
        self._db.close()
