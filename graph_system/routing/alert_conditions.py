"""The plan's alert_conditions, evaluated over time windows.

- sla_violation: the graph's mean over ``threshold`` in every bucket of the last ``for_s``
  ("avg_response_time > 3.0s for 5 consecutive minutes");
- error_spike: the graph's error rate over ``threshold`` the same way (5 %, 10 minutes);
- graph_system_down: ``graph_down_failures`` failed health checks within the window (3 in 5 min);
- performance_degradation: the graph's mean over the window more than ``degradation_ratio``
  (+20 %) above the baseline (a fixed one, else legacy's mean over the same window);
- rollback_triggered: raised by the rollbacks themselves, not evaluated here.

Conditions are edge-triggered: one alert when a condition starts to hold, none while it keeps
holding, and it can fire again once it has cleared. Everything takes ``now`` so the windows are
tested with a synthetic clock.
"""

from __future__ import annotations

import math
from collections import deque

from graph_system.routing.alerts import Alert
from graph_system.routing.settings import AlertSettings
from graph_system.routing.time_buckets import TimeBuckets

SLA_VIOLATION = "sla_violation"
ERROR_SPIKE = "error_spike"
GRAPH_DOWN = "graph_system_down"
DEGRADATION = "performance_degradation"
ROLLBACK_TRIGGERED = "rollback_triggered"


def _buckets_needed(for_s: float, bucket_s: float) -> int:
    return max(1, math.ceil(for_s / bucket_s - 1e-9))


class AlertConditions:
    def __init__(self, settings: AlertSettings) -> None:
        self.settings = settings
        horizon = max(settings.sla_violation.for_s, settings.error_spike.for_s,
                      settings.degradation_window_s)
        self.graph = TimeBuckets(settings.bucket_s, horizon)
        self.legacy = TimeBuckets(settings.bucket_s, horizon)
        self._health_failures: deque[float] = deque()
        self.active: set[str] = set()

    def track(self, side: str, at: float, latency_s: float, success: bool) -> None:
        (self.graph if side == "graph" else self.legacy).add(at, latency_s, success)

    def health_check(self, at: float, ok: bool) -> None:
        if ok:
            # A success ends the outage: three fresh failures are needed to alert again.
            self._health_failures.clear()
        else:
            self._health_failures.append(at)

    def _sla_violation(self, now: float) -> Alert | None:
        rule = self.settings.sla_violation
        buckets = self.graph.streak(
            now, _buckets_needed(rule.for_s, self.settings.bucket_s),
            lambda b: b.count >= rule.min_samples and b.mean_s > rule.threshold)
        if buckets is not None:
            means = [round(b.mean_s, 4) for b in buckets]
            return Alert(SLA_VIOLATION, "critical",
                         f"graph mean over {rule.threshold:g} s for {rule.for_s:g} s",
                         {"bucket_means_s": means, "threshold_s": rule.threshold}, at=now)
        return None

    def _error_spike(self, now: float) -> Alert | None:
        rule = self.settings.error_spike
        buckets = self.graph.streak(
            now, _buckets_needed(rule.for_s, self.settings.bucket_s),
            lambda b: b.count >= rule.min_samples and b.error_rate > rule.threshold)
        if buckets is not None:
            rates = [round(b.error_rate, 4) for b in buckets]
            return Alert(ERROR_SPIKE, "critical",
                         f"graph error rate over {rule.threshold:.1%} for {rule.for_s:g} s",
                         {"bucket_error_rates": rates, "threshold": rule.threshold}, at=now)
        return None

    def _graph_down(self, now: float) -> Alert | None:
        window = self.settings.graph_down_window_s
        while self._health_failures and self._health_failures[0] < now - window:
            self._health_failures.popleft()
        failures = len(self._health_failures)
        if failures >= self.settings.graph_down_failures:
            return Alert(GRAPH_DOWN, "critical",
                         f"graph health check failed {failures} times in {window:g} s",
                         {"failures": failures, "window_s": window}, at=now)
        return None

    def _degradation(self, now: float) -> Alert | None:
        s = self.settings
        graph = self.graph.total(now, s.degradation_window_s)
        if graph.count < s.degradation_min_samples:
            return None
        if s.baseline_s is not None:
            baseline, source = s.baseline_s, "configured"
        else:
            legacy = self.legacy.total(now, s.degradation_window_s)
            if legacy.count < s.degradation_min_samples or legacy.mean_s <= 0:
                return None
            baseline, source = legacy.mean_s, "legacy mean, same window"
        ratio = graph.mean_s / baseline
        if ratio > s.degradation_ratio:
            return Alert(DEGRADATION, "warning",
                         f"graph mean {graph.mean_s:.3f} s is {ratio - 1:+.0%} over the baseline "
                         f"{baseline:.3f} s ({source})",
                         {"graph_mean_s": graph.mean_s, "baseline_s": baseline,
                          "baseline": source, "ratio": ratio, "limit": s.degradation_ratio},
                         at=now)
        return None

    def evaluate(self, now: float) -> list[Alert]:
        """The alerts that start to hold at ``now``."""
        fired: list[Alert] = []
        for name, check in ((SLA_VIOLATION, self._sla_violation),
                            (ERROR_SPIKE, self._error_spike),
                            (GRAPH_DOWN, self._graph_down),
                            (DEGRADATION, self._degradation)):
            alert = check(now)
            if alert is None:
                self.active.discard(name)
            elif name not in self.active:
                self.active.add(name)
                fired.append(alert)
        return fired
