"""Observation (one side's answer) and Exchange (a recorded request with both answers)."""

from __future__ import annotations

from dataclasses import dataclass, field

from harness._types import ErrorKind, Headers, Side
from harness.recording import RecordedRequest


@dataclass(frozen=True, slots=True)
class Observation:
    """What one target answered to one request, or how it failed to.

    ``latency_ms`` runs from the actual send; ``intended_latency_ms`` from the send time the
    pacing intended (equal in closed loop), so queueing delay in open loop is never hidden.
    A timeout keeps the timeout as its latency: it is an error, never a dropped sample.
    """

    side: Side
    status: int | None
    headers: Headers
    body: bytes
    latency_ms: float
    intended_latency_ms: float
    started_at: float
    error: ErrorKind | None = None
    error_detail: str | None = None

    @property
    def failed(self) -> bool:
        return self.error is not None

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        for key, value in self.headers:
            if key == wanted:
                return value
        return None

    @property
    def content_type(self) -> str | None:
        return self.header("content-type")


@dataclass(frozen=True, slots=True)
class Exchange:
    """A recorded request with the legacy and graph observations (and a second legacy one)."""

    request: RecordedRequest
    legacy: Observation
    graph: Observation
    first_side: Side = "legacy"
    secondary: Observation | None = field(default=None)

    @property
    def outcome(self) -> str:
        if self.legacy.failed and self.graph.failed:
            return "both_error"
        if self.legacy.failed:
            return "legacy_error"
        if self.graph.failed:
            return "graph_error"
        return "compared"
