"""Simulated latency and faults: sleeps, never CPU, so two cores can serve hundreds at once.

The work size comes from the request itself (a hash of its content), so the same request is
slow on the legacy and the graph service alike; jitter, outliers and faults are drawn per call
from a seeded RNG.
"""

from __future__ import annotations

import asyncio
import random
import zlib

from legacy_stub.profile import Profile


def work_size(key: str) -> float:
    """A number in [0, 1) that is the same for the same request text, on every service."""
    return zlib.crc32(key.encode("utf-8", "surrogatepass")) / 2**32


class LatencyModel:
    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.rng = random.Random(profile.rng_seed)

    def _jittered(self, seconds: float) -> float:
        j = self.profile.jitter
        return seconds * self.rng.uniform(1 - j, 1 + j) * self.profile.time_scale

    async def initialize(self, orchestrator: str) -> None:
        await asyncio.sleep(self._jittered(self.profile.init_s[orchestrator]))

    async def work(self, stage: str, size: float) -> None:
        base, per_unit = self.profile.work_s[stage]
        await asyncio.sleep(self._jittered(base + per_unit * size))

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
