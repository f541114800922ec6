"""search_orchestrator: validates the search parameters and delegates to universal search."""

from __future__ import annotations

from typing import Any

from legacy_stub.orchestrators.base import Orchestrator, RequestContext
from legacy_stub.orchestrators.universal_search import UniversalSearchOrchestrator


class SearchOrchestrator(Orchestrator):
    name = "search"

    def __init__(self, ctx: RequestContext) -> None:
        super().__init__(ctx)
        self.universal = UniversalSearchOrchestrator(ctx)
        self.children = [self.universal]

    async def search(self, query: str, domain: str | None, top_k: int,
                     modalities: list[str]) -> dict[str, Any]:
        return await self.universal.search(query, domain, top_k, modalities)
