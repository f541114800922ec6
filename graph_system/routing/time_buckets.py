"""TimeBuckets: answers counted per fixed-width time bucket, for alert conditions over minutes.

A bucket holds a count, a latency sum and an error count, so a day of traffic at any rate costs
a few thousand small records, and "the mean of every minute of the last five" is a loop over
five of them.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(slots=True)
class Bucket:
    count: int = 0
    latency_sum: float = 0.0
    errors: int = 0

    @property
    def mean_s(self) -> float:
        return self.latency_sum / self.count if self.count else math.nan

    @property
    def error_rate(self) -> float:
        return self.errors / self.count if self.count else 0.0


class TimeBuckets:
    def __init__(self, bucket_s: float, horizon_s: float) -> None:
        if bucket_s <= 0:
            raise ValueError("bucket_s must be positive")
        self.bucket_s = bucket_s
        self._keep = max(2, math.ceil(horizon_s / bucket_s) + 2)
        self._buckets: OrderedDict[int, Bucket] = OrderedDict()

    def index(self, at: float) -> int:
        return math.floor(at / self.bucket_s)

    def add(self, at: float, latency_s: float, success: bool) -> None:
        key = self.index(at)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = Bucket()
            # Out-of-order keys are rare (answers finish in a different order than they
            # started); keep insertion order sorted so trimming drops only the oldest.
            if len(self._buckets) > 1 and next(reversed(self._buckets)) != key:
                self._buckets = OrderedDict(sorted(self._buckets.items()))
            while len(self._buckets) > self._keep:
                self._buckets.popitem(last=False)
        bucket.count += 1
        bucket.latency_sum += latency_s
        bucket.errors += not success

    def streak(self, now: float, n: int,
               holds: Callable[[Bucket], bool]) -> list[Bucket] | None:
        """The ``n`` buckets that ended last before ``now`` (oldest first) when ``holds`` is
        true for every one of them, else None. A missing bucket had no answers and breaks
        the streak; the walk runs newest first and stops at the first bucket that fails, so
        a tick costs little however long the window is."""
        if n > len(self._buckets):
            return None
        current = self.index(now)
        found: list[Bucket] = []
        for key in range(current - 1, current - n - 1, -1):
            bucket = self._buckets.get(key)
            if bucket is None or not holds(bucket):
                return None
            found.append(bucket)
        return found[::-1]

    def total(self, now: float, window_s: float) -> Bucket:
        """Everything from ``now - window_s`` to now, counted by whole buckets."""
        current = self.index(now)
        first = self.index(now - window_s)
        merged = Bucket()
        for key, bucket in self._buckets.items():
            if first <= key <= current:
                merged.count += bucket.count
                merged.latency_sum += bucket.latency_sum
                merged.errors += bucket.errors
        return merged
