"""Each statistic pinned against scipy's own computation or a published table."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from harness.stats import (
    draws_p,
    holm,
    mcnemar_exact,
    median_bound,
    median_interval,
    newcombe_diff_ci,
    newcombe_paired_diff_ci,
    order_bound,
    order_statistic_n,
    paired_bootstrap,
    rate_bound_n,
    scaled_n,
    score_test_p,
    sign_test_p,
    wilson_interval,
    wilson_lower,
    wilson_upper,
    zero_failure_n,
)

counts = st.integers(min_value=1, max_value=400).flatmap(
    lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
)
alphas = st.sampled_from([0.01, 0.02, 0.05, 0.1, 0.2])


# Wilson ---------------------------------------------------------------------------------------
@settings(max_examples=50)
@given(counts, alphas)
def test_wilson_matches_scipy_binomtest(count: tuple[int, int], alpha: float) -> None:
    x, n = count
    ours = wilson_interval(x, n, alpha)
    theirs = sps.binomtest(x, n).proportion_ci(confidence_level=1 - alpha, method="wilson")
    assert ours.low == pytest.approx(theirs.low, abs=1e-12)
    assert ours.high == pytest.approx(theirs.high, abs=1e-12)
    assert ours.low <= x / n <= ours.high


@pytest.mark.parametrize(("x", "n", "low", "high"), [
    # Newcombe (1998a), Table I, method 3 (Wilson score without continuity correction).
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0, 0.1611),
    (1, 29, 0.0061, 0.1718),
])
def test_wilson_matches_newcombe_table(x: int, n: int, low: float, high: float) -> None:
    ci = wilson_interval(x, n)
    assert (round(ci.low, 4), round(ci.high, 4)) == (low, high)


def test_wilson_rejects_impossible_counts() -> None:
    with pytest.raises(ValueError, match="successes"):
        wilson_interval(5, 4)


@settings(max_examples=50)
@given(counts, alphas, st.floats(min_value=0.001, max_value=0.999))
def test_score_test_inverts_the_one_sided_wilson_bounds(
    count: tuple[int, int], alpha: float, rate: float
) -> None:
    x, n = count
    upper, lower = wilson_upper(x, n, alpha), wilson_lower(x, n, alpha)
    if not math.isclose(upper, rate, rel_tol=1e-9):
        assert (upper < rate) == (score_test_p(x, n, rate, "less") <= alpha)
    if not math.isclose(lower, rate, rel_tol=1e-9):
        assert (lower > rate) == (score_test_p(x, n, rate, "greater") <= alpha)


# Newcombe ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("a", "m", "b", "n", "low", "high"), [
    # Newcombe (1998b), Table II, method 10 (hybrid score, no continuity correction).
    (56, 70, 48, 80, 0.0524, 0.3339),
    (9, 10, 3, 10, 0.1705, 0.8090),
    (6, 7, 2, 7, 0.0582, 0.8062),
    (5, 56, 0, 29, -0.0381, 0.1926),
    (0, 10, 0, 20, -0.1611, 0.2775),
    (0, 10, 0, 10, -0.2775, 0.2775),
    (10, 10, 0, 20, 0.6791, 1.0),
    (10, 10, 0, 10, 0.6075, 1.0),
])
def test_newcombe_matches_published_table(
    a: int, m: int, b: int, n: int, low: float, high: float
) -> None:
    ci = newcombe_diff_ci(a, m, b, n)
    assert (round(ci.low, 4), round(ci.high, 4)) == (low, high)
    assert ci.estimate == pytest.approx(a / m - b / n)


@settings(max_examples=50)
@given(counts, counts, alphas)
def test_newcombe_is_built_from_scipys_wilson_intervals(
    first: tuple[int, int], second: tuple[int, int], alpha: float
) -> None:
    (x1, n1), (x2, n2) = first, second
    w1 = sps.binomtest(x1, n1).proportion_ci(1 - alpha, method="wilson")
    w2 = sps.binomtest(x2, n2).proportion_ci(1 - alpha, method="wilson")
    p1, p2 = x1 / n1, x2 / n2
    low = p1 - p2 - math.sqrt((p1 - w1.low) ** 2 + (w2.high - p2) ** 2)
    high = p1 - p2 + math.sqrt((w1.high - p1) ** 2 + (p2 - w2.low) ** 2)
    ci = newcombe_diff_ci(x1, n1, x2, n2, alpha)
    assert ci.low == pytest.approx(low, abs=1e-9)
    assert ci.high == pytest.approx(high, abs=1e-9)


def test_paired_newcombe_without_correlation_is_the_independent_interval() -> None:
    # both * neither == only_a * only_b: phi is 0, so the paired interval reduces to method 10.
    paired = newcombe_paired_diff_ci(2, 4, 3, 6)
    independent = newcombe_diff_ci(6, 15, 5, 15)
    assert paired.low == pytest.approx(independent.low)
    assert paired.high == pytest.approx(independent.high)


@given(st.tuples(*[st.integers(min_value=0, max_value=60)] * 4).filter(lambda t: sum(t) > 0))
def test_paired_newcombe_contains_the_difference_and_narrows_with_agreement(
    table: tuple[int, int, int, int],
) -> None:
    both, only_a, only_b, neither = table
    ci = newcombe_paired_diff_ci(both, only_a, only_b, neither)
    n = sum(table)
    assert -1 <= ci.low <= ci.estimate <= ci.high <= 1
    assert ci.estimate == pytest.approx((only_a - only_b) / n)


# McNemar -------------------------------------------------------------------------------------
@given(st.integers(min_value=0, max_value=300), st.integers(min_value=0, max_value=300),
       st.sampled_from(["two-sided", "greater", "less"]))
def test_exact_mcnemar_matches_scipy_binomtest(b: int, c: int, alternative: str) -> None:
    expected = 1.0 if b + c == 0 else sps.binomtest(b, b + c, 0.5, alternative).pvalue
    assert mcnemar_exact(b, c, alternative) == pytest.approx(expected, rel=1e-9, abs=1e-15)


def test_exact_mcnemar_known_value() -> None:
    # 10 vs 3 discordant pairs: P(X <= 3 | n=13) * 2 = 2 * 378 / 8192.
    assert mcnemar_exact(10, 3) == pytest.approx(2 * 378 / 8192)


# Bootstrap -----------------------------------------------------------------------------------
def test_bootstrap_mean_bound_agrees_with_scipy_bootstrap() -> None:
    rng = np.random.default_rng(7)
    legacy = rng.lognormal(8, 0.5, 800)
    graph = legacy * rng.lognormal(-0.3, 0.2, 800)
    draws = paired_bootstrap(legacy, graph, (0.95,), resamples=4000, seed=1)
    ours = order_bound(draws.graph_mean, 0.05, "upper")
    theirs = sps.bootstrap((graph,), np.mean, n_resamples=4000, method="percentile",
                           confidence_level=0.95, alternative="less", rng=2)
    standard_error = graph.std(ddof=1) / math.sqrt(len(graph))
    assert abs(ours - theirs.confidence_interval.high) < 0.1 * standard_error


def test_paired_quantile_ratio_agrees_with_scipy_paired_bootstrap() -> None:
    rng = np.random.default_rng(11)
    legacy = rng.lognormal(8, 0.5, 600)
    graph = legacy * rng.lognormal(0.1, 0.3, 600)
    draws = paired_bootstrap(legacy, graph, (0.95,), resamples=3000, seed=3)

    def ratio(g: np.ndarray, lg: np.ndarray, axis: int = -1) -> np.ndarray:
        return np.quantile(g, 0.95, axis=axis) / np.quantile(lg, 0.95, axis=axis)

    theirs = sps.bootstrap((graph, legacy), ratio, paired=True, vectorized=True,
                           n_resamples=3000, method="percentile", confidence_level=0.9,
                           rng=4).confidence_interval
    ours_low = order_bound(draws.ratios[0.95], 0.05, "lower")
    ours_high = order_bound(draws.ratios[0.95], 0.05, "upper")
    width = theirs.high - theirs.low
    assert abs(ours_low - theirs.low) < 0.1 * width
    assert abs(ours_high - theirs.high) < 0.1 * width


def test_paired_bootstrap_quantiles_equal_numpys() -> None:
    # One resample that is the sample itself must give numpy's quantile ratio exactly.
    values = np.arange(1.0, 101.0)
    draws = paired_bootstrap(values, values * 2, (0.95, 0.99), resamples=200, seed=0)
    assert np.all(draws.ratios[0.95] == pytest.approx(2.0))
    assert draws.graph_mean.min() >= 2 * values.min()


@given(st.lists(st.floats(min_value=0, max_value=10), min_size=1, max_size=200), alphas,
       st.floats(min_value=0, max_value=10))
def test_order_bound_and_draws_p_invert_each_other(
    values: list[float], alpha: float, limit: float
) -> None:
    draws = np.sort(np.asarray(values))
    assert (order_bound(draws, alpha, "lower") > limit) == (draws_p(draws, limit, "greater")
                                                             <= alpha)
    assert (order_bound(draws, alpha, "upper") < limit) == (draws_p(draws, limit, "less")
                                                             <= alpha)


# Median of log ratios ------------------------------------------------------------------------
@settings(max_examples=60)
@given(st.lists(st.floats(min_value=-5, max_value=5), min_size=1, max_size=300), alphas)
def test_median_interval_matches_scipy_quantile_test(values: list[float], alpha: float) -> None:
    x = np.asarray(values)
    ours = median_interval(x, alpha)
    theirs = sps.quantile_test(x, q=0, p=0.5).confidence_interval(1 - alpha)
    # Where no order statistic is a bound, scipy says NaN and we say unbounded.
    assert ours.low == theirs.low or (math.isnan(theirs.low) and ours.low == -math.inf)
    assert ours.high == theirs.high or (math.isnan(theirs.high) and ours.high == math.inf)


@settings(max_examples=60)
@given(st.lists(st.floats(min_value=-5, max_value=5), min_size=1, max_size=300),
       st.floats(min_value=-5, max_value=5), st.sampled_from(["greater", "less"]))
def test_sign_test_matches_scipy_quantile_test(values: list[float], threshold: float,
                                               alternative: str) -> None:
    x = np.asarray(values)
    theirs = sps.quantile_test(x, q=threshold, p=0.5, alternative=alternative).pvalue
    assert sign_test_p(x, threshold, alternative) == pytest.approx(theirs, rel=1e-9)


@settings(max_examples=50)
@given(st.lists(st.floats(min_value=-5, max_value=5), min_size=1, max_size=300), alphas,
       st.floats(min_value=-5, max_value=5))
def test_median_bound_and_sign_test_invert_each_other(
    values: list[float], alpha: float, threshold: float
) -> None:
    x = np.sort(np.asarray(values))
    assert (median_bound(x, alpha, "lower") > threshold) == (
        sign_test_p(x, threshold, "greater") <= alpha)
    assert (median_bound(x, alpha, "upper") < threshold) == (
        sign_test_p(x, threshold, "less") <= alpha)


def test_median_bound_is_infinite_when_too_few_values() -> None:
    # 4 values: P(all above the median) = 1/16 > 0.05, so no order statistic bounds it.
    assert median_bound(np.array([1.0, 2.0, 3.0, 4.0]), 0.05, "lower") == -math.inf


# Holm ----------------------------------------------------------------------------------------
def test_holm_worked_example() -> None:
    steps = holm([0.01, 0.04, 0.03, 0.005], alpha=0.05)
    assert [s.rejected for s in steps] == [True, False, False, True]
    assert [s.alpha for s in steps] == pytest.approx([0.05 / 3, 0.05, 0.05 / 2, 0.05 / 4])
    assert [s.adjusted_p for s in steps] == pytest.approx([0.03, 0.06, 0.06, 0.02])


@settings(max_examples=50)
@given(st.lists(st.floats(min_value=0, max_value=1), min_size=1, max_size=12), alphas)
def test_holm_sits_between_bonferroni_and_no_correction(p: list[float], alpha: float) -> None:
    steps = holm(p, alpha)
    m = len(p)
    for value, step in zip(p, steps, strict=True):
        if value <= alpha / m:
            assert step.rejected
        if step.rejected:
            assert value <= alpha
        assert step.rejected == (step.adjusted_p <= alpha)


# Sample sizes --------------------------------------------------------------------------------
@pytest.mark.parametrize(("limit", "expected"), [(0.05, 52), (0.01, 268), (0.001, 2703)])
def test_zero_failure_n(limit: float, expected: int) -> None:
    n = zero_failure_n(limit, 0.05)
    assert n == expected
    assert wilson_upper(0, n, 0.05) < limit <= wilson_upper(0, n - 1, 0.05)


def test_order_statistic_n_matches_the_issue() -> None:
    assert order_statistic_n(0.95) == 59
    assert order_statistic_n(0.99) == 299
    assert 1 - 0.99**298 < 0.95 <= 1 - 0.99**299


@given(st.floats(min_value=0, max_value=0.05), st.floats(min_value=0.001, max_value=0.2),
       alphas)
def test_rate_bound_n_is_the_least_n_at_the_observed_rate(rate: float, limit: float,
                                                          alpha: float) -> None:
    n = rate_bound_n(rate, limit, alpha)
    if rate >= limit:
        assert n is None
        return
    assert n is not None

    def bound(k: int) -> float:
        z = sps.norm.ppf(1 - alpha)
        return float((rate + z * z / (2 * k) + z * math.sqrt(rate * (1 - rate) / k
                     + z * z / (4 * k * k))) / (1 + z * z / k))

    assert bound(n) < limit
    if n > 1:
        assert bound(n - 1) >= limit


def test_scaled_n() -> None:
    assert scaled_n(100, 0.2, 0.1) == 400
    assert scaled_n(100, 0.05, 0.1) == 100
    assert scaled_n(100, 0.2, 0.0) is None
