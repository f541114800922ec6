"""evaluate(): the plan's demo run, step selection, gate.json's shape, exit codes."""

from __future__ import annotations

import json

import pytest
from gate_frames import make_frame, run_for

from harness.config import HarnessConfig
from harness.gate import EXIT_CODES, GateReport, evaluate, exit_code

CONFIG = HarnessConfig()


@pytest.fixture(scope="module")
def demo_report() -> GateReport:
    # The plan's headline: legacy 3.2 s with 2 % errors, graph 2.2 s with 0.3 %, full parity.
    frame = make_frame(2000, legacy_mean_ms=3200, graph_mean_ms=2200, legacy_error=0.02,
                       graph_error=0.003, seed=1)
    return evaluate(frame, CONFIG, run_for(frame))


def test_demo_run_advances_early_steps_and_holds_the_ones_needing_more(
    demo_report: GateReport,
) -> None:
    decisions = {s.name: s.decision for s in demo_report.steps}
    assert decisions == {"day-8": "ADVANCE", "day-9": "ADVANCE", "day-10": "ADVANCE",
                         "day-11": "ADVANCE", "day-12": "HOLD", "day-13": "HOLD"}
    assert demo_report.highest_advancing_step == "day-11"
    assert demo_report.step("day-12").needs_more_requests == 3000
    assert demo_report.step("day-13").needs_more_requests == 8000
    assert demo_report.step("day-12").reasons[0].startswith("sample_size")
    assert exit_code(demo_report) == 0


def test_gate_json_has_the_design_keys(demo_report: GateReport) -> None:
    data = json.loads(json.dumps(demo_report.to_dict(), allow_nan=False))
    assert data["highest_advancing_step"] == "day-11"
    assert "decision" not in data and data["exit_code"] == 0
    step = data["steps"][0]
    assert {"name", "graph_percentage", "decision", "checks", "reasons"} <= step.keys()
    assert "needs_more_requests" not in step  # only where HOLD
    assert data["steps"][4]["needs_more_requests"] == 3000
    for check in step["checks"]:
        assert {"name", "observed", "limit", "verdict", "detail", "legacy", "graph", "effect",
                "alpha", "alpha_rollback"} <= check.keys()
    errors = next(c for c in step["checks"] if c["name"] == "errors")
    assert errors["effect"]["low"] <= errors["observed"] <= errors["effect"]["high"]
    assert errors["alpha"] == 0.05
    assert 0 < errors["alpha_rollback"] < 0.05  # a Holm share, not the family's alpha


def test_holm_alphas_of_a_step_are_the_step_down_sequence(demo_report: GateReport) -> None:
    step = demo_report.step("day-8")
    alphas = sorted(c.alpha_rollback for c in step.checks if c.alpha_rollback is not None)
    m = len(alphas)
    assert alphas == pytest.approx([0.05 / (m - i) for i in range(m)])


def test_one_step_carries_its_decision_and_exit_code() -> None:
    frame = make_frame(150, seed=2)
    report = evaluate(frame, CONFIG, run_for(frame), step="day-9")
    assert [s.name for s in report.steps] == ["day-9"]
    assert report.decision == "HOLD"
    data = report.to_dict()
    assert data["decision"] == "HOLD" and data["exit_code"] == EXIT_CODES["HOLD"] == 2
    assert exit_code(report, "day-9") == 2


def test_unknown_step_is_a_clear_error() -> None:
    frame = make_frame(10)
    with pytest.raises(KeyError, match="day-99"):
        evaluate(frame, CONFIG, step="day-99")


def test_exit_code_without_a_step_is_the_worst_of_rollback_and_invalid() -> None:
    frame = make_frame(400, graph_mean_ms=4500, seed=3)  # 40 % slower than legacy
    report = evaluate(frame, CONFIG, run_for(frame))
    assert any(s.decision == "ROLLBACK" for s in report.steps)
    assert exit_code(report) == 3
    assert report.highest_advancing_step is None
    invalid = evaluate(frame, CONFIG, run_for(frame, finished=False))
    assert exit_code(invalid) == 4


def test_same_results_same_decisions() -> None:
    frame = make_frame(600, graph_mean_ms=3400, sigma=0.6, seed=4)
    first = evaluate(frame, CONFIG, run_for(frame)).to_dict()
    second = evaluate(frame, CONFIG, run_for(frame)).to_dict()
    assert first == second


def test_empty_results_hold_without_crashing() -> None:
    frame = make_frame(0)
    report = evaluate(frame, CONFIG, run_for(frame))
    assert {s.decision for s in report.steps} == {"HOLD"}
    assert report.step("day-8").needs_more_requests == 268


def test_the_shipped_harness_toml_is_the_plan_the_gate_was_designed_for() -> None:
    from pathlib import Path

    from harness.config import load_config

    shipped = load_config(Path(__file__).parents[3] / "harness.toml")
    assert shipped.schedule == CONFIG.schedule
    assert shipped.rollback == CONFIG.rollback
