"""Simulated latency and faults: sleeps, never CPU, so two cores can serve hundreds at once.

The work size comes from the request itself (a hash of its content), so the same request is
slow on the legacy and the graph service alike; jitter, outliers and faults are drawn per call
from a seeded RNG.

Every stage of a request runs after the previous one, so their costs are charged to the
request's ``Bill`` and paid with one sleep when the request ends (or fails): the client sees
the same latency as a sleep per stage would give, but the event loop wakes up once instead of
about ten times. A wake-up from idle costs ~60 us of CPU on a virtual machine, more than the
domain logic of a request, and libuv rounds each timer to whole milliseconds, so ten
sub-millisecond sleeps of the ``fast`` profile would not even add up to their sum.
"""

from __future__ import annotations

import asyncio
import random
import zlib

from legacy_stub.profile import Profile


def work_size(key: str) -> float:
    """A number in [0, 1) that is the same for the same request text, on every service."""
    return zlib.crc32(key.encode("utf-8", "surrogatepass")) / 2**32


class Bill:
    """Modelled seconds a request has spent but not yet waited for."""

    __slots__ = ("owed",)

    def __init__(self) -> None:
        self.owed = 0.0

    def charge(self, seconds: float) -> None:
        self.owed += seconds

    async def settle(self) -> None:
        owed, self.owed = self.owed, 0.0
        if owed > 0:
            await asyncio.sleep(owed)


class LatencyModel:
    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.rng = random.Random(profile.rng_seed)

    def _jittered(self, seconds: float) -> float:
        j = self.profile.jitter
        return seconds * self.rng.uniform(1 - j, 1 + j) * self.profile.time_scale

    def init_cost(self, orchestrator: str) -> float:
        """Seconds (already scaled) one orchestrator's initialization takes this time."""
        return self._jittered(self.profile.init_s[orchestrator])

    def work_cost(self, stage: str, size: float) -> float:
        """Seconds (already scaled) one stage of work takes for a request of this size."""
        base, per_unit = self.profile.work_s[stage]
        return self._jittered(base + per_unit * size)

    async def health(self) -> None:
        await asyncio.sleep(self.profile.health_s * self.profile.time_scale)

    def draw_outlier(self) -> float:
        """Extra stall for this request (0.0 for most), already scaled."""
        if self.rng.random() >= self.profile.outlier_rate:
            return 0.0
        lo, hi = self.profile.outlier_extra_s
        return self.rng.uniform(lo, hi) * self.profile.time_scale

    def draw_failure(self, stages: tuple[str, ...]) -> str | None:
        """The orchestrator at which this request will fail, or None."""
        if self.rng.random() >= self.profile.error_rate:
            return None
        return self.rng.choice(stages)
