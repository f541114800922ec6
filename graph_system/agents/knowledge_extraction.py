"""Knowledge extraction agent: entities and the relationships between neighbouring ones."""

from __future__ import annotations

from graph_system.agents.domain_intelligence import AgentRun
from graph_system.agents.pacing import Pacer
from graph_system.knowledge import CorpusIndex
from graph_system.models import (
    DomainConfig,
    DomainExtraction,
    Entity,
    KnowledgeResults,
    Modality,
    Relationship,
)

ENTITY_LIMIT = 25
RELATIONSHIP_LIMIT = 25
NEAR = 6  # at most this many tokens apart for two mentions to be related

# Retrieval weights by what the text offers: relations favour the graph, bare text keywords.
WEIGHTS_WITH_RELATIONS: dict[Modality, float] = {"vector": 0.4, "graph": 0.4, "keyword": 0.2}
WEIGHTS_WITH_ENTITIES: dict[Modality, float] = {"vector": 0.5, "graph": 0.3, "keyword": 0.2}
WEIGHTS_TEXT_ONLY: dict[Modality, float] = {"vector": 0.7, "graph": 0.0, "keyword": 0.3}


def domain_extraction(config: DomainConfig, knowledge: KnowledgeResults) -> DomainExtraction:
    """The search configuration a domain's texts should use, from what was extracted."""
    if knowledge.relationships:
        weights = WEIGHTS_WITH_RELATIONS
    elif knowledge.entities:
        weights = WEIGHTS_WITH_ENTITIES
    else:
        weights = WEIGHTS_TEXT_ONLY
    tokens = config.token_count
    return DomainExtraction(
        domain=config,
        knowledge=knowledge,
        entity_types=list(dict.fromkeys(e.type for e in knowledge.entities)),
        relation_types=list(dict.fromkeys(r.relation for r in knowledge.relationships)),
        top_k=5 + min(len(knowledge.entities), 15),
        chunk_size=256 if tokens < 50 else 512 if tokens < 500 else 1024,
        weights=dict(weights),
    )


class KnowledgeExtractionAgent:
    def __init__(self, index: CorpusIndex, pacer: Pacer) -> None:
        self.index = index
        self.pacer = pacer

    async def run(self, text: str, size: float) -> AgentRun[KnowledgeResults]:
        spent = await self.pacer.spend("knowledge_extraction", size)
        return AgentRun(self.extract(text), spent)

    def extract(self, text: str) -> KnowledgeResults:
        mentions = self.index.read(text).mentions
        counts: dict[str, int] = {}
        types: dict[str, str] = {}
        for mention in mentions:
            if mention.name in counts:
                counts[mention.name] += 1
            elif len(counts) < ENTITY_LIMIT:
                counts[mention.name] = 1
                types[mention.name] = mention.type
        entities = [Entity(name=n, type=types[n], count=c) for n, c in counts.items()]

        relation_of = self.index.relation_of
        found: list[Relationship] = []
        seen: set[tuple[str, str, str]] = set()
        for i in range(len(mentions) - 1):
            if len(found) == RELATIONSHIP_LIMIT:
                break
            a, b = mentions[i], mentions[i + 1]
            if a.name == b.name or b.position - a.position > NEAR:
                continue
            forward = relation_of.get((a.type, b.type))
            if forward is not None:
                triple = (a.name, forward, b.name)
            else:
                backward = relation_of.get((b.type, a.type))
                if backward is None:
                    continue
                triple = (b.name, backward, a.name)
            if triple in seen:
                continue
            seen.add(triple)
            found.append(Relationship(source=triple[0], relation=triple[1], target=triple[2]))
        return KnowledgeResults(entities=entities, relationships=found)
