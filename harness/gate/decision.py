"""Decision: a step's checks to ADVANCE, HOLD, ROLLBACK or INVALID, with the reasons.

The worst check wins; nothing is averaged, so one bad metric cannot hide behind good ones.

Alphas. A false ROLLBACK needs only one wrongly failed check, so the checks' "clearly over the
limit" tests form a Holm family at the configured alpha. A false ADVANCE needs every claim to
pass wrongly at once, which is an intersection-union test: each claim at alpha already keeps
that error under alpha (Berger 1982), so claims are tested at alpha unless
``gate.advance_correction = "holm"`` asks for the conservative split. Each check reports the
alpha of its upper bound (``alpha``) and the Holm alpha of its lower bound
(``alpha_rollback``).

Waiting is never evidence: a HOLD says how many more requests would settle it, and only new
requests (new results) can change the decision.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from harness._types import DecisionName
from harness.gate.check import Check, CheckVerdict, Measurement, Role, format_value
from harness.stats import holm

SEVERITY: dict[DecisionName, int] = {"ADVANCE": 0, "HOLD": 1, "ROLLBACK": 2, "INVALID": 3}
EXIT_CODES: dict[DecisionName, int] = {"ADVANCE": 0, "HOLD": 2, "ROLLBACK": 3, "INVALID": 4}


def worst(decisions: Iterable[DecisionName]) -> DecisionName:
    return max(decisions, key=SEVERITY.__getitem__, default="ADVANCE")


def judge(items: Sequence[Check | Measurement], alpha: float,
          advance_correction: str = "none") -> list[Check]:
    """Turn Measurements into Checks: Holm over their "over the limit" tests, the claims'
    "under the limit" tests at alpha (or Holm too), and the bounds at those alphas."""
    measured = [m for m in items if isinstance(m, Measurement)]
    rollback = dict(zip(map(id, measured), holm([m.p_harm for m in measured], alpha),
                        strict=True))
    claims = [m for m in measured if m.role is Role.CLAIM]
    if advance_correction == "holm":
        advance = dict(zip(map(id, claims), holm([m.p_safe for m in claims], alpha),
                           strict=True))
    else:
        advance = {}
    checks = []
    for item in items:
        if isinstance(item, Check):
            checks.append(item)
            continue
        harm = rollback[id(item)]
        claim_step = advance.get(id(item))
        claim_alpha = claim_step.alpha if claim_step else alpha
        shown = claim_step.rejected if claim_step else item.p_safe <= alpha
        if harm.rejected and item.practical:
            verdict = CheckVerdict.FAIL
        elif item.role is Role.GUARD or shown:
            verdict = CheckVerdict.PASS
        else:
            verdict = CheckVerdict.INCONCLUSIVE
        low, high = item.lower(harm.alpha), item.upper(claim_alpha)
        needs = None
        if verdict is CheckVerdict.INCONCLUSIVE and item.needs is not None:
            total = item.needs(claim_alpha)
            needs = None if total is None else max(1, total - _pairs(items))
        checks.append(Check(
            item.name, item.title, verdict, item.role, item.on_fail,
            _detail(item, verdict, low, high), item.unit, observed=item.estimate,
            limit=item.limit, legacy=item.legacy, graph=item.graph, low=low, high=high,
            alpha=claim_alpha, alpha_rollback=harm.alpha, p_value=harm.p_value,
            needs_requests=needs, method=item.detail,
        ))
    return checks


def _pairs(items: Sequence[Check | Measurement]) -> int:
    for item in items:
        if isinstance(item, Check) and item.name == "sample_size" and item.observed is not None:
            return int(item.observed)
    return 0


def _detail(item: Measurement, verdict: CheckVerdict, low: float, high: float) -> str:
    fmt = item.unit
    est, lim = format_value(item.estimate, fmt), format_value(item.limit, fmt)
    if verdict is CheckVerdict.FAIL:
        return f"{est} is clearly over {lim} (lower bound {format_value(low, fmt)})"
    if verdict is CheckVerdict.PASS and item.role is Role.CLAIM:
        return f"{est}, upper bound {format_value(high, fmt)} under {lim}"
    if verdict is CheckVerdict.PASS:
        return f"{est}, not clearly over {lim} (lower bound {format_value(low, fmt)})"
    return f"{est} could still be over {lim} (upper bound {format_value(high, fmt)})"


def decide(checks: Sequence[Check]) -> tuple[DecisionName, list[str], int | None]:
    """The step's decision, its reasons (worst first) and, for HOLD, about how many more
    requests would settle it (None when more requests alone cannot)."""
    blocking = [c for c in checks if c.decision is not None]
    decision = worst(c.decision for c in blocking)  # type: ignore[misc]
    ordered = sorted(blocking, key=_precedence)
    reasons = [_reason(c) for c in ordered]
    needs: int | None = None
    if decision == "HOLD":
        holds = [c for c in blocking if c.decision == "HOLD"]
        stuck = [c for c in holds if c.verdict is CheckVerdict.FAIL and c.name != "sample_size"]
        unknown = [c for c in holds if c not in stuck and c.needs_requests is None]
        if stuck or unknown:
            names = ", ".join(c.name for c in stuck + unknown)
            reasons.append(f"more requests alone will not settle {names}")
        else:
            needs = max(c.needs_requests or 0 for c in holds)
            reasons.append(f"needs about {needs} more requests")
    return decision, reasons, needs


def _precedence(check: Check) -> tuple[int, int]:
    """Worst decision first; within one, a plain fact (a critical-path mismatch, a short
    sample) before the plan's triggers, and those before the other statistical findings."""
    rank = 0 if check.alpha_rollback is None else 1 if check.name.startswith("trigger") else 2
    return -SEVERITY[check.decision], rank  # type: ignore[index]


def _reason(check: Check) -> str:
    return f"{check.name}: {check.detail}"


def exit_code(report: object, step: str | None = None) -> int:
    """DESIGN.md's codes: with a step, that step's decision (0, 2, 3, 4); without one, 3 or 4
    when any step is ROLLBACK or INVALID (the worse of them), else 0."""
    steps = getattr(report, "steps", report)
    decisions: list[DecisionName] = [s.decision for s in steps]  # type: ignore[attr-defined]
    if step is not None:
        for s in steps:  # type: ignore[attr-defined]
            if s.name == step:
                return EXIT_CODES[s.decision]
        raise KeyError(f"no step named {step!r} in this gate report")
    bad = [d for d in decisions if d in ("ROLLBACK", "INVALID")]
    return EXIT_CODES[worst(bad)] if bad else 0
