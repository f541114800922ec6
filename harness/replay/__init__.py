"""Paired replay: every recorded request sent to legacy and graph at once, compared, and
written as exactly one result row.

    stats = await replay(Recording(path), legacy=URL, graph=URL,
                         pacing=Pacing.closed_loop(64), timeout_s=10,
                         comparator=Comparator(rules), writer=writer)
"""

from __future__ import annotations

from harness.replay.client import TRANSPORTS, Client, Prepared, Target, Transport, classify
from harness.replay.engine import INTERRUPTED, ExampleSink, PairComparator, RowSink, replay
from harness.replay.pacing import Clock, Pacing, offsets
from harness.replay.progress import ReplayProgress, progress_wanted
from harness.replay.tally import ReplayStats, Tally

__all__ = [
    "INTERRUPTED",
    "TRANSPORTS",
    "Client",
    "Clock",
    "ExampleSink",
    "Pacing",
    "PairComparator",
    "Prepared",
    "ReplayProgress",
    "ReplayStats",
    "RowSink",
    "Tally",
    "Target",
    "Transport",
    "classify",
    "offsets",
    "progress_wanted",
    "replay",
]
