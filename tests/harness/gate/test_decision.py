"""Decision rules: the worst check wins, exit codes, Holm over the rollback claims."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from harness.gate.check import Check, CheckVerdict, Measurement, Role, Unit
from harness.gate.decision import EXIT_CODES, decide, exit_code, judge, worst


@dataclass
class _Step:
    name: str
    decision: str


def _report(*decisions: str) -> list[_Step]:
    return [_Step(f"day-{8 + i}", d) for i, d in enumerate(decisions)]


@pytest.mark.parametrize(("decision", "code"), [("ADVANCE", 0), ("HOLD", 2), ("ROLLBACK", 3),
                                                ("INVALID", 4)])
def test_a_steps_exit_code_is_its_decision(decision: str, code: int) -> None:
    assert exit_code(_report("ADVANCE", decision), "day-9") == code == EXIT_CODES[decision]


@pytest.mark.parametrize(("decisions", "code"), [
    (("ADVANCE", "HOLD", "HOLD"), 0),
    (("ADVANCE", "ROLLBACK", "HOLD"), 3),
    (("INVALID", "ROLLBACK"), 4),
    (("ADVANCE",), 0),
])
def test_all_steps_exit_code(decisions: tuple[str, ...], code: int) -> None:
    assert exit_code(_report(*decisions)) == code


def test_unknown_step_exit_code_is_an_error() -> None:
    with pytest.raises(KeyError, match="day-42"):
        exit_code(_report("ADVANCE"), "day-42")


def test_worst_wins() -> None:
    assert worst(["ADVANCE", "HOLD", "ROLLBACK", "HOLD"]) == "ROLLBACK"
    assert worst([]) == "ADVANCE"


def _measure(name: str, p_harm: float, p_safe: float, role: Role = Role.CLAIM,
             practical: bool = True) -> Measurement:
    return Measurement(name, name, Unit.RATE, role, "ROLLBACK", 0.1, 0.2, p_harm, p_safe,
                       lower=lambda a: 0.05, upper=lambda a: 0.3, practical=practical,
                       needs=lambda a: 500)


def _fact(verdict: CheckVerdict, on_fail: str = "HOLD", needs: int | None = None) -> Check:
    return Check("sample_size", "enough", verdict, Role.CLAIM, on_fail, "n", Unit.COUNT,  # type: ignore[arg-type]
                 observed=100, needs_requests=needs)


def test_holm_decides_which_clear_violations_count() -> None:
    # 0.004 <= 0.05/3 is a clear violation; 0.03 > 0.05/2 stops the step-down there.
    checks = judge([_fact(CheckVerdict.PASS), _measure("a", 0.004, 0.9),
                    _measure("b", 0.03, 0.9), _measure("c", 0.5, 0.01)], alpha=0.05)
    by_name = {c.name: c for c in checks}
    assert by_name["a"].verdict is CheckVerdict.FAIL
    assert by_name["a"].alpha_rollback == pytest.approx(0.05 / 3)
    assert by_name["b"].verdict is CheckVerdict.INCONCLUSIVE
    assert by_name["b"].alpha_rollback == pytest.approx(0.05 / 2)
    assert by_name["c"].verdict is CheckVerdict.PASS
    assert by_name["c"].alpha == 0.05
    decision, reasons, _ = decide(checks)
    assert decision == "ROLLBACK" and reasons[0].startswith("a:")


def test_a_significant_guard_without_practical_size_passes() -> None:
    checks = judge([_measure("g", 1e-9, 0.9, Role.GUARD, practical=False)], alpha=0.05)
    assert checks[0].verdict is CheckVerdict.PASS


def test_hold_estimates_more_requests_only_when_waiting_can_settle_it() -> None:
    inconclusive = judge([_fact(CheckVerdict.PASS), _measure("e", 0.5, 0.2)], alpha=0.05)
    decision, reasons, needs = decide(inconclusive)
    assert decision == "HOLD" and needs == 400 and reasons[-1] == "needs about 400 more requests"
    stuck = [*inconclusive, Check("sla_mean", "sla", CheckVerdict.FAIL, Role.CLAIM, "HOLD",
                                  "clearly over", Unit.SECONDS)]
    decision, reasons, needs = decide(stuck)
    assert decision == "HOLD" and needs is None
    assert "will not settle sla_mean" in reasons[-1]


def test_advance_when_every_claim_passes() -> None:
    checks = judge([_fact(CheckVerdict.PASS), _measure("e", 0.9, 0.001)], alpha=0.05)
    assert decide(checks) == ("ADVANCE", [], None)
