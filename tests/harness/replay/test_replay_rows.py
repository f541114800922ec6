"""The engine's rows: results.exchange_values (a tuple in COLUMNS order, the hot path) and
ResultWriter.add_values must land in Parquet exactly as the schema describes."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from replay_doubles import make_request

from harness.observation import Exchange, Observation
from harness.results import COLUMNS, ResultWriter, exchange_row, exchange_values, read_results
from harness.verdict import MATCH, Kind, Layer, Mismatch, Verdict


def none(value: object) -> object:
    """pandas reads a missing string as NaN (or NA); the schema means null."""
    return None if value is None or value is pd.NA or (
        isinstance(value, float) and math.isnan(value)) else value


errors = st.sampled_from([None, None, "timeout", "http_5xx", "non_json", "connection_reset"])


@st.composite
def observations(draw: st.DrawFn, side: str) -> Observation:
    error = draw(errors)
    status = None if error in ("timeout", "connection_reset") else draw(
        st.sampled_from([200, 404, 422, 500]))
    latency = draw(st.floats(min_value=0.01, max_value=1e4, allow_nan=False))
    wait = draw(st.floats(min_value=0, max_value=1e3, allow_nan=False))
    return Observation(side, status, (("content-type", "application/json"),),  # type: ignore[arg-type]
                       draw(st.binary(max_size=64)), latency, latency + wait,
                       draw(st.floats(min_value=1.6e9, max_value=1.9e9)), error,
                       "detail" if error else None)


verdicts = st.sampled_from([
    MATCH,
    Verdict.of((), ("workflow_id",)),
    Verdict.of((Mismatch("search_results[0].score", Kind.VALUE_CHANGED, Layer.SEMANTIC, 1, 2),
                Mismatch("@status", Kind.STATUS, Layer.PROTOCOL, 200, 500))),
])


@st.composite
def exchanges(draw: st.DrawFn) -> tuple[Exchange, Verdict | None, list[str] | None]:
    request = make_request(draw(st.integers(0, 10**6)))
    legacy, graph = draw(observations("legacy")), draw(observations("graph"))
    secondary = draw(st.none() | observations("secondary"))
    exchange = Exchange(request, legacy, graph, draw(st.sampled_from(["legacy", "graph"])),
                        secondary)
    verdict = draw(verdicts) if exchange.outcome == "compared" else None
    diff = draw(st.none() | st.lists(st.sampled_from(["workflow_id", "a.b[1]"]), max_size=2))
    return exchange, verdict, diff


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(exchanges(), min_size=1, max_size=12))
def test_positional_rows_land_in_parquet_as_the_schema_says(tmp_path: Path, items) -> None:
    path = tmp_path / "results.parquet"
    path.unlink(missing_ok=True)
    with ResultWriter(path, batch_size=5) as writer:
        for seq, (exchange, verdict, diff) in enumerate(items):
            values = exchange_values(exchange, verdict, seq, 1.7e9 + seq, diff)
            assert len(values) == len(COLUMNS)
            assert dict(zip(COLUMNS, values, strict=True)) == exchange_row(
                exchange, verdict, seq, 1.7e9 + seq, diff)
            writer.add_values(values)
    frame = read_results(path)
    assert len(frame) == len(items)
    for row, (exchange, verdict, diff) in zip(frame.itertuples(index=False), items, strict=True):
        assert row.id == exchange.request.id and row.outcome == exchange.outcome
        assert row.first_side == exchange.first_side
        assert row.sent_at == min(exchange.legacy.started_at, exchange.graph.started_at)
        for side in ("legacy", "graph", "secondary"):
            obs = getattr(exchange, side)
            latency = getattr(row, f"{side}_latency_ms")
            if obs is None:
                assert math.isnan(latency)
                continue
            assert latency == obs.latency_ms
            assert getattr(row, f"{side}_intended_latency_ms") == obs.intended_latency_ms
            assert getattr(row, f"{side}_body_size") == len(obs.body)
            assert none(getattr(row, f"{side}_error")) == obs.error
        if verdict is None:
            assert none(row.verdict) is None and none(row.mismatches) is None
            assert row.reason and all(f"{o.side}: {o.error}" in row.reason
                                      for o in (exchange.legacy, exchange.graph) if o.failed)
        else:
            assert row.verdict == str(verdict.outcome) and none(row.reason) is None
            assert [m["path"] for m in json.loads(row.mismatches)] == [
                m.path for m in verdict.mismatches]
            assert json.loads(row.noise) == list(verdict.noise)
        secondary_diff = none(row.secondary_diff)
        assert (None if secondary_diff is None else json.loads(secondary_diff)) == diff


def test_dict_and_positional_rows_write_the_same_file(tmp_path: Path) -> None:
    request = make_request(7)
    obs = Observation("legacy", 200, (), b"{}", 1.5, 2.5, 1.7e9)
    exchange = Exchange(request, obs, Observation("graph", 200, (), b"{}", 1.0, 1.0, 1.7e9))
    for name, add in (("a", "add"), ("b", "add_values")):
        with ResultWriter(tmp_path / name / "results.parquet") as writer:
            row = exchange_values(exchange, MATCH, 0, 1.7e9)
            getattr(writer, add)(dict(zip(COLUMNS, row, strict=True)) if add == "add" else row)
    assert read_results(tmp_path / "a").equals(read_results(tmp_path / "b"))


def test_body_size_can_be_given_instead_of_recomputed() -> None:
    request = make_request(1, body={"content": "x" * 100})
    obs = Observation("legacy", 200, (), b"{}", 1.0, 1.0, 1.7e9)
    exchange = Exchange(request, obs, obs)
    assert exchange_row(exchange, MATCH, 0, 0.0)["body_size"] == len(request.body_bytes)
    assert exchange_row(exchange, MATCH, 0, 0.0, body_size=3)["body_size"] == 3
