"""PerformanceMonitor: the plan's rolling window of graph answers, with auto-rollback.

The last ``window`` graph answers (100 in the plan) are kept; once ``min_samples`` (20) are in,
a mean over ``max_mean_s`` (3.5 s) or an error rate over ``max_error_rate`` (5 %) is a breach.
The monitor only reports it: the proxy acts (sets 0 %, alerts) and then ``reset``s the window,
so one bad stretch rolls back once, not on every request that follows it.
"""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass

from graph_system.routing.settings import MonitorSettings


@dataclass(frozen=True, slots=True)
class Sample:
    at: float
    latency_s: float
    success: bool


@dataclass(frozen=True, slots=True)
class WindowMetrics:
    count: int
    errors: int
    mean_s: float
    p95_s: float
    max_s: float
    breaches: tuple[str, ...] = ()

    @property
    def error_rate(self) -> float:
        return self.errors / self.count if self.count else 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "count": self.count, "errors": self.errors, "error_rate": self.error_rate,
            "mean_s": self.mean_s, "p95_s": self.p95_s, "max_s": self.max_s,
            "breaches": list(self.breaches),
        }


def window_metrics(samples: list[Sample], settings: MonitorSettings) -> WindowMetrics:
    """The window's figures and which of the plan's limits they pass (none under the minimum)."""
    if not samples:
        return WindowMetrics(0, 0, math.nan, math.nan, math.nan)
    latencies = sorted(s.latency_s for s in samples)
    count = len(latencies)
    errors = sum(1 for s in samples if not s.success)
    mean = math.fsum(latencies) / count
    p95 = latencies[min(count - 1, math.ceil(0.95 * count) - 1)]
    breaches: list[str] = []
    if count >= settings.min_samples:
        if mean > settings.max_mean_s:
            breaches.append(f"mean {mean:.3f} s > {settings.max_mean_s:g} s")
        if errors / count > settings.max_error_rate:
            breaches.append(f"error rate {errors / count:.1%} > {settings.max_error_rate:.1%}")
    return WindowMetrics(count, errors, mean, p95, latencies[-1], tuple(breaches))


class PerformanceMonitor:
    def __init__(self, settings: MonitorSettings) -> None:
        self.settings = settings
        self._window: deque[Sample] = deque(maxlen=settings.window)
        self._errors = 0
        self._latency_sum = 0.0

    def __len__(self) -> int:
        return len(self._window)

    def track(self, latency_s: float, success: bool,
              at: float | None = None) -> WindowMetrics | None:
        """Add one graph answer; the window's metrics when it is now in breach, else None.

        Running sums keep this O(1) on the request path; the full metrics are only built when
        a limit may be passed.
        """
        if len(self._window) == self._window.maxlen:
            old = self._window[0]
            self._latency_sum -= old.latency_s
            self._errors -= not old.success
        self._window.append(Sample(time.monotonic() if at is None else at, latency_s, success))
        self._latency_sum += latency_s
        self._errors += not success
        count = len(self._window)
        if count < self.settings.min_samples:
            return None
        if (self._latency_sum / count > self.settings.max_mean_s
                or self._errors / count > self.settings.max_error_rate):
            metrics = self.metrics()
            return metrics if metrics.breaches else None
        return None

    def metrics(self, since: float | None = None) -> WindowMetrics:
        samples = [s for s in self._window if since is None or s.at >= since]
        return window_metrics(samples, self.settings)

    def acceptable(self, since: float | None = None) -> bool:
        """Enough answers (since ``since``) and no limit passed: what gradual rollback waits for."""
        metrics = self.metrics(since)
        return metrics.count >= self.settings.min_samples and not metrics.breaches

    def reset(self) -> None:
        self._window.clear()
        self._errors = 0
        self._latency_sum = 0.0
