"""The plan's alert conditions over time windows, on a synthetic clock (seconds are numbers)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from graph_system.routing.alert_conditions import (
    DEGRADATION,
    ERROR_SPIKE,
    GRAPH_DOWN,
    SLA_VIOLATION,
    AlertConditions,
)
from graph_system.routing.settings import AlertSettings
from graph_system.routing.time_buckets import TimeBuckets

PLAN = AlertSettings()  # minute buckets, 5 and 10 minutes, 3 checks in 5 minutes


def _feed(conditions: AlertConditions, side: str, start: float, seconds: int,
          latency_s: float, error_every: int = 0) -> None:
    for i in range(seconds):
        failed = error_every and i % error_every == 0
        conditions.track(side, start + i, latency_s, not failed)


def _names(alerts: list) -> set[str]:
    return {a.name for a in alerts}


def test_sla_violation_needs_five_consecutive_minutes() -> None:
    conditions = AlertConditions(PLAN)
    _feed(conditions, "graph", 0, 4 * 60, 3.2)  # four slow minutes
    assert SLA_VIOLATION not in _names(conditions.evaluate(4 * 60 + 1))
    _feed(conditions, "graph", 4 * 60, 60, 3.2)  # the fifth
    alerts = conditions.evaluate(5 * 60 + 1)
    assert SLA_VIOLATION in _names(alerts)
    # Edge-triggered: holding on does not alert again ...
    _feed(conditions, "graph", 5 * 60, 60, 3.2)
    assert SLA_VIOLATION not in _names(conditions.evaluate(6 * 60 + 1))
    # ... one fast minute clears it, and five slow ones raise it again.
    _feed(conditions, "graph", 6 * 60, 60, 1.0)
    assert SLA_VIOLATION not in _names(conditions.evaluate(7 * 60 + 1))
    assert SLA_VIOLATION not in conditions.active
    _feed(conditions, "graph", 7 * 60, 5 * 60, 3.2)
    assert SLA_VIOLATION in _names(conditions.evaluate(12 * 60 + 1))


def test_a_quiet_minute_breaks_the_streak() -> None:
    conditions = AlertConditions(PLAN)
    _feed(conditions, "graph", 0, 2 * 60, 3.2)
    _feed(conditions, "graph", 3 * 60, 3 * 60, 3.2)  # minute 2 had no traffic at all
    assert SLA_VIOLATION not in _names(conditions.evaluate(6 * 60 + 1))


def test_error_spike_needs_ten_minutes_over_five_percent() -> None:
    conditions = AlertConditions(PLAN)
    _feed(conditions, "graph", 0, 9 * 60, 0.5, error_every=10)  # 10 % errors
    assert ERROR_SPIKE not in _names(conditions.evaluate(9 * 60 + 1))
    _feed(conditions, "graph", 9 * 60, 60, 0.5, error_every=10)
    assert ERROR_SPIKE in _names(conditions.evaluate(10 * 60 + 1))


def test_error_spike_not_at_five_percent() -> None:
    conditions = AlertConditions(PLAN)
    _feed(conditions, "graph", 0, 20 * 60, 0.5, error_every=20)  # exactly 5 %
    assert ERROR_SPIKE not in _names(conditions.evaluate(20 * 60 + 1))


def test_graph_down_after_three_failures_within_five_minutes() -> None:
    conditions = AlertConditions(PLAN)
    conditions.health_check(0, False)
    conditions.health_check(200, False)
    conditions.health_check(400, False)  # the first is now out of the window
    assert GRAPH_DOWN not in _names(conditions.evaluate(400))
    conditions.health_check(450, False)
    assert GRAPH_DOWN in _names(conditions.evaluate(450))
    conditions.health_check(460, True)  # a success ends the outage
    assert GRAPH_DOWN not in _names(conditions.evaluate(460))
    assert GRAPH_DOWN not in conditions.active


def test_degradation_over_legacy_baseline() -> None:
    conditions = AlertConditions(PLAN)
    _feed(conditions, "legacy", 0, 120, 1.0)
    _feed(conditions, "graph", 0, 120, 1.19)
    assert DEGRADATION not in _names(conditions.evaluate(121))
    _feed(conditions, "graph", 120, 120, 1.5)  # mean over the window now ~1.35
    alerts = conditions.evaluate(241)
    assert DEGRADATION in _names(alerts)
    alert = next(a for a in alerts if a.name == DEGRADATION)
    assert alert.details["baseline"] == "legacy mean, same window"
    assert alert.details["ratio"] > 1.2


def test_degradation_with_fixed_baseline_and_minimum_samples() -> None:
    conditions = AlertConditions(AlertSettings(baseline_s=1.0))
    _feed(conditions, "graph", 0, 19, 2.0)
    assert DEGRADATION not in _names(conditions.evaluate(20))  # 19 < 20 answers
    _feed(conditions, "graph", 19, 1, 2.0)
    assert DEGRADATION in _names(conditions.evaluate(20))


@given(st.lists(st.tuples(st.floats(0, 1000, allow_nan=False), st.floats(0, 5),
                          st.booleans()), max_size=200),
       st.floats(0.5, 100))
def test_bucket_totals_count_every_answer_once(answers: list, bucket_s: float) -> None:
    buckets = TimeBuckets(bucket_s, horizon_s=10_000)
    for at, latency, ok in answers:
        buckets.add(at, latency, ok)
    total = buckets.total(2000, 2000 + bucket_s)
    assert total.count == len(answers)
    assert total.errors == sum(1 for *_, ok in answers if not ok)
