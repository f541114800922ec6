"""unified_orchestrator: the entry point of every API call. It builds the whole orchestrator
chain and initializes all of it, whatever the endpoint needs."""

from __future__ import annotations

import time
from typing import Any

from legacy_stub.knowledge import KnowledgeBase
from legacy_stub.latency import LatencyModel, work_size
from legacy_stub.models import ConfigExtractionRequest, SearchRequest, WorkflowRequest
from legacy_stub.orchestrators import pydantic_integration as convert
from legacy_stub.orchestrators.base import Orchestrator, RequestContext
from legacy_stub.orchestrators.config_extraction import ConfigExtractionOrchestrator
from legacy_stub.orchestrators.pydantic_integration import PydanticIntegration
from legacy_stub.orchestrators.workflow import WorkflowOrchestrator
from legacy_stub.profile import STAGES


class UnifiedOrchestrator(Orchestrator):
    name = "unified"

    def __init__(self, ctx: RequestContext) -> None:
        super().__init__(ctx)
        self.workflow = WorkflowOrchestrator(ctx)
        self.integration = PydanticIntegration(ctx)
        self.children = [self.workflow, self.integration]


class LegacyService:
    """Holds what lives for the whole process: the corpus indexes and the latency model.
    Orchestrators, by the legacy design, live for one request."""

    def __init__(self, knowledge: KnowledgeBase, latency: LatencyModel) -> None:
        self.knowledge = knowledge
        self.latency = latency

    async def _start(self, key: str) -> UnifiedOrchestrator:
        ctx = RequestContext(self.knowledge, self.latency, work_size(key),
                             fail_at=self.latency.draw_failure(STAGES))
        ctx.bill.charge(self.latency.draw_outlier())
        unified = UnifiedOrchestrator(ctx)
        await unified.initialize()
        return unified

    async def workflow(self, request: WorkflowRequest) -> dict[str, Any]:
        started = time.perf_counter()
        unified = await self._start(request.content)
        outcome = await unified.workflow.run(request.content, request.domain_hint,
                                             request.max_results)
        await unified.integration.convert()
        await unified.ctx.bill.settle()
        return convert.workflow_body(outcome, time.perf_counter() - started,
                                     self.latency.profile.sla_s * self.latency.profile.time_scale)

    async def search(self, request: SearchRequest) -> dict[str, Any]:
        started = time.perf_counter()
        unified = await self._start(request.query)
        # The legacy search orchestrator analyzes the query's domain before it searches, and
        # then does not use the result: time spent, nothing in the answer.
        unified.ctx.work("query_analysis")
        found = await unified.workflow.search.search(request.query, request.domain,
                                                     request.top_k, list(request.modalities))
        await unified.integration.convert()
        await unified.ctx.bill.settle()
        return convert.search_body(found, time.perf_counter() - started)

    async def config_extraction(self, request: ConfigExtractionRequest) -> dict[str, Any]:
        started = time.perf_counter()
        unified = await self._start(request.content)
        extractor = unified.workflow.config_extraction
        outcome = await extractor.analyze(request.content, request.domain_hint)
        unified.ctx.work("config_build")
        config = ConfigExtractionOrchestrator.domain_config(outcome)
        await unified.integration.convert()
        await unified.ctx.bill.settle()
        return convert.config_body(outcome, config, time.perf_counter() - started)
