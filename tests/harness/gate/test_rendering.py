"""render_gate: the table and the lines an engineer reads."""

from __future__ import annotations

import io

from gate_frames import make_frame, run_for
from rich.console import Console

from harness.config import parse_config
from harness.gate import evaluate, render_gate


def _text(report) -> str:
    out = io.StringIO()
    Console(file=out, width=200, color_system=None).print(render_gate(report))
    return out.getvalue()


def test_every_step_shows_its_checks_decision_and_what_would_settle_a_hold() -> None:
    frame = make_frame(2000, seed=30)
    text = _text(evaluate(frame, parse_config({}), run_for(frame)))
    for header in ("check", "legacy", "graph", "effect [low, high]", "limit", "verdict",
                   "alpha up/low"):
        assert header in text
    assert "day-8  10 % graph, phase 1  ADVANCE" in text
    assert "day-12  90 % graph, phase 2  HOLD" in text
    assert "needs about 3000 more requests" in text
    assert "Highest step that may go ahead: day-11" in text
    assert "3.2" in text and "2.2" in text  # the sides' means, in seconds


def test_rollback_shows_the_first_reason_and_the_top_signatures() -> None:
    config = parse_config({"parity": {"critical": ["search_results.results[*].score"]}})
    frame = make_frame(1000, critical=3, mismatch=0.02, seed=31)
    report = evaluate(frame, config, run_for(frame), step="day-8")
    text = _text(report)
    assert "ROLLBACK  critical: 3 pairs differ on a critical path" in text
    assert "Top mismatch signatures:" in text
    assert "search_results.results[*].title (value_changed)" in text
    assert "Highest step" not in text  # one step asked, one step answered


def test_invalid_shows_why() -> None:
    frame = make_frame(200, seed=32)
    text = _text(evaluate(frame, parse_config({}), run_for(frame, finished=False)))
    assert "INVALID  evidence: run.json: finished is false" in text
