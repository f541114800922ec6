"""workflow_orchestrator: config extraction, then search over what was extracted."""

from __future__ import annotations

from typing import Any

from legacy_stub.models import MODALITIES
from legacy_stub.orchestrators.base import Orchestrator, RequestContext
from legacy_stub.orchestrators.config_extraction import ConfigExtractionOrchestrator
from legacy_stub.orchestrators.search import SearchOrchestrator


class WorkflowOrchestrator(Orchestrator):
    name = "workflow"

    def __init__(self, ctx: RequestContext) -> None:
        super().__init__(ctx)
        self.config_extraction = ConfigExtractionOrchestrator(ctx)
        self.search = SearchOrchestrator(ctx)
        self.children = [self.config_extraction, self.search]

    async def run(self, content: str, domain_hint: str | None, max_results: int
                  ) -> dict[str, Any]:
        extraction = await self.config_extraction.analyze(content, domain_hint)
        found = await self.search.search(content, None, max_results, list(MODALITIES))
        return {**extraction, "search": found}
