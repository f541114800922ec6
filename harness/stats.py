"""Statistics the gate and the parity engine rely on; each one pinned against scipy in tests.

Everything is two-sided at ``1 - alpha`` unless its name says "upper": the gate asks one-sided
questions ("is the error rate under the limit?") and uses the upper bound of a two-sided
interval at ``2 * alpha`` for them, so one ``alpha`` per check is what it reports.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.stats import norm


@dataclass(frozen=True, slots=True)
class Interval:
    """An estimate with its confidence interval; ``low <= estimate <= high`` always."""

    estimate: float
    low: float
    high: float
    confidence: float

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high

    def as_dict(self) -> dict[str, float]:
        return {"estimate": self.estimate, "low": self.low, "high": self.high,
                "confidence": self.confidence}


def _z(alpha: float) -> float:
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    return float(norm.ppf(1 - alpha / 2))


def _check_counts(successes: int, trials: int) -> None:
    if trials < 0 or successes < 0 or successes > trials:
        raise ValueError(f"need 0 <= successes <= trials, got {successes} of {trials}")


def wilson_interval(successes: int, trials: int, alpha: float = 0.05) -> Interval:
    """Wilson score interval of a proportion: unlike the Wald interval it is honest at 0 of n,
    which is exactly where a gate asks "how bad could the error rate still be?"."""
    _check_counts(successes, trials)
    if trials == 0:
        return Interval(math.nan, 0.0, 1.0, 1 - alpha)
    z = _z(alpha)
    p = successes / trials
    z2n = z * z / trials
    centre = (p + z2n / 2) / (1 + z2n)
    half = z * math.sqrt(p * (1 - p) / trials + z2n / (4 * trials)) / (1 + z2n)
    # Clamp the float noise at the edges so 0/n has low exactly 0 and n/n high exactly 1.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return Interval(p, min(low, p), max(high, p), 1 - alpha)


def newcombe_diff_ci(
    successes_a: int, trials_a: int, successes_b: int, trials_b: int, alpha: float = 0.05
) -> Interval:
    """CI of ``p_a - p_b`` for two independent proportions, Newcombe's hybrid score method
    (method 10 of Newcombe 1998) built from the two Wilson intervals; it keeps its coverage
    with zero counts, where the Wald difference collapses to a point."""
    _check_counts(successes_a, trials_a)
    _check_counts(successes_b, trials_b)
    if trials_a == 0 or trials_b == 0:
        return Interval(math.nan, -1.0, 1.0, 1 - alpha)
    a = wilson_interval(successes_a, trials_a, alpha)
    b = wilson_interval(successes_b, trials_b, alpha)
    diff = a.estimate - b.estimate
    low = diff - math.sqrt((a.estimate - a.low) ** 2 + (b.high - b.estimate) ** 2)
    high = diff + math.sqrt((a.high - a.estimate) ** 2 + (b.estimate - b.low) ** 2)
    return Interval(diff, max(-1.0, low), min(1.0, high), 1 - alpha)
