"""Metrics: the proxy's counters, and their Prometheus text exposition (format 0.0.4).

Plain dict counters keyed by label tuples: an increment on the request path is one dict
update, and rendering happens only when /metrics is scraped.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable

# Latency buckets in seconds: the plan's thresholds (2.5, 3.0, 3.5 s) are bucket edges, and the
# low end resolves the fast profile's milliseconds.
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 2.5, 3.0, 3.5,
           5.0, 10.0)


def _num(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return f"{value:g}"


def _escape(value: str) -> str:
    return value.replace("\\", r"\\").replace("\n", r"\n").replace('"', r"\"")


def _labels(names: tuple[str, ...], values: tuple[str, ...]) -> str:
    if not names:
        return ""
    inner = ",".join(f'{n}="{_escape(str(v))}"' for n, v in zip(names, values, strict=True))
    return "{" + inner + "}"


class Counter:
    def __init__(self, name: str, help_text: str, labels: tuple[str, ...] = ()) -> None:
        self.name, self.help, self.labels = name, help_text, labels
        self.values: defaultdict[tuple[str, ...], float] = defaultdict(float)

    def inc(self, *labels: str, by: float = 1.0) -> None:
        self.values[labels] += by

    def total(self) -> float:
        return sum(self.values.values())

    def lines(self) -> Iterable[str]:
        yield f"# HELP {self.name} {self.help}"
        yield f"# TYPE {self.name} counter"
        for labels, value in sorted(self.values.items()):
            yield f"{self.name}{_labels(self.labels, labels)} {_num(value)}"


class Histogram:
    def __init__(self, name: str, help_text: str, labels: tuple[str, ...] = ()) -> None:
        self.name, self.help, self.labels = name, help_text, labels
        self.counts: dict[tuple[str, ...], list[int]] = {}
        self.sums: defaultdict[tuple[str, ...], float] = defaultdict(float)

    def observe(self, value: float, *labels: str) -> None:
        counts = self.counts.get(labels)
        if counts is None:
            counts = self.counts[labels] = [0] * (len(BUCKETS) + 1)
        for i, edge in enumerate(BUCKETS):
            if value <= edge:
                counts[i] += 1
                break
        else:
            counts[-1] += 1
        self.sums[labels] += value

    def lines(self) -> Iterable[str]:
        yield f"# HELP {self.name} {self.help}"
        yield f"# TYPE {self.name} histogram"
        for labels, counts in sorted(self.counts.items()):
            running = 0
            for edge, count in zip((*BUCKETS, float("inf")), counts, strict=True):
                running += count
                le = "+Inf" if edge == float("inf") else f"{edge:g}"
                names, values = (*self.labels, "le"), (*labels, le)
                yield f"{self.name}_bucket{_labels(names, values)} {running}"
            yield f"{self.name}_sum{_labels(self.labels, labels)} {_num(self.sums[labels])}"
            yield f"{self.name}_count{_labels(self.labels, labels)} {running}"


class Metrics:
    def __init__(self) -> None:
        self.requests = Counter("shadow_proxy_requests_total",
                                "Client requests answered, by path that served them.",
                                ("served_by", "endpoint", "code"))
        self.fallbacks = Counter("shadow_proxy_fallbacks_total",
                                 "Split requests meant for the graph but served by legacy.",
                                 ("reason",))
        self.upstream = Histogram("shadow_proxy_upstream_seconds",
                                  "Backend answer time, client and mirrored calls.",
                                  ("side", "outcome"))
        self.rollbacks = Counter("shadow_proxy_rollbacks_total", "Rollbacks executed.", ("kind",))
        self.alerts = Counter("shadow_proxy_alerts_total", "Alerts raised.", ("alert",))
        self.decisions = Counter("shadow_proxy_controller_decisions_total",
                                 "Migration controller decisions.", ("decision",))

    def render(self, gauges: dict[str, tuple[str, float]],
               mirror_counts: dict[str, float]) -> str:
        """All series; ``gauges`` maps name to (help, value) for the live state."""
        lines: list[str] = []
        for metric in (self.requests, self.fallbacks, self.upstream, self.rollbacks,
                       self.alerts, self.decisions):
            lines.extend(metric.lines())
        lines.append("# HELP shadow_proxy_mirror_total Mirrored pairs, by what became of them.")
        lines.append("# TYPE shadow_proxy_mirror_total counter")
        for state, value in sorted(mirror_counts.items()):
            lines.append(f'shadow_proxy_mirror_total{{state="{state}"}} {_num(value)}')
        for name, (help_text, value) in sorted(gauges.items()):
            lines.append(f"# HELP {name} {help_text}")
            lines.append(f"# TYPE {name} gauge")
            lines.append(f"{name} {_num(value)}")
        return "\n".join(lines) + "\n"
