"""The graph service's agents, built once at start-up and shared by every run."""

from __future__ import annotations

from dataclasses import dataclass

from graph_system.agents.domain_intelligence import AgentRun, DomainIntelligenceAgent
from graph_system.agents.knowledge_extraction import KnowledgeExtractionAgent
from graph_system.agents.pacing import NO_FAULTS, FaultPlan, Pacer, request_size
from graph_system.agents.universal_search import QueryPlan, UniversalSearchAgent
from graph_system.knowledge import CorpusIndex


@dataclass(frozen=True, slots=True)
class Agents:
    domain_intelligence: DomainIntelligenceAgent
    knowledge_extraction: KnowledgeExtractionAgent
    universal_search: UniversalSearchAgent
    pacer: Pacer

    @classmethod
    def build(cls, index: CorpusIndex, pacer: Pacer) -> Agents:
        return cls(DomainIntelligenceAgent(index, pacer), KnowledgeExtractionAgent(index, pacer),
                   UniversalSearchAgent(index, pacer), pacer)


__all__ = [
    "NO_FAULTS",
    "AgentRun",
    "Agents",
    "DomainIntelligenceAgent",
    "FaultPlan",
    "KnowledgeExtractionAgent",
    "Pacer",
    "QueryPlan",
    "UniversalSearchAgent",
    "request_size",
]
