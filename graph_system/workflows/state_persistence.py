"""StateStore: each run's state after each node, in an embedded SQLite database.

pydantic-graph 2.x keeps no state of its own between runs; this is what lets an interrupted
run continue from its last completed node, and what ``GET /workflows/{id}`` reads.

Inside an event loop a save is written when the loop finishes its current iteration, in one
transaction with every other save made in that iteration: a commit costs ~40 us of CPU
whatever it holds, and under load dozens of runs finish a node in the same iteration. The
run's next node cannot finish before then (it starts in a later iteration), so what is on
disk after each node is the same as with a commit per save; a save that a later one in the
same iteration supersedes is simply not written.
"""

from __future__ import annotations

import asyncio
import logging
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
_UPSERT = (
    "INSERT INTO runs (workflow_id, graph, status, last_node, state, created_at, updated_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(workflow_id) DO UPDATE SET "
    "status=excluded.status, last_node=excluded.last_node, state=excluded.state, "
    "updated_at=excluded.updated_at"
)
log = logging.getLogger("graph_system.workflows")


def state_db_path(explicit: Path | None) -> str:
    if explicit is not None:
        return str(explicit)
    return os.environ.get("SHADOW_STATE_DB") or ":memory:"


class StateStoreError(RuntimeError):
    """The state database cannot be used; the message names the file."""


class StateStore:
    """One connection, used from the event loop thread only. WAL-mode commits do not fsync;
    saves made in one loop iteration share a commit (see the module's docstring), and every
    read through this store sees them at once."""

    def __init__(self, path: Path | str = ":memory:", keep_runs: int = 20000) -> None:
        self.path = str(path)
        self.keep_runs = keep_runs
        self._finished_since_prune = 0
        self._pending: dict[str, WorkflowState] = {}
        self._flush_loop: asyncio.AbstractEventLoop | None = None
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
        """Persist ``state`` (by the end of this loop iteration; at once outside a loop)."""
        self._pending[state.workflow_id] = state
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.flush()
            return
        if self._flush_loop is not loop:  # not yet scheduled in this loop
            self._flush_loop = loop
            loop.call_soon(self._flush_soon)

    def _flush_soon(self) -> None:
        try:
            self.flush()
        except sqlite3.Error as exc:
            # Nobody awaits this write: say which database failed, the runs go on.
            log.error("%s: cannot save run state (%s)", self.path, exc)

    def flush(self) -> None:
        """Write every pending save now, in one transaction."""
        self._flush_loop = None
        if not self._pending:
            return
        pending, self._pending = self._pending, {}
        now = time.time()
        rows = [(s.workflow_id, s.graph, s.status, s.last_node, s.model_dump_json(),
                 s.created_at, now) for s in pending.values()]
        if len(rows) == 1:
            self._db.execute(_UPSERT, rows[0])
        else:
            self._db.execute("BEGIN")
            try:
                self._db.executemany(_UPSERT, rows)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        self._finished_since_prune += sum(1 for row in rows if row[2] != "running")
        if self._finished_since_prune >= PRUNE_EVERY:
            self.prune()

    def load(self, workflow_id: str) -> WorkflowState | None:
        self.flush()
        row = self._db.execute("SELECT state FROM runs WHERE workflow_id = ?",
                               (workflow_id,)).fetchone()
        return None if row is None else WorkflowState.model_validate_json(row[0])

    def unfinished(self) -> list[str]:
        """Runs that stopped mid-graph (the process died), oldest first."""
        self.flush()
        rows = self._db.execute(
            "SELECT workflow_id FROM runs WHERE status = 'running' ORDER BY created_at")
        return [r[0] for r in rows]

    def prune(self) -> int:
        """Forget all but the newest ``keep_runs`` finished runs."""
        self.flush()
        self._finished_since_prune = 0
        cursor = self._db.execute(
            "DELETE FROM runs WHERE workflow_id IN (SELECT workflow_id FROM runs WHERE "
            "status != 'running' ORDER BY updated_at DESC LIMIT -1 OFFSET ?)",
            (self.keep_runs,),
        )
        return cursor.rowcount

    def count(self) -> int:
        self.flush()
        return self._db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]

    def close(self) -> None:
        self.flush()
        self._db.close()
