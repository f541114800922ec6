"""Pacing: when each recorded request is sent.

Three ways, as load tools do: a closed loop (``concurrency`` pairs in flight, the next one sent
when one finishes), an open loop (the recorded inter-arrival times divided by ``speed``, like
GoReplay's ``200%``) and a fixed ``rate``. Open loops send on schedule whatever the targets do,
so a slow target shows as queueing in the latency from the intended send time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

Mode = Literal["closed", "open", "rate"]

DEFAULT_CONCURRENCY = 64


@dataclass(frozen=True, slots=True)
class Pacing:
    """How a replay is paced.

    ``concurrency`` is the number of pairs in flight in a closed loop; in an open loop it only
    caps them (memory and sockets stay bounded). A capped open loop falls behind its schedule,
    and that delay shows in ``intended_latency_ms``: it is never hidden.
    """

    mode: Mode = "closed"
    concurrency: int = DEFAULT_CONCURRENCY
    speed: float | None = None
    rate: float | None = None

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, got {self.concurrency}")
        if self.mode == "open" and not (self.speed is not None and self.speed > 0):
            raise ValueError(f"speed must be a positive number, got {self.speed}")
        if self.mode == "rate" and not (self.rate is not None and self.rate > 0):
            raise ValueError(f"rate must be a positive number of requests/s, got {self.rate}")
        if self.mode not in ("closed", "open", "rate"):
            raise ValueError(f"unknown pacing mode {self.mode!r}")

    @classmethod
    def closed_loop(cls, concurrency: int = DEFAULT_CONCURRENCY) -> Pacing:
        return cls("closed", concurrency)

    @classmethod
    def open_loop(cls, speed: float, concurrency: int = 1024) -> Pacing:
        return cls("open", concurrency, speed=speed)

    @classmethod
    def fixed_rate(cls, rate: float, concurrency: int = 1024) -> Pacing:
        return cls("rate", concurrency, rate=rate)

    @property
    def scheduled(self) -> bool:
        """True when sends follow a schedule (open loop or fixed rate)."""
        return self.mode != "closed"

    def describe(self) -> dict[str, Any]:
        """For run.json: what paced the run."""
        out: dict[str, Any] = {"mode": self.mode, "concurrency": self.concurrency}
        if self.mode == "open":
            out["speed"] = self.speed
        if self.mode == "rate":
            out["rate"] = self.rate
        return out

    def __str__(self) -> str:
        if self.mode == "open":
            return f"open loop at {self.speed:g}x recorded speed (at most {self.concurrency} " \
                   "in flight)"
        if self.mode == "rate":
            return f"fixed rate {self.rate:g} pairs/s (at most {self.concurrency} in flight)"
        return f"closed loop, {self.concurrency} pairs in flight"

    def clock(self) -> Clock:
        return Clock(self)


class Clock:
    """Turns recorded send times into offsets (seconds from the start of the replay).

    Offsets never go backwards: a recording whose lines are out of time order sends the late
    line at once rather than in the past.
    """

    __slots__ = ("_first", "_index", "_last", "_pacing")

    def __init__(self, pacing: Pacing) -> None:
        self._pacing = pacing
        self._first: float | None = None
        self._last = 0.0
        self._index = 0

    def offset(self, ts: float) -> float | None:
        """The intended send offset of the next request, None in a closed loop."""
        pacing = self._pacing
        if pacing.mode == "closed":
            return None
        if pacing.mode == "rate":
            offset = self._index / pacing.rate  # type: ignore[operator]
        else:
            if self._first is None:
                self._first = ts
            offset = (ts - self._first) / pacing.speed  # type: ignore[operator]
        self._index += 1
        if offset < self._last:
            offset = self._last
        self._last = offset
        return offset


def offsets(pacing: Pacing, timestamps: Iterable[float]) -> Iterator[float | None]:
    """The intended send offsets of requests recorded at ``timestamps``."""
    clock = pacing.clock()
    for ts in timestamps:
        yield clock.offset(ts)
