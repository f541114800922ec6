"""Pacer: the simulated cost of an agent call. It sleeps (never burns CPU) and reports the
modelled seconds, which the budget clock of the ``fast`` profile adds up."""

from __future__ import annotations

import asyncio
import random
import zlib
from dataclasses import dataclass

from graph_system.profile import GraphProfile


def request_size(text: str) -> float:
    """Work size in [0, 1) from the request text: the same request is equally heavy on every
    service that computes it this way."""
    return zlib.crc32(text.encode("utf-8", "surrogatepass")) / 2**32


@dataclass(frozen=True, slots=True)
class FaultPlan:
    """What goes wrong in one run, drawn when it starts."""

    fail_at: str | None = None
    stall_s: float = 0.0


NO_FAULTS = FaultPlan()


class Pacer:
    def __init__(self, profile: GraphProfile, rng: random.Random | None = None) -> None:
        self.profile = profile
        self.rng = rng or random.Random(profile.rng_seed)
        self.enabled = True

    def cost(self, stage: str, size: float) -> float:
        """Modelled seconds of one call (profile units, before ``time_scale``)."""
        base, per_unit = self.profile.work_s[stage]
        j = self.profile.jitter
        return (base + per_unit * size) * self.rng.uniform(1 - j, 1 + j)

    async def spend(self, stage: str, size: float) -> float:
        if not self.enabled:
            return 0.0
        seconds = self.cost(stage, size)
        await asyncio.sleep(seconds * self.profile.time_scale)
        return seconds

    async def stall(self, seconds: float) -> float:
        if seconds and self.enabled:
            await asyncio.sleep(seconds * self.profile.time_scale)
        return seconds

    def draw_faults(self, nodes: tuple[str, ...]) -> FaultPlan:
        if not self.enabled:
            return NO_FAULTS
        fail_at = None
        if self.rng.random() < self.profile.error_rate:
            fail_at = self.rng.choice(nodes)
        stall = 0.0
        if self.rng.random() < self.profile.sla_outlier_rate:
            stall = self.profile.sla_outlier_extra_s
        return FaultPlan(fail_at, stall) if fail_at or stall else NO_FAULTS
