"""What every legacy orchestrator shares: the request context and the per-request init."""

from __future__ import annotations

from dataclasses import dataclass, field

from legacy_stub.knowledge import KnowledgeBase
from legacy_stub.latency import Bill, LatencyModel
from legacy_stub.legacy_format import LegacyError


class OrchestratorError(LegacyError):
    def __init__(self, orchestrator: str) -> None:
        # The body is the same generic one the legacy service sends for any crash; the
        # orchestrator's name only reaches the log.
        super().__init__(500, "INTERNAL_ERROR", "Internal server error")
        self.orchestrator = orchestrator


@dataclass
class RequestContext:
    knowledge: KnowledgeBase
    latency: LatencyModel
    size: float
    fail_at: str | None = None
    bill: Bill = field(default_factory=Bill)

    def work(self, stage: str) -> None:
        """Charge one stage of work to this request (paid when it ends)."""
        self.bill.charge(self.latency.work_cost(stage, self.size))


class Orchestrator:
    """Base class. The legacy design builds a fresh orchestrator per request and each one
    initializes itself (connections, prompt templates, clients) every time: that is the
    2.8 s the migration plan wants gone."""

    name = "orchestrator"

    def __init__(self, ctx: RequestContext) -> None:
        self.ctx = ctx
        self.children: list[Orchestrator] = []

    async def initialize(self) -> None:
        self.ctx.bill.charge(self.ctx.latency.init_cost(self.name))
        if self.ctx.fail_at == self.name:
            await self.ctx.bill.settle()  # a failing request still took its time
            raise OrchestratorError(self.name)
        for child in self.children:
            await child.initialize()
