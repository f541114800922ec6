"""Check: one line of a step's verdict, and Measurement, what a statistical check measured
before the step's alphas are known.

Every statistical check is oriented "bigger is worse" (an error rate, a mean, a ratio), so it
is judged the same way: it *passes* when its upper bound at ``alpha`` is under the limit, it
*fails* when its lower bound at its Holm alpha is over the limit (a clear violation), and it is
*inconclusive* in between. A claim must pass for ADVANCE; a guard only ever fails.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from harness._types import DecisionName


class CheckVerdict(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    INCONCLUSIVE = "inconclusive"
    NOT_APPLICABLE = "n/a"


class Role(StrEnum):
    CLAIM = "claim"  # must be shown to hold for ADVANCE
    GUARD = "guard"  # only its clear violation matters


class Unit(StrEnum):
    SECONDS = "s"
    RATIO = "ratio"
    RATE = "rate"
    DIFFERENCE = "difference"  # of two rates
    COUNT = "count"


Bound = Callable[[float], float]


@dataclass(frozen=True, slots=True)
class Measurement:
    """A statistical check before Holm: the estimate, its limit, p-values for "over the limit"
    (``p_harm``) and "under it" (``p_safe``), and bounds at any alpha.

    ``lower(alpha) > limit`` exactly when ``p_harm <= alpha`` (and ``upper(alpha) < limit``
    exactly when ``p_safe <= alpha``): each statistic's bound and test invert each other, so a
    reported bound never contradicts its verdict. ``needs(alpha)`` is about how many pairs in
    total would make the upper bound pass at the observed effect (None: waiting cannot help).
    """

    name: str
    title: str
    unit: Unit
    role: Role
    on_fail: DecisionName
    estimate: float
    limit: float
    p_harm: float
    p_safe: float
    lower: Bound
    upper: Bound
    legacy: float | None = None
    graph: float | None = None
    needs: Callable[[float], int | None] | None = None
    practical: bool = True
    """A guard can also require its estimate itself to be beyond the limit (McNemar's
    significance alone would roll back a 0.1 point increase at 10,000 requests)."""
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Check:
    """One reported line: what was measured, against which limit, with which alphas, and how
    it came out. ``alpha`` is the level of the bound that can pass it (the upper one),
    ``alpha_rollback`` the Holm level of the bound that can fail it (the lower one)."""

    name: str
    title: str
    verdict: CheckVerdict
    role: Role
    on_fail: DecisionName
    detail: str
    unit: Unit = Unit.COUNT
    observed: float | None = None
    limit: float | None = None
    legacy: float | None = None
    graph: float | None = None
    low: float | None = None
    high: float | None = None
    alpha: float | None = None
    alpha_rollback: float | None = None
    p_value: float | None = None
    needs_requests: int | None = None
    method: str = ""
    """How it was measured; shown in full output, left out of one-line reasons."""

    @property
    def decision(self) -> DecisionName | None:
        """What this check alone asks of the step (None: nothing against ADVANCE)."""
        if self.verdict is CheckVerdict.FAIL:
            return self.on_fail
        if self.verdict is CheckVerdict.INCONCLUSIVE and self.role is Role.CLAIM:
            return "HOLD"
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "observed": _finite(self.observed),
            "limit": _finite(self.limit),
            "verdict": str(self.verdict),
            "detail": f"{self.detail}; {self.method}" if self.method else self.detail,
            "legacy": _finite(self.legacy),
            "graph": _finite(self.graph),
            "effect": {"estimate": _finite(self.observed), "low": _finite(self.low),
                       "high": _finite(self.high)},
            "alpha": self.alpha,
            "alpha_rollback": self.alpha_rollback,
            "p_value": _finite(self.p_value),
            "role": str(self.role),
            "on_fail": self.on_fail,
            "unit": str(self.unit),
            "needs_requests": self.needs_requests,
        }


def format_value(value: float | None, unit: Unit) -> str:
    """A value as people read it: seconds, percentages, ratios, counts; unbounded as "-"."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    if unit is Unit.SECONDS:
        return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"
    if unit is Unit.RATE:
        return f"{value * 100:.3g} %"
    if unit is Unit.DIFFERENCE:
        return f"{value * 100:+.3g} pt"
    if unit is Unit.RATIO:
        return f"{value:.3g}x"
    return f"{value:g}"


def _finite(value: float | None) -> float | None:
    """JSON has no infinities: an unbounded side is reported as null."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None
