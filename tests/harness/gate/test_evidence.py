"""Evidence: broken evidence is INVALID for every step; skipped invalid lines are only noted;
timeouts are errors with the timeout as latency, never dropped."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from gate_frames import make_frame, run_for

from harness.config import HarnessConfig
from harness.gate import evaluate
from harness.gate.evidence import collect
from harness.results import skipped_row

CONFIG = HarnessConfig()


def _all_invalid(frame: pd.DataFrame, run: dict | None) -> list[str]:
    report = evaluate(frame, CONFIG, run)
    assert {s.decision for s in report.steps} == {"INVALID"}
    return list(report.steps[0].reasons)


def test_unfinished_run_is_invalid() -> None:
    frame = make_frame(300)
    reasons = _all_invalid(frame, run_for(frame, finished=False))
    assert "finished is false" in reasons[0]


def test_duplicate_ids_are_invalid() -> None:
    frame = make_frame(300)
    frame.loc[5, "id"] = frame.loc[4, "id"]
    assert "appear more than once" in _all_invalid(frame, run_for(frame))[0]


def test_nan_latency_is_invalid_and_names_the_side() -> None:
    frame = make_frame(300)
    frame.loc[7, "graph_latency_ms"] = np.nan
    reason = _all_invalid(frame, run_for(frame))[0]
    assert "graph: 1 pair without a latency" in reason and "r000007" in reason


def test_interrupted_skips_are_invalid() -> None:
    frame = make_frame(300)
    extra = pd.DataFrame([skipped_row(300, "late", "interrupted")])
    frame = pd.concat([frame, extra], ignore_index=True)
    assert "interrupted" in _all_invalid(frame, run_for(frame))[0]


def test_unpaired_rows_are_invalid() -> None:
    frame = make_frame(300)
    compared = frame.index[frame["outcome"] == "compared"][0]
    frame.loc[compared, "graph_error"] = "timeout"  # says compared, but the graph failed
    assert "contradicts" in _all_invalid(frame, run_for(frame))[0]


def test_rows_missing_from_the_run_are_invalid() -> None:
    frame = make_frame(300)
    run = run_for(frame)
    run["requests"] = {"rows": 320}
    assert "320 requests" in _all_invalid(frame, run)[0]


def test_missing_columns_are_invalid_not_a_crash() -> None:
    frame = make_frame(50).drop(columns=["verdict"])
    assert "lack the columns verdict" in _all_invalid(frame, None)[0]


def test_invalid_recording_lines_are_noted_not_invalid() -> None:
    frame = make_frame(300, seed=5)
    bad = pd.DataFrame([skipped_row(300, "rec.jsonl:9", "rec.jsonl:9: not valid JSON")])
    frame = pd.concat([frame, bad], ignore_index=True)
    report = evaluate(frame, CONFIG, run_for(frame))
    assert "INVALID" not in {s.decision for s in report.steps}
    assert report.pairs == 300 and report.rows == 301
    assert any("skipped as invalid" in note for note in report.notes)


def test_timeouts_are_errors_with_the_timeout_as_latency() -> None:
    frame = make_frame(300, legacy_error=0, graph_error=0, seed=6)
    rows = frame.index[:30]
    frame.loc[rows, ["graph_error", "outcome", "verdict", "mismatches"]] = [
        "timeout", "graph_error", None, None]
    frame.loc[rows, "graph_latency_ms"] = np.nan  # a replay that forgot the latency
    evidence = collect(frame, CONFIG, run_for(frame, timeout_s=10))
    assert evidence.valid
    assert evidence.graph_failed.sum() == 30
    assert np.all(evidence.graph_ms[:30] == 10_000)
    assert any("counted at the 10 s timeout" in n for n in evidence.notes)
    # Without a known timeout, the gap stays a gap: INVALID rather than a guessed latency.
    assert not collect(frame, CONFIG, None).valid


@pytest.mark.parametrize("outcome", ["weird"])
def test_unknown_outcome_is_invalid(outcome: str) -> None:
    frame = make_frame(100)
    frame.loc[3, "outcome"] = outcome
    assert "unknown outcomes" in _all_invalid(frame, run_for(frame))[0]
