"""Paired replay: every recorded request sent to legacy and graph at once, compared, and
written as exactly one result row.

    with ResultWriter(run_dir / "results.parquet") as writer:
        stats = await replay(Recording(path), legacy=URL, graph=URL,
                             pacing=Pacing.closed_loop(64), timeout_s=10,
                             comparator=Comparator(rules), writer=writer)

Pacing: ``Pacing.closed_loop(C)``, ``Pacing.open_loop(speed)`` (recorded timing / speed,
latency also from the intended send), ``Pacing.fixed_rate(rps)``. Noise learning:
``secondary=URL`` (a second legacy) or ``noise_sample=N`` (legacy asked twice for the first
N). ``transport="lean"`` (default) or ``"aiohttp"``. Run it on uvloop with
``harness.pipeline.run_event_loop``; cancelling it returns ``finished=False`` with every
unsent request written as skipped.
"""

from __future__ import annotations

from harness.replay.client import TRANSPORTS, Client, Prepared, Target, Transport, classify
from harness.replay.engine import INTERRUPTED, MismatchSink, PairComparator, RowSink, replay
from harness.replay.pacing import Clock, Pacing, offsets
from harness.replay.progress import ReplayProgress, progress_wanted
from harness.replay.tally import ReplayStats, Tally

__all__ = [
    "INTERRUPTED",
    "TRANSPORTS",
    "Client",
    "Clock",
    "MismatchSink",
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
