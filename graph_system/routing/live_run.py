"""LiveRun: mirrored pairs written as a RUN_DIR while the proxy serves, readable at any moment.

A Parquet file is only readable once closed (its footer), so rows go to shards that are closed
every ``rotate_s`` (or ``rotate_rows``) and renamed into ``RUN_DIR/shards/`` in one step;
``harness.results.read_results`` reads those shards, so ``analyze``, ``gate`` and ``report``
work on live data. Past ``max_shards`` the closed shards are compacted into one; at shutdown
everything becomes ``RUN_DIR/results.parquet`` like a replay's (and moves back into shards/ on
the next start, so a restarted proxy keeps appending to the same run).

run.json's ``finished`` is true in every snapshot: each request it counts has its row on disk
(requests still in flight are in the next snapshot), and ``live`` says the proxy is still
serving. Parquet and JSON are written in a worker thread, never on the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import time
from collections import deque
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from harness.observation import Exchange
from harness.results import RESULTS_FILE, SCHEMA, ResultWriter
from harness.rundir import MISMATCHES_JSONL, RUN_JSON, write_json
from harness.verdict import Outcome, Verdict

SHARDS = "shards"


def _existing_max_seq(files: list[Path]) -> int:
    top = -1
    for path in files:
        column = pq.read_table(path, columns=["seq"]).column("seq")
        if len(column):
            top = max(top, int(pc.max(column).as_py()))
    return top


class LiveRun:
    def __init__(self, run_dir: Path | None, record: dict[str, Any], rotate_s: float = 10.0,
                 rotate_rows: int = 50_000, max_shards: int = 64, examples: int = 200,
                 window_rows: int = 20_000) -> None:
        self.run_dir = Path(run_dir) if run_dir is not None else None
        self.record = record
        self.rotate_s = rotate_s
        self.rotate_rows = rotate_rows
        self.max_shards = max_shards
        self.examples_left = examples
        self.counts: dict[str, int] = {}  # every row added, by outcome
        self.written: dict[str, int] = {}  # rows on disk, by outcome (what run.json counts)
        self.rows_written = 0
        self._pending: list[dict[str, Any]] = []
        self._examples: list[bytes] = []
        self._window: deque[dict[str, Any]] = deque(maxlen=window_rows)
        self._boot = secrets.token_hex(3)
        self._shard_no = 0
        self._lock = asyncio.Lock()
        self._full = asyncio.Event()
        self._seq = 0
        if self.run_dir is not None:
            self._adopt_previous()

    # -- start-up ---------------------------------------------------------------------------
    def _adopt_previous(self) -> None:
        assert self.run_dir is not None
        shards = self.run_dir / SHARDS
        shards.mkdir(parents=True, exist_ok=True)
        final = self.run_dir / RESULTS_FILE
        if final.is_file():
            # read_results prefers results.parquet over shards: move it aside so the new
            # shards of this run are read together with it.
            os.replace(final, shards / f"results-proxy-previous-{self._boot}.parquet")
        previous = sorted(shards.glob("results*.parquet"))
        self._seq = _existing_max_seq(previous) + 1
        self.rows_written = sum(pq.ParquetFile(p).metadata.num_rows for p in previous)
        old = self.run_dir / RUN_JSON
        if old.is_file():
            try:
                counts = orjson.loads(old.read_bytes()).get("requests", {})
                self.written = {k: int(v) for k, v in counts.items() if k != "total"}
            except (orjson.JSONDecodeError, AttributeError, TypeError, ValueError):
                self.written = {}

    # -- the request path -------------------------------------------------------------------
    def next_seq(self) -> int:
        seq = self._seq
        self._seq += 1
        return seq

    def add(self, row: dict[str, Any], exchange: Exchange | None = None,
            verdict: Verdict | None = None) -> None:
        """Queue one row; O(1), no I/O."""
        self.counts[row["outcome"]] = self.counts.get(row["outcome"], 0) + 1
        self._window.append(row)
        if self.run_dir is None:
            return
        self._pending.append(row)
        if (verdict is not None and verdict.outcome == Outcome.MISMATCH
                and exchange is not None and self.examples_left > 0):
            self.examples_left -= 1
            self._examples.append(orjson.dumps({
                "id": row["id"], "endpoint": row["endpoint"],
                "request": {"method": row["method"], "path": row["path"],
                            "body": exchange.request.body},
                "mismatches": [m.as_dict() for m in verdict.mismatches],
                "legacy_body": exchange.legacy.body.decode("utf-8", "replace"),
                "graph_body": exchange.graph.body.decode("utf-8", "replace"),
            }, default=str))
        if len(self._pending) >= self.rotate_rows:
            self._full.set()

    def window_frame(self, since_seq: int = 0) -> pd.DataFrame:
        """The recent rows (from ``since_seq`` on) as read_results would return them."""
        rows = [r for r in self._window if r["seq"] >= since_seq]
        return pa.Table.from_pylist(rows, schema=SCHEMA).to_pandas()

    @property
    def seq(self) -> int:
        return self._seq

    # -- disk ---------------------------------------------------------------------------------
    def _run_record(self, live: bool) -> dict[str, Any]:
        total = self.rows_written
        return {
            **self.record,
            "finished": True,
            "live": live,
            "snapshot_at": datetime.now(UTC).isoformat(),
            "requests": {"total": total, **self.written},
        }

    def _write_shard(self, rows: list[dict[str, Any]], examples: list[bytes]) -> None:
        assert self.run_dir is not None
        shards = self.run_dir / SHARDS
        name = f"results-proxy-{self._boot}-{self._shard_no:06d}.parquet"
        self._shard_no += 1
        temp = shards / f".{name}.partial"
        with ResultWriter(temp, batch_size=len(rows)) as writer:
            for row in rows:
                writer.add(row)
        os.replace(temp, shards / name)
        if examples:
            with (self.run_dir / MISMATCHES_JSONL).open("ab") as handle:
                handle.write(b"\n".join(examples) + b"\n")

    def _compact(self, into: Path) -> None:
        assert self.run_dir is not None
        files = sorted((self.run_dir / SHARDS).glob("results*.parquet"))
        if not files:
            if into.name == RESULTS_FILE:  # a run with no pairs still has its (empty) results
                pq.write_table(SCHEMA.empty_table(), into, compression="zstd")
            return
        temp = into.with_name(f".{into.name}.partial")
        with pq.ParquetWriter(temp, SCHEMA, compression="zstd") as writer:
            for path in files:
                writer.write_table(pq.read_table(path, schema=SCHEMA))
        # Rename first, then delete: a reader in between may count a row twice for an
        # instant, but a crash here never loses one.
        os.replace(temp, into)
        for path in files:
            if path != into:
                path.unlink(missing_ok=True)

    async def rotate(self, live: bool = True) -> int:
        """Close the pending rows into a shard and refresh run.json; returns rows written."""
        if self.run_dir is None:
            return 0
        async with self._lock:
            rows, self._pending = self._pending, []
            examples, self._examples = self._examples, []
            self._full.clear()
            if rows:
                await asyncio.to_thread(self._write_shard, rows, examples)
                self.rows_written += len(rows)
                for row in rows:
                    self.written[row["outcome"]] = self.written.get(row["outcome"], 0) + 1
                shards = self.run_dir / SHARDS
                if sum(1 for _ in shards.glob("results*.parquet")) > self.max_shards:
                    target = shards / f"results-proxy-{self._boot}-compact-{time.time_ns()}.parquet"
                    await asyncio.to_thread(self._compact, target)
            await asyncio.to_thread(write_json, self.run_dir / RUN_JSON, self._run_record(live))
            return len(rows)

    async def run(self) -> None:
        """Rotate on the interval, or sooner when ``rotate_rows`` are pending."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._full.wait(), timeout=self.rotate_s)
            await self.rotate()

    async def close(self) -> None:
        """Last rows, then one results.parquet and a final run.json (``live: false``)."""
        if self.run_dir is None:
            return
        await self.rotate(live=False)
        async with self._lock:
            await asyncio.to_thread(self._compact, self.run_dir / RESULTS_FILE)
            shards = self.run_dir / SHARDS
            if shards.is_dir() and not any(shards.iterdir()):
                shards.rmdir()
            record = self._run_record(live=False)
            record["finished_at"] = record["snapshot_at"]
            await asyncio.to_thread(write_json, self.run_dir / RUN_JSON, record)
