"""results.parquet: one row per recorded request, streamed in batches.

The schema is a contract: analysis, the gate, reports, the proxy and the Locust shards all
read or write it. Rows are built from an Exchange and its Verdict (or from a skipped request),
buffered, and flushed as Parquet row groups so memory stays flat however long the recording.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from harness.observation import Exchange, Observation
from harness.verdict import Verdict

RESULTS_FILE = "results.parquet"


def _side_fields(side: str) -> list[pa.Field]:
    return [
        pa.field(f"{side}_status", pa.int32()),
        pa.field(f"{side}_error", pa.string()),
        pa.field(f"{side}_latency_ms", pa.float64()),
        pa.field(f"{side}_intended_latency_ms", pa.float64()),
        pa.field(f"{side}_body_size", pa.int64()),
    ]


SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("seq", pa.int64(), nullable=False),
        pa.field("endpoint", pa.string()),
        pa.field("method", pa.string()),
        pa.field("path", pa.string()),
        pa.field("body_size", pa.int64()),
        pa.field("outcome", pa.string(), nullable=False),
        pa.field("reason", pa.string()),
        pa.field("first_side", pa.string()),
        pa.field("intended_at", pa.float64()),
        pa.field("sent_at", pa.float64()),
        *_side_fields("legacy"),
        *_side_fields("graph"),
        *_side_fields("secondary"),
        pa.field("verdict", pa.string()),
        pa.field("layer", pa.string()),
        pa.field("mismatch_count", pa.int32()),
        pa.field("mismatches", pa.string()),  # JSON list of {path, kind, layer}
        pa.field("noise", pa.string()),  # JSON list of paths that differed as noise
        pa.field("secondary_diff", pa.string()),  # JSON list of paths legacy vs legacy
    ]
)
COLUMNS: tuple[str, ...] = tuple(SCHEMA.names)


_NO_SIDE = (None, None, None, None, None)
_EMPTY_LIST = "[]"


def _side(obs: Observation | None) -> tuple[Any, ...]:
    if obs is None:
        return _NO_SIDE
    return (obs.status, obs.error, obs.latency_ms, obs.intended_latency_ms, len(obs.body))


def _reason(exchange: Exchange) -> str | None:
    parts = [
        f"{obs.side}: {obs.error}" + (f" ({obs.error_detail})" if obs.error_detail else "")
        for obs in (exchange.legacy, exchange.graph)
        if obs.failed
    ]
    return "; ".join(parts) or None


def _json_list(items: Iterable[Any]) -> str:
    items = list(items)
    return orjson.dumps(items).decode() if items else _EMPTY_LIST


def exchange_values(
    exchange: Exchange,
    verdict: Verdict | None,
    seq: int,
    intended_at: float,
    secondary_diff: Iterable[str] | None = None,
    body_size: int | None = None,
) -> tuple[Any, ...]:
    """:func:`exchange_row` as a tuple in ``COLUMNS`` order: the replay's hot path builds
    one tuple per pair instead of a 32-key dict (``ResultWriter.add_values``)."""
    request = exchange.request
    legacy, graph = exchange.legacy, exchange.graph
    if verdict is None:
        judged: tuple[Any, ...] = (None, None, None, None, None)
    else:
        layer = verdict.layer
        judged = (
            str(verdict.outcome),
            str(layer) if layer else None,
            len(verdict.mismatches),
            _json_list({"path": m.path, "kind": str(m.kind), "layer": str(m.layer)}
                       for m in verdict.mismatches),
            _json_list(verdict.noise),
        )
    return (
        request.id,
        seq,
        request.endpoint,
        request.method,
        request.path,
        len(request.body_bytes) if body_size is None else body_size,
        exchange.outcome,
        None if legacy.error is None and graph.error is None else _reason(exchange),
        exchange.first_side,
        intended_at,
        min(legacy.started_at, graph.started_at),
        *_side(legacy),
        *_side(graph),
        *_side(exchange.secondary),
        *judged,
        None if secondary_diff is None else _json_list(secondary_diff),
    )


def exchange_row(
    exchange: Exchange,
    verdict: Verdict | None,
    seq: int,
    intended_at: float,
    secondary_diff: Iterable[str] | None = None,
    body_size: int | None = None,
) -> dict[str, Any]:
    """The result row of one sent pair; ``verdict`` is None when a side failed."""
    return dict(zip(COLUMNS, exchange_values(exchange, verdict, seq, intended_at,
                                             secondary_diff, body_size), strict=True))


def skipped_row(
    seq: int, request_id: str, reason: str, endpoint: str | None = None,
    method: str | None = None, path: str | None = None,
) -> dict[str, Any]:
    """A recorded request that was never sent (invalid line, interrupted run), with why."""
    row = dict.fromkeys(COLUMNS)
    row.update(id=request_id, seq=seq, endpoint=endpoint, method=method, path=path,
               outcome="skipped", reason=reason)
    return row


class ResultWriter:
    """Streams rows to Parquet in row groups of ``batch_size``; use as a context manager.

    Rows are buffered as tuples in ``COLUMNS`` order and turned into Arrow columns at each
    flush: several times cheaper per row than ``Table.from_pylist`` over dicts.
    """

    def __init__(self, path: Path, batch_size: int = 1000) -> None:
        self.path = Path(path)
        self.batch_size = batch_size
        self.rows_written = 0
        self._buffer: list[tuple[Any, ...]] = []
        self._writer: pq.ParquetWriter | None = None

    def __enter__(self) -> ResultWriter:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = pq.ParquetWriter(self.path, SCHEMA, compression="zstd")
        return self

    def add(self, row: dict[str, Any]) -> None:
        """A row as a dict; missing columns are null."""
        self._buffer.append(tuple(map(row.get, COLUMNS)))
        if len(self._buffer) >= self.batch_size:
            self.flush()

    def add_values(self, values: tuple[Any, ...]) -> None:
        """A row as a tuple in ``COLUMNS`` order (see :func:`exchange_values`)."""
        self._buffer.append(values)
        if len(self._buffer) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if not self._buffer or self._writer is None:
            return
        columns = zip(*self._buffer, strict=True)
        table = pa.Table.from_arrays(
            [pa.array(column, type=f.type) for column, f in zip(columns, SCHEMA, strict=True)],
            schema=SCHEMA,
        )
        self._writer.write_table(table)
        self.rows_written += len(self._buffer)
        self._buffer.clear()

    def close(self) -> None:
        if self._writer is None:
            return
        self.flush()
        self._writer.close()
        self._writer = None

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_results(run_dir_or_file: Path) -> pd.DataFrame:
    """All rows of a run: RUN_DIR/results.parquet, or every ``results*.parquet`` shard in it
    (Locust writes one shard per process)."""
    path = Path(run_dir_or_file)
    files = [path] if path.is_file() else _shards(path)
    if not files:
        raise FileNotFoundError(f"{path}: no {RESULTS_FILE} (is this a RUN_DIR?)")
    frames = [pq.read_table(f, schema=SCHEMA).to_pandas() for f in files]
    frame = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    return frame.sort_values("seq", kind="stable").reset_index(drop=True)


def _shards(run_dir: Path) -> list[Path]:
    main = run_dir / RESULTS_FILE
    if main.is_file():
        return [main]
    shards = run_dir / "shards"
    return sorted(shards.glob("results*.parquet")) if shards.is_dir() else []


def iter_mismatch_records(frame: pd.DataFrame) -> Iterator[dict[str, Any]]:
    """One dict per recorded mismatch (id, endpoint, path, kind, layer), from the rows."""
    rows = frame.loc[frame["verdict"] == "mismatch", ["id", "endpoint", "mismatches"]]
    for row in rows.itertuples(index=False):
        for item in orjson.loads(row.mismatches or "[]"):
            yield {"id": row.id, "endpoint": row.endpoint, **item}
