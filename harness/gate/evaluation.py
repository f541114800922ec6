"""evaluate(): the gate as a pure function of a run's results (and its run.json and config).

Every schedule step is judged on the same evidence; the bootstrap is drawn once and shared, so
six steps over 10,000 pairs cost about one resampling pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from harness._types import DecisionName
from harness.config import HarnessConfig, Step
from harness.gate.check import Check
from harness.gate.checks import step_items
from harness.gate.decision import EXIT_CODES, decide, exit_code, judge
from harness.gate.evidence import Evidence, collect


@dataclass(frozen=True, slots=True)
class StepReport:
    name: str
    day: int
    phase: int
    graph_percentage: float
    decision: DecisionName
    checks: tuple[Check, ...]
    reasons: tuple[str, ...]
    needs_more_requests: int | None

    def check(self, name: str) -> Check:
        for check in self.checks:
            if check.name == name:
                return check
        raise KeyError(f"step {self.name} has no check {name!r}")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "day": self.day,
            "phase": self.phase,
            "graph_percentage": self.graph_percentage,
            "decision": self.decision,
            "exit_code": EXIT_CODES[self.decision],
            "checks": [c.to_dict() for c in self.checks],
            "reasons": list(self.reasons),
        }
        if self.decision == "HOLD":
            out["needs_more_requests"] = self.needs_more_requests
        return out


@dataclass(frozen=True, slots=True)
class GateReport:
    """Every judged step, in schedule order. ``requested`` names the one step that was asked
    for (``--step``), if any; ``highest_advancing_step`` is the last step of the unbroken run
    of ADVANCEs from the start of the schedule, since a rollout cannot skip a step."""

    steps: tuple[StepReport, ...]
    highest_advancing_step: str | None
    requested: str | None
    pairs: int
    rows: int
    alpha: float
    signatures: tuple[dict[str, Any], ...]
    notes: tuple[str, ...]

    def step(self, name: str) -> StepReport:
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(f"no step named {name!r} in this gate report")

    @property
    def decision(self) -> DecisionName | None:
        return self.step(self.requested).decision if self.requested else None

    @property
    def exit_code(self) -> int:
        return exit_code(self, self.requested)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "steps": [s.to_dict() for s in self.steps],
            "highest_advancing_step": self.highest_advancing_step,
            "requests": {"rows": self.rows, "pairs": self.pairs},
            "alpha": self.alpha,
            "mismatch_signatures": list(self.signatures),
            "notes": list(self.notes),
        }
        if self.requested:
            out["step"] = self.requested
            out["decision"] = self.decision
        out["exit_code"] = self.exit_code
        return out


def judge_step(evidence: Evidence, step: Step, config: HarnessConfig) -> StepReport:
    gate = config.gate
    items = step_items(evidence, step, config.rollback.for_phase(step.phase), gate,
                       list(config.parity.critical), _claim_alpha(config))
    checks = judge(items, gate.alpha, gate.advance_correction)
    decision, reasons, needs = decide(checks)
    return StepReport(step.name, step.day, step.phase, step.graph_percentage, decision,
                      tuple(checks), tuple(reasons), needs)


def _claim_alpha(config: HarnessConfig) -> float:
    """The alpha the statistical minima are worked out at: a claim's own under the
    intersection-union test, the smallest Holm share under the conservative split."""
    gate = config.gate
    if gate.advance_correction == "holm":
        claims = 4  # errors, sla_mean, slowdown, parity
        return gate.alpha / claims
    return gate.alpha


def evaluate(
    results: pd.DataFrame,
    config: HarnessConfig,
    run: dict[str, Any] | None = None,
    step: str | None = None,
) -> GateReport:
    """Judge every schedule step on ``results`` (read_results' frame) and ``run`` (run.json).

    With ``step``, the report carries only that step (and its decision and exit code), though
    ``highest_advancing_step`` still looks at the whole schedule. Raises KeyError for a step
    the schedule does not have; bad evidence is never an exception, it is INVALID.
    """
    if step is not None:
        config.schedule.step(step)
    evidence = collect(results, config, run)
    reports = [judge_step(evidence, s, config) for s in config.schedule.steps]
    highest = None
    for report in reports:
        if report.decision != "ADVANCE":
            break
        highest = report.name
    shown = tuple(r for r in reports if step is None or r.name == step)
    return GateReport(shown, highest, step, evidence.pairs, evidence.rows, config.gate.alpha,
                      evidence.signatures, evidence.notes)

