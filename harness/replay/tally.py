"""Tally (live counters of a running replay) and ReplayStats (its frozen end result)."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

from harness.verdict import Outcome, Verdict


class Tally:
    """Counted as rows are written: the progress bar reads it, ReplayStats freezes it."""

    __slots__ = ("both_error", "compared", "error", "graph_error", "interrupted",
                 "legacy_error", "match", "mismatch", "noise_only", "rows", "secondary",
                 "skipped", "started", "started_at")

    def __init__(self) -> None:
        self.rows = 0
        self.compared = 0
        self.legacy_error = 0
        self.graph_error = 0
        self.both_error = 0
        self.skipped = 0
        self.interrupted = 0
        self.match = 0
        self.noise_only = 0
        self.mismatch = 0
        self.secondary = 0
        self.error: str | None = None
        self.started = time.perf_counter()
        self.started_at = time.time()

    def pair(self, outcome: str, verdict: Verdict | None, secondary: bool) -> None:
        self.rows += 1
        if outcome == "compared":
            self.compared += 1
        elif outcome == "legacy_error":
            self.legacy_error += 1
        elif outcome == "graph_error":
            self.graph_error += 1
        else:
            self.both_error += 1
        if verdict is not None:
            if verdict.outcome is Outcome.MATCH:
                self.match += 1
            elif verdict.outcome is Outcome.NOISE_ONLY:
                self.noise_only += 1
            else:
                self.mismatch += 1
        if secondary:
            self.secondary += 1

    def skip(self, interrupted: bool = False) -> None:
        self.rows += 1
        self.skipped += 1
        if interrupted:
            self.interrupted += 1

    @property
    def errors(self) -> int:
        return self.legacy_error + self.graph_error + self.both_error

    @property
    def elapsed_s(self) -> float:
        return time.perf_counter() - self.started

    @property
    def parity_rate(self) -> float | None:
        judged = self.match + self.noise_only + self.mismatch
        return (self.match + self.noise_only) / judged if judged else None

    def freeze(self, finished: bool) -> ReplayStats:
        return ReplayStats(
            rows=self.rows, compared=self.compared, legacy_error=self.legacy_error,
            graph_error=self.graph_error, both_error=self.both_error, skipped=self.skipped,
            interrupted=self.interrupted, match=self.match, noise_only=self.noise_only,
            mismatch=self.mismatch, secondary=self.secondary, started_at=self.started_at,
            elapsed_s=self.elapsed_s, finished=finished, error=self.error,
        )


@dataclass(frozen=True, slots=True)
class ReplayStats:
    """How a replay went. ``rows`` counts every recorded request (each is exactly one row);
    ``finished`` is False when it was interrupted and the unsent requests were skipped."""

    rows: int
    compared: int
    legacy_error: int
    graph_error: int
    both_error: int
    skipped: int
    interrupted: int
    match: int
    noise_only: int
    mismatch: int
    secondary: int
    started_at: float
    elapsed_s: float
    finished: bool
    error: str | None = None

    @property
    def sent(self) -> int:
        """Pairs that were sent and answered (or failed) on both sides."""
        return self.compared + self.legacy_error + self.graph_error + self.both_error

    @property
    def pairs_per_s(self) -> float:
        return self.sent / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def parity_rate(self) -> float | None:
        judged = self.match + self.noise_only + self.mismatch
        return (self.match + self.noise_only) / judged if judged else None

    def as_dict(self) -> dict[str, Any]:
        """For run.json."""
        return {**asdict(self), "sent": self.sent, "pairs_per_s": round(self.pairs_per_s, 1),
                "parity_rate": self.parity_rate}
