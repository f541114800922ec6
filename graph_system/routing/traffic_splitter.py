"""TrafficSplitter: which path serves a request in split mode (the plan's Phase 1.1).

Assignment is sticky: the key (a header or a body field) is hashed into one of 10,000 buckets
and a request goes to the graph when its bucket is under ``percentage × 100``. Raising the
percentage therefore only ever moves users from legacy to the graph, never back and forth,
and one user stays on one path while the percentage holds. A request without the key is
assigned at random (there is nothing to stick to).
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from typing import Literal

import orjson

from graph_system.routing.upstream import ProxiedRequest

BUCKETS = 10_000
Path_ = Literal["legacy", "graph"]


def bucket_of(key: str, salt: str = "") -> int:
    """A stable bucket in ``0..BUCKETS-1``; blake2b so it is the same on every host and run."""
    digest = hashlib.blake2b(f"{salt}\x00{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % BUCKETS


def _body_field(body: bytes, dotted: str) -> str | None:
    if not body:
        return None
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    if value is None or isinstance(value, dict | list):
        return None
    return str(value)


@dataclass(frozen=True, slots=True)
class StickyKey:
    """Where the key is read: ``header:x-user-id`` or ``body:user_id`` (dotted path)."""

    source: Literal["header", "body"]
    name: str

    @classmethod
    def parse(cls, spec: str) -> StickyKey:
        source, _, name = spec.partition(":")
        if source not in ("header", "body") or not name:
            raise ValueError(f"sticky key {spec!r}: use 'header:NAME' or 'body:dotted.path'")
        return cls(source, name.lower() if source == "header" else name)  # type: ignore[arg-type]

    def read(self, request: ProxiedRequest) -> str | None:
        if self.source == "header":
            return request.header(self.name) or None
        return _body_field(request.body, self.name)


class TrafficSplitter:
    """The live routing decision; ``percentage`` and ``force_legacy`` change at run time."""

    def __init__(
        self, percentage: float = 0.0, key: StickyKey | None = None, salt: str = "",
        force_legacy: bool = False, rng: random.Random | None = None,
    ) -> None:
        self.percentage = percentage
        self.key = key or StickyKey("header", "x-user-id")
        self.salt = salt
        self.force_legacy = force_legacy
        self._rng = rng or random.Random()

    @property
    def percentage(self) -> float:
        return self._percentage

    @percentage.setter
    def percentage(self, value: float) -> None:
        if not 0 <= value <= 100:
            raise ValueError(f"graph_percentage must be within 0..100, got {value}")
        self._percentage = float(value)
        self._threshold = round(self._percentage * BUCKETS / 100)

    def bucket(self, request: ProxiedRequest) -> int:
        key = self.key.read(request)
        if key is None:
            return self._rng.randrange(BUCKETS)
        return bucket_of(key, self.salt)

    def choose(self, request: ProxiedRequest) -> Path_:
        if self.force_legacy or self._threshold == 0:
            return "legacy"
        return "graph" if self.bucket(request) < self._threshold else "legacy"
