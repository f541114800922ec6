from __future__ import annotations

import math

import orjson
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.analysis import summarize, write_summary
from harness.results import COLUMNS, ResultWriter, read_results, skipped_row


def _row(i: int, *, outcome: str = "compared", legacy_ms: float = 100.0,
         graph_ms: float = 80.0, verdict: str | None = "match", endpoint: str = "workflow",
         mismatches: list[dict] | None = None) -> dict:
    row = dict.fromkeys(COLUMNS)
    row.update(
        id=f"r{i}", seq=i, endpoint=endpoint, method="POST", path="/api/v1/workflow",
        body_size=10, outcome=outcome, first_side="legacy", intended_at=1000.0 + i,
        sent_at=1000.0 + i,
        legacy_status=500 if outcome in {"legacy_error", "both_error"} else 200,
        graph_status=500 if outcome in {"graph_error", "both_error"} else 200,
        legacy_error="http_5xx" if outcome in {"legacy_error", "both_error"} else None,
        graph_error="http_5xx" if outcome in {"graph_error", "both_error"} else None,
        legacy_latency_ms=legacy_ms, graph_latency_ms=graph_ms,
        legacy_intended_latency_ms=legacy_ms, graph_intended_latency_ms=graph_ms,
    )
    if outcome == "compared":
        row.update(verdict=verdict, mismatch_count=len(mismatches or []),
                   mismatches=orjson.dumps(mismatches or []).decode(), noise="[]",
                   layer=(mismatches or [{}])[0].get("layer"))
    return row


def test_summary_has_the_contract_keys() -> None:
    rows = [_row(i) for i in range(10)]
    summary = summarize(pd.DataFrame(rows, columns=COLUMNS))
    assert summary["requests"]["total"] == 10
    assert summary["requests"]["compared"] == 10
    for side in ("legacy", "graph"):
        assert summary[side]["error_rate"] == 0
        assert set(summary[side]["latency_ms"]) >= {"mean", "p50", "p95", "p99"}
    assert summary["parity"]["rate"] == 1.0
    assert {"match", "noise_only", "mismatch", "rate", "fields"} <= set(summary["parity"])
    assert set(summary["endpoints"]["workflow"]) >= {"requests", "legacy", "graph", "parity"}


def test_errors_and_skips_are_counted_apart() -> None:
    rows = [_row(0), _row(1, outcome="graph_error"), _row(2, outcome="legacy_error"),
            _row(3, outcome="both_error"),
            skipped_row(4, "line:5", "recording.jsonl:5: not valid JSON")]
    summary = summarize(pd.DataFrame(rows, columns=COLUMNS))
    assert summary["requests"] == {"total": 5, "compared": 1, "legacy_error": 1,
                                   "graph_error": 1, "both_error": 1, "skipped": 1}
    # Error rates are over sent requests: the skipped line never reached a target.
    assert summary["graph"]["error_rate"] == pytest.approx(2 / 4)
    assert summary["legacy"]["errors"] == 2
    low, high = summary["graph"]["error_rate_ci"]
    assert low < 0.5 < high


def test_mismatch_fields_count_pairs_not_occurrences() -> None:
    bad = [{"path": "a[0].b", "kind": "value_changed", "layer": "semantic"},
           {"path": "a[0].b", "kind": "value_changed", "layer": "semantic"}]
    rows = [_row(0, verdict="mismatch", mismatches=bad), _row(1), _row(2), _row(3)]
    summary = summarize(pd.DataFrame(rows, columns=COLUMNS))
    assert summary["parity"]["mismatch"] == 1
    assert summary["parity"]["rate"] == pytest.approx(0.75)
    assert summary["parity"]["layers"]["semantic"] == 1
    assert summary["parity"]["fields"] == [
        {"path": "a[0].b", "kind": "value_changed", "layer": "semantic", "count": 1,
         "rate": 0.25}]


def test_latency_includes_timeouts_at_their_timeout() -> None:
    rows = [_row(0, graph_ms=100.0), _row(1, outcome="graph_error", graph_ms=10_000.0)]
    rows[1]["graph_error"] = "timeout"
    summary = summarize(pd.DataFrame(rows, columns=COLUMNS))
    assert summary["graph"]["latency_ms"]["mean"] == pytest.approx(5050.0)
    assert summary["graph"]["sla_violations"] == 1
    assert summary["graph"]["error_kinds"] == {"timeout": 1}


@given(st.lists(st.tuples(st.floats(1, 1e5), st.floats(1, 1e5)), min_size=1, max_size=40))
def test_percentiles_are_ordered_and_bounded(latencies: list[tuple[float, float]]) -> None:
    rows = [_row(i, legacy_ms=a, graph_ms=b) for i, (a, b) in enumerate(latencies)]
    summary = summarize(pd.DataFrame(rows, columns=COLUMNS))
    for side, index in (("legacy", 0), ("graph", 1)):
        lat = summary[side]["latency_ms"]
        values = [pair[index] for pair in latencies]
        assert min(values) - 0.01 <= lat["p50"] <= lat["p95"] <= lat["p99"] <= max(values) + 0.01
        assert math.isclose(lat["mean"], sum(values) / len(values), rel_tol=1e-6, abs_tol=1e-3)


def test_write_summary_recomputes_from_parquet(tmp_path) -> None:
    with ResultWriter(tmp_path / "results.parquet", batch_size=3) as writer:
        for i in range(7):
            writer.add(_row(i, endpoint="search" if i % 2 else "workflow"))
    assert len(read_results(tmp_path)) == 7
    summary = write_summary(tmp_path)
    on_disk = orjson.loads((tmp_path / "summary.json").read_bytes())
    assert on_disk == orjson.loads(orjson.dumps(summary))
    assert on_disk["endpoints"]["search"]["requests"]["total"] == 3
    assert on_disk["endpoints"]["workflow"]["requests"]["total"] == 4


def test_a_side_that_was_never_sent_has_no_requests() -> None:
    rows = [_row(i, outcome="compared", verdict=None) for i in range(4)]
    for row in rows:
        row.update(graph_status=None, graph_latency_ms=None, graph_intended_latency_ms=None)
    summary = summarize(pd.DataFrame(rows, columns=COLUMNS))
    assert summary["legacy"]["requests"] == 4
    assert summary["graph"]["requests"] == 0
    assert summary["graph"]["error_rate"] is None
