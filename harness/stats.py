"""Statistics the gate and the parity engine rely on; each one pinned against scipy in tests.

Everything is two-sided at ``1 - alpha`` unless its name says "upper": the gate asks one-sided
questions ("is the error rate under the limit?") and uses the upper bound of a two-sided
interval at ``2 * alpha`` for them, so one ``alpha`` per check is what it reports.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import bdtrc, ndtr, ndtri


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
    return float(ndtri(1 - alpha / 2))


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


def wilson_upper(successes: int, trials: int, alpha: float = 0.05) -> float:
    """One-sided ``1 - alpha`` upper bound: the upper end of the two-sided ``1 - 2 alpha``."""
    return wilson_interval(successes, trials, 2 * alpha).high


def wilson_lower(successes: int, trials: int, alpha: float = 0.05) -> float:
    return wilson_interval(successes, trials, 2 * alpha).low


def score_test_p(successes: int, trials: int, rate: float, alternative: str) -> float:
    """p-value of the score test of ``p == rate`` (the test the Wilson interval inverts, so
    ``p <= alpha`` exactly when the one-sided Wilson bound at ``alpha`` excludes ``rate``).

    ``alternative="greater"``: evidence that the true proportion is above ``rate``.
    """
    _check_counts(successes, trials)
    if trials == 0:
        return 1.0
    if not 0 < rate < 1:
        # A limit of 0 or 1 cannot be beaten or exceeded by a bound; only the counts speak.
        above = successes > 0 if rate <= 0 else False
        below = successes < trials if rate >= 1 else False
        return 0.0 if (above if alternative == "greater" else below) else 1.0
    z = (successes / trials - rate) / math.sqrt(rate * (1 - rate) / trials)
    if alternative == "greater":
        return float(ndtr(-z))
    if alternative == "less":
        return float(ndtr(z))
    raise ValueError(f"alternative must be 'greater' or 'less', got {alternative!r}")


def newcombe_paired_diff_ci(
    both: int, only_a: int, only_b: int, neither: int, alpha: float = 0.05
) -> Interval:
    """CI of ``p_a - p_b`` for paired proportions (Newcombe 1998, method 10): the two Wilson
    intervals combined with the phi correlation of the 2x2 table, so that pairs which agree
    narrow the interval as they should."""
    for count in (both, only_a, only_b, neither):
        if count < 0:
            raise ValueError(f"counts must be >= 0, got {(both, only_a, only_b, neither)}")
    n = both + only_a + only_b + neither
    if n == 0:
        return Interval(math.nan, -1.0, 1.0, 1 - alpha)
    a = wilson_interval(both + only_a, n, alpha)
    b = wilson_interval(both + only_b, n, alpha)
    margins = (both + only_a) * (only_b + neither) * (both + only_b) * (only_a + neither)
    phi = (both * neither - only_a * only_b) / math.sqrt(margins) if margins else 0.0
    dl, du = a.estimate - a.low, a.high - a.estimate
    el, eu = b.estimate - b.low, b.high - b.estimate
    diff = a.estimate - b.estimate
    low = diff - math.sqrt(max(0.0, dl * dl - 2 * phi * dl * eu + eu * eu))
    high = diff + math.sqrt(max(0.0, du * du - 2 * phi * du * el + el * el))
    return Interval(diff, max(-1.0, min(low, diff)), min(1.0, max(high, diff)), 1 - alpha)


def _at_least(k: int, n: int) -> float:
    """P(Binomial(n, 1/2) >= k), with scipy's ufuncs (the frozen distributions cost about
    a millisecond a call, and the gate makes hundreds)."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    return float(bdtrc(k - 1, n, 0.5))


def mcnemar_exact(only_a: int, only_b: int, alternative: str = "two-sided") -> float:
    """Exact McNemar p-value from the discordant pairs: under "no difference" each discordant
    pair is a fair coin, so ``only_a ~ Binomial(only_a + only_b, 1/2)``.

    ``alternative="greater"``: evidence that outcome A happens alone more often than B does.
    """
    if only_a < 0 or only_b < 0:
        raise ValueError(f"discordant counts must be >= 0, got {only_a}, {only_b}")
    n = only_a + only_b
    if n == 0:
        return 1.0
    if alternative == "greater":
        return _at_least(only_a, n)
    if alternative == "less":
        return _at_least(only_b, n)
    if alternative == "two-sided":
        tail = 1.0 - _at_least(min(only_a, only_b) + 1, n)
        return float(min(1.0, 2 * tail))
    raise ValueError(f"alternative must be two-sided, greater or less, got {alternative!r}")


def order_bound(draws: np.ndarray, alpha: float, side: str) -> float:
    """A one-sided bound at ``alpha`` from sorted bootstrap draws, as an order statistic.

    Taking the draw at rank ``floor(alpha * B)`` (rather than interpolating) makes the bound and
    :func:`draws_p` exact inversions of each other: ``lower > limit`` iff
    ``draws_p(draws, limit, "greater") <= alpha``. ``draws`` must be sorted.
    """
    count = len(draws)
    if count == 0:
        return -math.inf if side == "lower" else math.inf
    k = min(count - 1, math.floor(alpha * count + 1e-9))
    return float(draws[k] if side == "lower" else draws[count - 1 - k])


def draws_p(draws: np.ndarray, limit: float, alternative: str) -> float:
    """Bootstrap p-value of "the statistic is above (``greater``) / below (``less``) limit":
    the share of draws on the wrong side. ``draws`` must be sorted."""
    count = len(draws)
    if count == 0:
        return 1.0
    if alternative == "greater":
        return float(np.searchsorted(draws, limit, side="right")) / count
    if alternative == "less":
        return float(count - np.searchsorted(draws, limit, side="left")) / count
    raise ValueError(f"alternative must be 'greater' or 'less', got {alternative!r}")


@dataclass(frozen=True, slots=True)
class PairedDraws:
    """Bootstrap draws over pairs, resampled together so each draw keeps pairs intact.

    ``graph_mean`` holds the resampled graph means; ``ratios[q]`` the resampled
    ``quantile_q(graph) / quantile_q(legacy)``. Every array is sorted, ready for
    :func:`order_bound` and :func:`draws_p`.
    """

    graph_mean: np.ndarray
    ratios: dict[float, np.ndarray]


def paired_bootstrap(
    legacy: np.ndarray,
    graph: np.ndarray,
    quantiles: tuple[float, ...] = (0.95, 0.99),
    resamples: int = 2000,
    seed: int = 0,
    chunk_cells: int = 4_000_000,
) -> PairedDraws:
    """One resampling pass serving every bootstrap statistic of the gate.

    The resampled index matrix is shared by the mean and the quantiles, and built in chunks
    of about ``chunk_cells`` cells, so 10,000 pairs x 2,000 resamples stays within tens of MB.
    """
    legacy = np.asarray(legacy, dtype=np.float64)
    graph = np.asarray(graph, dtype=np.float64)
    if legacy.shape != graph.shape or legacy.ndim != 1:
        raise ValueError("legacy and graph must be 1-d arrays of the same length (pairs)")
    n = len(graph)
    if n == 0:
        empty = np.empty(0)
        return PairedDraws(empty, {q: empty for q in quantiles})
    rng = np.random.default_rng(seed)
    means = np.empty(resamples)
    ratio_rows = np.empty((resamples, len(quantiles)))
    step = max(1, chunk_cells // n)
    for start in range(0, resamples, step):
        stop = min(resamples, start + step)
        idx = rng.integers(0, n, size=(stop - start, n), dtype=np.int32 if n < 2**31 else np.int64)
        g = graph[idx]
        means[start:stop] = g.mean(axis=1)
        if quantiles:
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio_rows[start:stop] = _row_quantiles(g, quantiles) / _row_quantiles(
                    legacy[idx], quantiles
                )
    means.sort()
    ratios = {}
    for column, q in enumerate(quantiles):
        values = ratio_rows[:, column]
        ratios[q] = np.sort(values[~np.isnan(values)])
    return PairedDraws(means, ratios)


def _row_quantiles(rows: np.ndarray, quantiles: tuple[float, ...]) -> np.ndarray:
    """``np.quantile(rows, quantiles, axis=1).T`` (linear interpolation), computed with
    one-kth partitions in place (``rows`` is reordered): numpy's multi-kth partition is
    several times slower, and the gate bootstraps 2,000 x 10,000 cells."""
    n = rows.shape[1]
    positions = [(n - 1) * q for q in quantiles]
    ranks = sorted({min(n - 1, math.floor(p) + extra) for p in positions for extra in (0, 1)})
    values: dict[int, np.ndarray] = {}
    part, base = rows, 0
    for rank in ranks:
        relative = rank - base
        part.partition(relative, axis=1)
        values[rank] = part[:, relative].copy()
        part, base = part[:, relative + 1:], rank + 1
    out = np.empty((rows.shape[0], len(quantiles)))
    for column, p in enumerate(positions):
        k = math.floor(p)
        upper = values[min(n - 1, k + 1)]
        out[:, column] = values[k] + (p - k) * (upper - values[k])
    return out


def _median_rank(n: int, alpha: float) -> int | None:
    """The largest 1-based rank r with P(Binomial(n, 1/2) >= r) >= 1 - alpha: the order
    statistic ``x_(r)`` is then a one-sided ``1 - alpha`` lower bound of the median."""
    if n == 0:
        return None
    # P(B >= r) = sf(r - 1); it falls as r grows, so search the boundary directly.
    # P(B >= r) falls as r grows: bisect for the last r where it is still >= 1 - alpha.
    low, high = 0, n
    while low < high:
        mid = (low + high + 1) // 2
        if _at_least(mid, n) >= 1 - alpha:
            low = mid
        else:
            high = mid - 1
    r = low
    return r if r >= 1 else None


def median_bound(sorted_values: np.ndarray, alpha: float, side: str) -> float:
    """Distribution-free one-sided bound of the median from order statistics (the interval the
    sign test inverts). ``sorted_values`` must be sorted; too few values give an infinite
    bound, never a made-up one."""
    n = len(sorted_values)
    r = _median_rank(n, alpha)
    if r is None:
        return -math.inf if side == "lower" else math.inf
    return float(sorted_values[r - 1] if side == "lower" else sorted_values[n - r])


def median_interval(values: np.ndarray, alpha: float = 0.05) -> Interval:
    """Two-sided ``1 - alpha`` CI of the median (each side at ``alpha / 2``)."""
    ordered = np.sort(np.asarray(values, dtype=np.float64))
    estimate = float(np.median(ordered)) if len(ordered) else math.nan
    return Interval(estimate, median_bound(ordered, alpha / 2, "lower"),
                    median_bound(ordered, alpha / 2, "upper"), 1 - alpha)


def sign_test_p(values: np.ndarray, threshold: float, alternative: str) -> float:
    """Exact sign test of "the median is above (``greater``) / below (``less``) threshold";
    ``p <= alpha`` exactly when :func:`median_bound` at ``alpha`` lies beyond the threshold."""
    values = np.asarray(values, dtype=np.float64)
    n = len(values)
    if n == 0:
        return 1.0
    if alternative == "greater":
        k = int(np.count_nonzero(values > threshold))
    elif alternative == "less":
        k = int(np.count_nonzero(values < threshold))
    else:
        raise ValueError(f"alternative must be 'greater' or 'less', got {alternative!r}")
    return _at_least(k, n)


@dataclass(frozen=True, slots=True)
class HolmStep:
    """One hypothesis of a Holm family: the alpha it was tested at and whether it was rejected.
    Hypotheses after the first acceptance keep the alpha of their rank but are not rejected."""

    p_value: float
    alpha: float
    rank: int
    rejected: bool
    adjusted_p: float


def holm(p_values: list[float] | tuple[float, ...], alpha: float = 0.05) -> tuple[HolmStep, ...]:
    """Holm's step-down procedure: the i-th smallest p-value is tested at ``alpha / (m - i)``
    and testing stops at the first acceptance; results come back in the input order."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: (p_values[i], i))
    steps: dict[int, HolmStep] = {}
    still_rejecting = True
    running_max = 0.0
    for rank, index in enumerate(order):
        p = float(p_values[index])
        level = alpha / (m - rank)
        still_rejecting = still_rejecting and p <= level
        running_max = max(running_max, min(1.0, (m - rank) * p))
        steps[index] = HolmStep(p, level, rank + 1, still_rejecting, running_max)
    return tuple(steps[i] for i in range(m))


def zero_failure_n(limit: float, alpha: float = 0.05) -> int:
    """The least n for which 0 failures in n gives a one-sided Wilson upper bound under
    ``limit``: below it, no run can show the rate is under the limit, whatever it observes."""
    if not 0 < limit < 1:
        raise ValueError(f"limit must be in (0, 1), got {limit}")
    z = float(ndtri(1 - alpha))
    n = max(1, math.floor(z * z * (1 - limit) / limit))
    while wilson_upper(0, n, alpha) >= limit:
        n += 1
    while n > 1 and wilson_upper(0, n - 1, alpha) < limit:
        n -= 1
    return n


def rate_bound_n(rate: float, limit: float, alpha: float = 0.05) -> int | None:
    """About how many trials, at the observed ``rate``, put the one-sided Wilson upper bound
    under ``limit``; None when the observed rate is not under the limit (waiting cannot help)."""
    if not rate < limit:
        return None
    if rate <= 0:
        return zero_failure_n(limit, alpha)
    z2 = float(ndtri(1 - alpha)) ** 2
    # The bound falls monotonically in n at a fixed rate: bisect on n.
    low, high = 1, max(2, math.ceil(z2 * (limit * (1 - limit) + rate) / (limit - rate) ** 2) * 4)
    while _wilson_upper_rate(rate, high, z2) >= limit:
        high *= 2
    while low < high:
        mid = (low + high) // 2
        if _wilson_upper_rate(rate, mid, z2) < limit:
            high = mid
        else:
            low = mid + 1
    return low


def _wilson_upper_rate(p: float, n: int, z2: float) -> float:
    centre = p + z2 / (2 * n)
    half = math.sqrt(z2 * (p * (1 - p) / n + z2 / (4 * n * n)))
    return (centre + half) / (1 + z2 / n)


def order_statistic_n(q: float, confidence: float = 0.95) -> int:
    """The least n whose largest value is a ``confidence`` upper bound of the ``q`` quantile
    (1 - q^n >= confidence): 59 for p95 and 299 for p99 at 95 %."""
    if not 0 < q < 1 or not 0 < confidence < 1:
        raise ValueError(f"q and confidence must be in (0, 1), got {q}, {confidence}")
    n = math.ceil(math.log(1 - confidence) / math.log(q))
    while 1 - q**n < confidence:
        n += 1
    while n > 1 and 1 - q ** (n - 1) >= confidence:
        n -= 1
    return n


def scaled_n(n: int, margin_now: float, margin_needed: float) -> int | None:
    """How many samples shrink a bound's distance from its estimate from ``margin_now`` to
    ``margin_needed``, assuming it scales as 1/sqrt(n); None when no n can."""
    if n <= 0 or margin_needed <= 0 or not math.isfinite(margin_now):
        return None
    if margin_now <= margin_needed:
        return n
    return math.ceil(n * (margin_now / margin_needed) ** 2)


__all__ = [
    "HolmStep",
    "Interval",
    "PairedDraws",
    "draws_p",
    "holm",
    "mcnemar_exact",
    "median_bound",
    "median_interval",
    "newcombe_diff_ci",
    "newcombe_paired_diff_ci",
    "order_bound",
    "order_statistic_n",
    "paired_bootstrap",
    "rate_bound_n",
    "scaled_n",
    "score_test_p",
    "sign_test_p",
    "wilson_interval",
    "wilson_lower",
    "wilson_upper",
    "zero_failure_n",
]
