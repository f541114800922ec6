"""The issue's properties of the gate, over synthetic results frames.

- adding graph errors never improves a decision;
- adding legacy-equal pairs never turns ADVANCE into ROLLBACK;
- fewer requests than the minimum never give ADVANCE;
- INVALID evidence always gives INVALID.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
from gate_frames import make_frame, run_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.config import parse_config
from harness.gate import evaluate
from harness.gate.decision import SEVERITY
from harness.results import skipped_row

CONFIG = parse_config({
    "gate": {"bootstrap_resamples": 200},
    "parity": {"critical": ["search_results.results[*].score"]},
})
SETTINGS = settings(max_examples=int(os.environ.get("GATE_PROPERTY_EXAMPLES", "40")),
                    deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@st.composite
def frames(draw: st.DrawFn, min_n: int = 0, max_n: int = 700,
           healthy: bool = False) -> pd.DataFrame:
    """Runs of every kind; ``healthy`` draws candidates that often deserve ADVANCE."""
    legacy_mean = draw(st.floats(min_value=5, max_value=3500))
    ratio = st.floats(min_value=0.5, max_value=1.1 if healthy else 1.6)
    return make_frame(
        draw(st.integers(min_value=min_n, max_value=max_n)),
        legacy_mean_ms=legacy_mean,
        graph_mean_ms=legacy_mean * draw(ratio),
        sigma=draw(st.floats(min_value=0.05, max_value=0.4 if healthy else 0.8)),
        legacy_error=draw(st.sampled_from([0.0, 0.01, 0.02, 0.05])),
        graph_error=draw(st.sampled_from([0.0, 0.003, 0.01] if healthy
                                         else [0.0, 0.003, 0.02, 0.06, 0.12])),
        mismatch=draw(st.sampled_from([0.0, 0.002] if healthy
                                      else [0.0, 0.0, 0.002, 0.01, 0.03])),
        critical=0 if healthy else draw(st.sampled_from([0, 0, 0, 1])),
        shared=draw(st.booleans()),
        seed=draw(st.integers(min_value=0, max_value=2**16)),
    )


def _decisions(frame: pd.DataFrame, run: dict | None = None) -> list[str]:
    report = evaluate(frame, CONFIG, run if run is not None else run_for(frame))
    return [s.decision for s in report.steps]


def with_graph_errors(frame: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    """The same run, but the graph failed on ``rows`` (after the same latency)."""
    out = frame.copy()
    legacy_failed = out.loc[rows, "legacy_error"].notna()
    out.loc[rows, "graph_error"] = "http_5xx"
    out.loc[rows, "graph_status"] = 500
    out.loc[rows, "outcome"] = np.where(legacy_failed, "both_error", "graph_error")
    out.loc[rows, ["verdict", "mismatches", "noise"]] = None
    return out


@SETTINGS
@given(st.one_of(frames(healthy=True), frames()), st.floats(min_value=0.01, max_value=1.0),
       st.integers(0, 2**16))
def test_adding_graph_errors_never_improves_a_decision(
    frame: pd.DataFrame, share: float, seed: int
) -> None:
    # A mismatched pair that becomes an error loses its mismatch, which is two changes at
    # once; the property is about errors alone, so only pairs without a mismatch fail.
    eligible = frame.index[frame["graph_error"].isna() & frame["verdict"].ne("mismatch")]
    if len(eligible) == 0:
        return
    rng = np.random.default_rng(seed)
    chosen = rng.choice(eligible, size=max(1, int(len(eligible) * share)), replace=False)
    before = _decisions(frame)
    after = _decisions(with_graph_errors(frame, chosen))
    for was, now in zip(before, after, strict=True):
        assert SEVERITY[now] >= SEVERITY[was], (was, now)


def with_equal_pairs(frame: pd.DataFrame, latencies_ms: np.ndarray) -> pd.DataFrame:
    """``frame`` plus pairs where the graph answered exactly as legacy did, as fast."""
    start = len(frame)
    extra = make_frame(len(latencies_ms), legacy_error=0, graph_error=0, seed=0)
    extra["id"] = [f"eq{i:06d}" for i in range(len(latencies_ms))]
    extra["seq"] = np.arange(start, start + len(latencies_ms))
    extra["legacy_latency_ms"] = latencies_ms
    extra["graph_latency_ms"] = latencies_ms
    return pd.concat([frame, extra], ignore_index=True)


@SETTINGS
@given(st.one_of(frames(min_n=250, healthy=True), frames(min_n=250)),
       st.integers(min_value=1, max_value=400),
       st.integers(0, 2**16))
def test_adding_legacy_equal_pairs_never_turns_advance_into_rollback(
    frame: pd.DataFrame, extra: int, seed: int
) -> None:
    # Equal pairs within the plan's tightest SLA (2.5 s): no evidence of any regression.
    latencies = np.random.default_rng(seed).uniform(1, 2500, extra)
    before = _decisions(frame)
    grown = with_equal_pairs(frame, latencies)
    after = _decisions(grown)
    for was, now in zip(before, after, strict=True):
        if was == "ADVANCE":
            assert now != "ROLLBACK"


@SETTINGS
@given(frames(max_n=400), st.integers(min_value=0, max_value=200))
def test_fewer_requests_than_the_minimum_never_advance(frame: pd.DataFrame,
                                                       invalid_lines: int) -> None:
    # Skipped invalid lines are rows, but not evidence: they never count toward a minimum.
    skipped = pd.DataFrame([skipped_row(len(frame) + i, f"rec.jsonl:{i}",
                                        f"rec.jsonl:{i}: not valid JSON")
                            for i in range(invalid_lines)])
    rows = pd.concat([frame, skipped], ignore_index=True) if invalid_lines else frame
    report = evaluate(rows, CONFIG, run_for(rows))
    for step, judged in zip(CONFIG.schedule.steps, report.steps, strict=True):
        if len(frame) < step.min_requests:
            assert judged.decision != "ADVANCE"
            assert judged.check("sample_size").verdict == "fail"


CORRUPTIONS = ["duplicate_id", "nan_latency", "unfinished", "interrupted", "unpaired",
               "rows_missing"]


def corrupt(frame: pd.DataFrame, how: str, at: int) -> tuple[pd.DataFrame, dict]:
    frame = frame.copy()
    run = run_for(frame)
    row = at % len(frame)
    if how == "duplicate_id":
        frame.loc[row, "id"] = frame.loc[(row + 1) % len(frame), "id"]
    elif how == "nan_latency":
        frame.loc[row, "legacy_latency_ms" if at % 2 else "graph_latency_ms"] = np.nan
    elif how == "unfinished":
        run["finished"] = False
    elif how == "interrupted":
        frame.loc[row, ["outcome", "reason"]] = ["skipped", "interrupted"]
    elif how == "unpaired":
        failed = pd.notna(frame.loc[row, "graph_error"])
        frame.loc[row, "graph_error"] = None if failed else "timeout"
    elif how == "rows_missing":
        run["requests"]["total"] = len(frame) + 1 + at % 50
    return frame, run


@SETTINGS
@given(frames(min_n=2), st.sampled_from(CORRUPTIONS), st.integers(min_value=0))
def test_invalid_evidence_always_gives_invalid(frame: pd.DataFrame, how: str, at: int) -> None:
    if how == "duplicate_id" and len(frame) < 2:
        return
    broken, run = corrupt(frame, how, at)
    assert set(_decisions(broken, run)) == {"INVALID"}
