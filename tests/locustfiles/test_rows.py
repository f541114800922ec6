"""Rows of a load test fit the RUN_DIR schema, and a single path claims nothing of the other."""

from __future__ import annotations

from pathlib import Path

import pytest
from _feed import Item
from _rows import pair_row, single_row, unsent_row

from harness.observation import Exchange, Observation
from harness.recording import RecordedRequest
from harness.results import COLUMNS, ResultWriter, read_results
from harness.verdict import MATCH

REQUEST = RecordedRequest(id="req-1", ts=1.0, method="POST", path="/api/v1/search",
                          endpoint="search", body={"query": "q"})


def _obs(side: str, status: int | None = 200, error: str | None = None) -> Observation:
    return Observation(side=side, status=status, headers=(), body=b'{"ok":true}',
                       latency_ms=4.0, intended_latency_ms=4.0, started_at=100.0 + len(side),
                       error=error, error_detail="boom" if error else None)


@pytest.mark.parametrize("side", ["legacy", "graph"])
def test_a_single_path_row_leaves_the_other_side_empty(side: str) -> None:
    other = "graph" if side == "legacy" else "legacy"
    row = single_row(Item(REQUEST, 7, 1, 27), _obs(side))
    assert set(row) == set(COLUMNS)
    assert row["id"] == "req-1~1" and row["seq"] == 27
    assert row["outcome"] == "compared" and row["verdict"] is None
    assert row[f"{side}_status"] == 200 and row[f"{side}_latency_ms"] == 4.0
    assert all(row[f"{other}_{k}"] is None for k in ("status", "error", "latency_ms"))


def test_a_failed_single_path_is_that_sides_error_with_a_reason() -> None:
    row = single_row(Item(REQUEST, 0, 0, 0), _obs("graph", None, "timeout"))
    assert row["outcome"] == "graph_error"
    assert row["reason"] == "graph: timeout (boom)"
    assert row["legacy_error"] is None


def test_pair_and_unsent_rows_use_the_lap_id_and_round_trip_through_parquet(
        tmp_path: Path) -> None:
    item = Item(REQUEST, 3, 2, 43)
    exchange = Exchange(REQUEST, _obs("legacy"), _obs("graph"), first_side="graph")
    rows = [pair_row(item, exchange, MATCH),
            single_row(Item(REQUEST, 4, 0, 4), _obs("legacy", 503, "http_5xx")),
            unsent_row(Item(REQUEST, 5, 0, 5), "not sent: the test stopped first")]
    with ResultWriter(tmp_path / "results.parquet") as writer:
        for row in rows:
            writer.add(row)
    frame = read_results(tmp_path)
    assert list(frame["id"]) == ["req-1", "req-1", "req-1~2"]  # sorted by seq
    assert list(frame["outcome"]) == ["legacy_error", "skipped", "compared"]
    assert frame.loc[2, "verdict"] == "match" and frame.loc[2, "first_side"] == "graph"
    assert frame.loc[1, "reason"] == "not sent: the test stopped first"
