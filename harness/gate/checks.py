"""The checks of one schedule step, from the shared Evidence.

Facts (evidence, sample size, critical paths) are plain Checks; statistical checks are
Measurements that :mod:`harness.gate.decision` turns into Checks once Holm has given each its
alpha. Which check may do what is the gate's policy, written down here in one place:

========================  =====  =========  ===============================================
check                     role   on fail    source
========================  =====  =========  ===============================================
evidence                  fact   INVALID    pairing, ids, NaN latencies, an unfinished run
sample_size               claim  HOLD       the step's minimum and the statistical minima
errors                    claim  HOLD       Wilson bound of the graph error rate vs the step
trigger_errors            guard  ROLLBACK   the phase's error trigger (phase 1: 5 %)
error_increase            guard  ROLLBACK   exact McNemar on discordant pairs, plus a margin
sla_mean                  claim  HOLD/RB    bootstrap bound of the graph mean vs the step SLA
trigger_mean              guard  ROLLBACK   the phase's mean trigger (3.5 s, 3.0 s)
slowdown                  claim  ROLLBACK   median of log(graph/legacy) per pair vs 1.2
p95_ratio, p99_ratio      guard  ROLLBACK   paired bootstrap of the quantile ratio
parity                    claim  ROLLBACK   Wilson bound of the mismatch rate vs the step
critical                  fact   ROLLBACK   any mismatch on a critical path
========================  =====  =========  ===============================================

A missed SLA holds the step in phases 1 and 2 (the plan's controller "maintains the current
level") and rolls back in phase 3 (the plan's "any SLA violation").
"""

from __future__ import annotations

import math

import numpy as np

from harness.config import GateSettings, PhaseTrigger, Step
from harness.gate.check import Check, CheckVerdict, Measurement, Role, Unit
from harness.gate.evidence import Evidence, mean_s
from harness.stats import (
    draws_p,
    mcnemar_exact,
    median_bound,
    newcombe_paired_diff_ci,
    order_bound,
    order_statistic_n,
    rate_bound_n,
    scaled_n,
    score_test_p,
    sign_test_p,
    wilson_lower,
    wilson_upper,
    zero_failure_n,
)

Item = Check | Measurement


def _pct(value: float) -> str:
    return f"{value * 100:.3g} %"


def evidence_check(evidence: Evidence) -> Check:
    if evidence.problems:
        return Check("evidence", "evidence is complete", CheckVerdict.FAIL, Role.CLAIM,
                     "INVALID", "; ".join(evidence.problems), Unit.COUNT,
                     observed=len(evidence.problems), limit=0)
    detail = "; ".join(evidence.notes) or "every request paired once, every latency present"
    return Check("evidence", "evidence is complete", CheckVerdict.PASS, Role.CLAIM, "INVALID",
                 detail, Unit.COUNT, observed=0, limit=0)


def statistical_minimum(step: Step, alpha: float) -> list[tuple[int, str]]:
    """The least request counts below which some claim of this step could never pass."""
    needs = [(step.min_requests, "the step's minimum")]
    if 0 < step.max_error_rate < 1:
        needs.append((zero_failure_n(step.max_error_rate, alpha),
                      f"0 errors bounding the rate under {_pct(step.max_error_rate)}"))
    if 0 < step.max_mismatch_rate < 1:
        needs.append((zero_failure_n(step.max_mismatch_rate, alpha),
                      f"0 mismatches bounding the rate under {_pct(step.max_mismatch_rate)}"))
    needs.append((order_statistic_n(0.95), "a p95 at 95 %"))
    if step.min_requests >= order_statistic_n(0.99):
        needs.append((order_statistic_n(0.99), "a p99 at 95 %"))
    return needs


def sample_size_check(evidence: Evidence, step: Step, alpha: float) -> Check:
    needs = statistical_minimum(step, alpha)
    required, why = max(needs)
    have = evidence.pairs
    ok = have >= required
    detail = (f"{have} pairs; needs {required} ({why})" if not ok
              else f"{have} pairs >= {required} ({why})")
    return Check("sample_size", "enough requests", CheckVerdict.PASS if ok else CheckVerdict.FAIL,
                 Role.CLAIM, "HOLD", detail, Unit.COUNT, observed=have, limit=required,
                 needs_requests=None if ok else required - have)


def critical_check(evidence: Evidence, patterns: list[str]) -> Check:
    if not patterns:
        return Check("critical", "no mismatch on a critical path", CheckVerdict.NOT_APPLICABLE,
                     Role.GUARD, "ROLLBACK", "no critical paths configured (parity.critical)",
                     Unit.COUNT)
    hits = evidence.critical_rows
    if hits:
        shown = ", ".join(f"{path} x{count}" for path, count in evidence.critical_paths)
        return Check("critical", "no mismatch on a critical path", CheckVerdict.FAIL,
                     Role.GUARD, "ROLLBACK", f"{hits} pairs differ on a critical path: {shown}",
                     Unit.COUNT, observed=hits, limit=0, graph=hits)
    return Check("critical", "no mismatch on a critical path", CheckVerdict.PASS, Role.GUARD,
                 "ROLLBACK", f"0 of {evidence.compared} compared pairs touch "
                 f"{', '.join(patterns)}", Unit.COUNT, observed=0, limit=0, graph=0)


def _not_applicable(name: str, title: str, role: Role, on_fail: str, why: str,
                    unit: Unit) -> Check:
    return Check(name, title, CheckVerdict.NOT_APPLICABLE, role, on_fail, why, unit)  # type: ignore[arg-type]


def rate_measurement(name: str, title: str, failures: int, trials: int, limit: float,
                     role: Role, on_fail: str, detail: str, legacy: float | None = None,
                     scale: float = 1.0) -> Measurement:
    """A proportion against a limit with Wilson bounds and the score test they invert.
    ``scale`` converts the trials counted here into requests (parity counts compared pairs)."""
    rate = failures / trials

    def needs(alpha: float) -> int | None:
        n = rate_bound_n(rate, limit, alpha) if 0 < limit < 1 else None
        return None if n is None else math.ceil(n * scale)

    return Measurement(
        name, title, Unit.RATE, role, on_fail, rate, limit,  # type: ignore[arg-type]
        p_harm=score_test_p(failures, trials, limit, "greater"),
        p_safe=score_test_p(failures, trials, limit, "less"),
        lower=lambda a: wilson_lower(failures, trials, a),
        upper=lambda a: wilson_upper(failures, trials, a),
        legacy=legacy, graph=rate, needs=needs, detail=detail,
    )


def error_increase(evidence: Evidence, margin: float) -> Measurement:
    g, lf = evidence.graph_failed, evidence.legacy_failed
    both = int(np.count_nonzero(g & lf))
    graph_only = int(np.count_nonzero(g & ~lf))
    legacy_only = int(np.count_nonzero(~g & lf))
    neither = evidence.pairs - both - graph_only - legacy_only
    n = evidence.pairs
    diff = (graph_only - legacy_only) / n
    return Measurement(
        "error_increase", "graph errors no more often than legacy", Unit.DIFFERENCE,
        Role.GUARD, "ROLLBACK", diff, margin,
        p_harm=mcnemar_exact(graph_only, legacy_only, "greater"),
        p_safe=mcnemar_exact(graph_only, legacy_only, "less"),
        lower=lambda a: newcombe_paired_diff_ci(both, graph_only, legacy_only, neither,
                                                2 * a).low,
        upper=lambda a: newcombe_paired_diff_ci(both, graph_only, legacy_only, neither,
                                                2 * a).high,
        legacy=(both + legacy_only) / n,
        graph=(both + graph_only) / n, practical=diff > margin,
        detail=f"discordant pairs: {graph_only} graph-only vs {legacy_only} legacy-only errors "
               f"(exact McNemar); a regression needs significance and an increase over "
               f"{margin * 100:g} points",
    )


def mean_measurement(name: str, title: str, evidence: Evidence, limit_s: float, role: Role,
                     on_fail: str, detail: str) -> Measurement:
    draws = evidence.draws.graph_mean
    mean = mean_s(evidence.graph_ms)
    n = evidence.pairs

    def upper(alpha: float) -> float:
        return order_bound(draws, alpha, "upper") / 1000

    def needs(alpha: float) -> int | None:
        return scaled_n(n, upper(alpha) - mean, limit_s - mean) if mean < limit_s else None

    return Measurement(
        name, title, Unit.SECONDS, role, on_fail, mean, limit_s,  # type: ignore[arg-type]
        p_harm=draws_p(draws, limit_s * 1000, "greater"),
        p_safe=draws_p(draws, limit_s * 1000, "less"),
        lower=lambda a: order_bound(draws, a, "lower") / 1000, upper=upper,
        legacy=mean_s(evidence.legacy_ms), graph=mean, needs=needs, detail=detail,
    )


def slowdown(evidence: Evidence, limit: float) -> Measurement:
    x = evidence.log_ratios
    n = len(x)
    centre = float(np.median(x))
    log_limit = math.log(limit)

    def upper(alpha: float) -> float:
        return math.exp(median_bound(x, alpha, "upper"))

    def needs(alpha: float) -> int | None:
        if centre >= log_limit:
            return None
        return scaled_n(n, math.log(upper(alpha)) - centre, log_limit - centre)

    return Measurement(
        "slowdown", "typical pair no more than +20 % slower", Unit.RATIO, Role.CLAIM,
        "ROLLBACK", math.exp(centre), limit,
        p_harm=sign_test_p(x, log_limit, "greater"), p_safe=sign_test_p(x, log_limit, "less"),
        lower=lambda a: math.exp(median_bound(x, a, "lower")), upper=upper,
        legacy=float(np.median(evidence.legacy_ms)) / 1000,
        graph=float(np.median(evidence.graph_ms)) / 1000, needs=needs,
        detail="median of graph/legacy latency per pair, exact order-statistic bounds "
               "(sign test)",
    )


def tail_ratio(evidence: Evidence, q: float, limit: float) -> Item:
    name, title = f"p{q * 100:g}_ratio", f"graph p{q * 100:g} no worse than legacy's"
    least = order_statistic_n(q)
    if evidence.pairs < least:
        return _not_applicable(name, title, Role.GUARD, "ROLLBACK",
                               f"needs {least} pairs to bound a p{q * 100:g}", Unit.RATIO)
    legacy_q = float(np.quantile(evidence.legacy_ms, q))
    graph_q = float(np.quantile(evidence.graph_ms, q))
    draws = evidence.draws.ratios[q]
    if legacy_q <= 0 or len(draws) == 0:
        return _not_applicable(name, title, Role.GUARD, "ROLLBACK",
                               "legacy quantile is zero", Unit.RATIO)
    return Measurement(
        name, title, Unit.RATIO, Role.GUARD, "ROLLBACK", graph_q / legacy_q, limit,
        p_harm=draws_p(draws, limit, "greater"), p_safe=draws_p(draws, limit, "less"),
        lower=lambda a: order_bound(draws, a, "lower"),
        upper=lambda a: order_bound(draws, a, "upper"),
        legacy=legacy_q / 1000, graph=graph_q / 1000,
        detail=f"paired bootstrap, {len(draws)} resamples",
    )


def step_items(evidence: Evidence, step: Step, trigger: PhaseTrigger, gate: GateSettings,
               critical: list[str], claim_alpha: float) -> list[Item]:
    """Every check of ``step`` in report order; facts as Checks, statistics as Measurements."""
    items: list[Item] = [evidence_check(evidence)]
    if not evidence.valid:
        return items
    size = sample_size_check(evidence, step, claim_alpha)
    items.append(size)
    n = evidence.pairs
    sla_fail = "ROLLBACK" if trigger.sla_violation else "HOLD"
    if n == 0:
        for name, title, role, on_fail, unit in (
            ("errors", "graph error rate under the step limit", Role.CLAIM, "HOLD", Unit.RATE),
            ("sla_mean", "graph mean under the step SLA", Role.CLAIM, sla_fail, Unit.SECONDS),
            ("slowdown", "typical pair no more than +20 % slower", Role.CLAIM, "ROLLBACK",
             Unit.RATIO),
            ("parity", "mismatch rate under the step limit", Role.CLAIM, "ROLLBACK", Unit.RATE),
        ):
            items.append(Check(name, title, CheckVerdict.INCONCLUSIVE, role, on_fail,  # type: ignore[arg-type]
                               "no pairs to judge", unit, needs_requests=size.needs_requests))
        items.append(critical_check(evidence, critical))
        return items

    graph_errors = int(evidence.graph_failed.sum())
    legacy_rate = float(evidence.legacy_failed.mean())
    items.append(rate_measurement(
        "errors", "graph error rate under the step limit", graph_errors, n,
        step.max_error_rate, Role.CLAIM, "HOLD",
        f"{graph_errors} of {n} pairs failed on the graph (timeouts included)", legacy_rate))
    if trigger.max_error_rate is not None:
        items.append(rate_measurement(
            "trigger_errors", f"phase {step.phase} trigger: errors over "
            f"{_pct(trigger.max_error_rate)}", graph_errors, n, trigger.max_error_rate,
            Role.GUARD, "ROLLBACK", "rollback trigger of the plan, fires on a clear excess",
            legacy_rate))
    items.append(error_increase(evidence, gate.max_error_increase))
    sla_detail = ("phase 3: any clear SLA violation is a rollback" if trigger.sla_violation
                  else "a clear miss holds the step (the plan's controller)")
    items.append(mean_measurement("sla_mean", "graph mean under the step SLA", evidence,
                                  step.sla_s, Role.CLAIM, sla_fail,
                                  f"bootstrap bound of the mean; {sla_detail}"))
    if trigger.max_mean_s is not None:
        items.append(mean_measurement(
            "trigger_mean", f"phase {step.phase} trigger: mean over {trigger.max_mean_s:g} s",
            evidence, trigger.max_mean_s, Role.GUARD, "ROLLBACK",
            "rollback trigger of the plan, fires on a clear excess"))
    items.append(slowdown(evidence, gate.max_slowdown))
    for q in (0.95, 0.99):
        items.append(tail_ratio(evidence, q, gate.max_tail_slowdown))
    if evidence.compared:
        legacy_noise = (evidence.secondary_differed / evidence.secondary_judged
                        if evidence.secondary_judged else None)
        items.append(rate_measurement(
            "parity", "mismatch rate under the step limit", evidence.mismatched,
            evidence.compared, step.max_mismatch_rate, Role.CLAIM, "ROLLBACK",
            f"{evidence.mismatched} of {evidence.compared} compared pairs differ beyond "
            "learned noise", legacy_noise, scale=n / evidence.compared))
    else:
        items.append(Check("parity", "mismatch rate under the step limit",
                           CheckVerdict.INCONCLUSIVE, Role.CLAIM, "ROLLBACK",
                           "no pair was compared (every pair had an error)", Unit.RATE))
    items.append(critical_check(evidence, critical))
    return items
