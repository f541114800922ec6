"""`compare RUN_A RUN_B`: latency shifts, rate changes, new and fixed signatures, decisions."""

from __future__ import annotations

import orjson
import pytest
from run_dirs import PLANTED, gate_dict

from harness.report import ComparisonReport, compare_runs, comparison_text, render_comparison

FORMAT, STATUS, SEMANTIC = PLANTED


@pytest.fixture(scope="module")
def comparison(tmp_path_factory: pytest.TempPathFactory) -> ComparisonReport:
    from run_dirs import build_run_dir

    base = tmp_path_factory.mktemp("compare")
    # One seed: the same rows carry a planted mismatch in both runs, only its class differs.
    run_a = build_run_dir(base / "run-a", n=600, planted=(STATUS, SEMANTIC), seed=1,
                          gate=gate_dict(decisions=("ADVANCE",)))
    run_b = build_run_dir(base / "run-b", n=600, planted=(FORMAT, SEMANTIC), seed=1,
                          graph_scale=3100.0,
                          gate=gate_dict(decisions=("ADVANCE", "ROLLBACK")))
    return compare_runs(run_a, run_b)


def test_latency_shift_per_side_and_endpoint(comparison: ComparisonReport) -> None:
    overall = {(s.side, s.stat): s for s in comparison.latency if s.scope == "overall"}
    assert overall["graph", "mean"].ratio == pytest.approx(3100 / 2200, rel=0.05)
    assert overall["graph", "mean"].delta > 700
    assert abs(overall["legacy", "mean"].delta) < 100
    scopes = {s.scope for s in comparison.latency}
    assert {"overall", "workflow", "search", "config_extraction", "health"} <= scopes
    assert len(comparison.latency) == len(scopes) * 2 * 4


def test_new_fixed_and_persisting_signatures(comparison: ComparisonReport) -> None:
    assert {s.kind for s in comparison.new_signatures} == {"number_spelling"}
    assert {s.kind for s in comparison.fixed_signatures} == {"status"}
    assert {s.kind for s in comparison.persisting_signatures} == {"value_changed"}
    assert all(s.pairs_before == 0 < s.pairs_after for s in comparison.new_signatures)
    assert all(s.pairs_after == 0 < s.pairs_before for s in comparison.fixed_signatures)


def test_decision_changes_per_step(comparison: ComparisonReport) -> None:
    changed = [d for d in comparison.decisions if d.changed]
    assert [d.step for d in changed] == ["day-9", "day-11", "day-13"]
    assert all((d.before, d.after) == ("ADVANCE", "ROLLBACK") for d in changed)


def test_rates_include_errors_and_parity(comparison: ComparisonReport) -> None:
    whats = {(r.scope, r.what) for r in comparison.rates}
    assert {("overall", "legacy.error_rate"), ("overall", "graph.error_rate"),
            ("overall", "parity.rate")} <= whats
    for rate in comparison.rates:
        if rate.before is not None and rate.after is not None:
            assert rate.delta == pytest.approx(rate.after - rate.before)


def test_to_dict_is_json_with_every_part(comparison: ComparisonReport) -> None:
    data = orjson.loads(orjson.dumps(comparison.to_dict()))
    assert data["run_a"] == "run-a" and data["run_b"] == "run-b"
    assert set(data["signatures"]) == {"new", "fixed", "persisting"}
    assert {"delta", "ratio"} <= set(data["latency_ms"][0])
    assert any(d["changed"] for d in data["decisions"])


def test_text_rendering_names_what_changed(comparison: ComparisonReport) -> None:
    text = comparison_text(comparison)
    assert "New mismatch signatures in B (" in text
    assert "Fixed since A (" in text
    assert "number_spelling" in text and "ROLLBACK" in text
    assert render_comparison(comparison) is not None


def test_a_run_compared_with_itself_changes_nothing(make_run_dir) -> None:
    run = make_run_dir(n=300)
    same = compare_runs(run, run)
    assert same.new_signatures == () and same.fixed_signatures == ()
    assert not any(d.changed for d in same.decisions)
    assert all(s.delta in (0, None) for s in same.latency)
