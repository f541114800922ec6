"""PerformanceMonitor: the plan's window (100, minimum 20) and limits (3.5 s, 5 %)."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from graph_system.routing.performance_monitor import PerformanceMonitor, Sample, window_metrics
from graph_system.routing.settings import MonitorSettings

PLAN = MonitorSettings()


def test_no_breach_before_the_minimum_sample() -> None:
    monitor = PerformanceMonitor(PLAN)
    assert all(monitor.track(10.0, False) is None for _ in range(19))
    breach = monitor.track(10.0, False)
    assert breach is not None and breach.count == 20
    assert len(breach.breaches) == 2  # both the mean and the error rate


def test_error_rate_limit_is_strictly_greater() -> None:
    monitor = PerformanceMonitor(PLAN)
    for i in range(100):
        # errors at 19, 39, 59, 79, 99: never over 5 % of the answers so far
        assert monitor.track(0.1, success=i % 20 != 19) is None
    assert monitor.metrics().errors == 5  # exactly 5 % of 100 is not over 5 %
    assert monitor.track(0.1, True) is None  # a success slides out, one comes in
    breach = monitor.track(0.1, False)  # a success slides out, an error comes in: 6 %
    assert breach is not None and breach.errors == 6 and breach.count == 100


def test_window_slides_and_forgets() -> None:
    monitor = PerformanceMonitor(MonitorSettings(window=100, min_samples=20))
    for _ in range(100):
        monitor.track(4.0, True)  # breaching, but ignore the return here
    monitor.reset()
    for _ in range(100):
        assert monitor.track(1.0, True) is None
    assert monitor.metrics().mean_s == 1.0
    assert len(monitor) == 100


@given(st.lists(st.tuples(st.floats(0, 10, allow_nan=False), st.booleans()),
                min_size=1, max_size=300))
def test_incremental_sums_agree_with_a_full_recount(answers: list[tuple[float, bool]]) -> None:
    monitor = PerformanceMonitor(PLAN)
    for latency, ok in answers:
        breach = monitor.track(latency, ok)
    window = answers[-PLAN.window:]
    expected = window_metrics([Sample(0, lat, ok) for lat, ok in window], PLAN)
    assert (breach is not None) == bool(expected.breaches)
    assert monitor.metrics().count == len(window)
    assert math.isclose(monitor.metrics().mean_s, expected.mean_s, rel_tol=1e-9, abs_tol=1e-9)


def test_acceptable_needs_enough_recent_answers() -> None:
    monitor = PerformanceMonitor(PLAN)
    for _ in range(30):
        monitor.track(1.0, True, at=1.0)
    assert monitor.acceptable(since=0.0)
    assert not monitor.acceptable(since=2.0)  # nothing since the step began
    for _ in range(25):
        monitor.track(5.0, True, at=3.0)
    assert not monitor.acceptable(since=2.0)  # enough, but too slow
