"""config_extraction_orchestrator: domain analysis, entity/relation extraction, domain config."""

from __future__ import annotations

from collections import Counter
from itertools import pairwise
from typing import Any

from legacy_stub.knowledge import tokenize
from legacy_stub.orchestrators.base import Orchestrator

MAX_KEYWORDS = 10
MAX_ENTITIES = 25
MAX_RELATIONSHIPS = 25
RELATION_WINDOW = 6  # tokens between two mentions that may be related


class ConfigExtractionOrchestrator(Orchestrator):
    name = "config_extraction"

    async def analyze(self, content: str, domain_hint: str | None) -> dict[str, Any]:
        """Domain analysis and knowledge extraction in one pass, as the legacy code does."""
        kb = self.ctx.knowledge
        tokens = tokenize(content)
        mentions = kb.mentions(tokens)
        self.ctx.work("domain_analysis")
        analysis = self._domain(tokens, mentions, domain_hint)
        self.ctx.work("knowledge_extraction")
        entities, relationships = self._extract(mentions)
        return {"analysis": analysis, "entities": entities, "relationships": relationships,
                "token_count": len(tokens)}

    def _domain(self, tokens: list[str], mentions: list[tuple[str, str, str, int]],
                domain_hint: str | None) -> dict[str, Any]:
        kb = self.ctx.knowledge
        hits = dict.fromkeys(kb.domains, 0)
        for token in tokens:
            for domain in kb.domains:
                if token in kb.domain_keywords[domain]:
                    hits[domain] += 1
        for mention in mentions:
            hits[mention[2]] += 1
        total = 0
        for domain in kb.domains:
            total += hits[domain]
        hint = (domain_hint or "").strip().lower()
        if hint in hits:
            domain = hint
        elif total == 0:
            domain = "general"
        else:
            domain = kb.domains[0]
            for candidate in kb.domains:
                if hits[candidate] > hits[domain]:
                    domain = candidate
        domain_hits = hits.get(domain, 0)
        confidence = (domain_hits * 200 + total) // (2 * total) if total else 0
        keywords: list[str] = []
        if domain in kb.domain_keywords:
            counts: Counter[str] = Counter()
            first: dict[str, int] = {}
            for position, token in enumerate(tokens):
                if token in kb.domain_keywords[domain]:
                    counts[token] += 1
                    first.setdefault(token, position)
            keywords = sorted(counts, key=lambda k: (-counts[k], first[k]))[:MAX_KEYWORDS]
        return {"domain": domain, "confidence": confidence, "keywords": keywords,
                "signals": total}

    def _extract(self, mentions: list[tuple[str, str, str, int]]
                 ) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
        relations = self.ctx.knowledge.relations
        entities: dict[str, dict[str, Any]] = {}
        for name, etype, _domain, _position in mentions:
            if name in entities:
                entities[name]["count"] += 1
            elif len(entities) < MAX_ENTITIES:
                entities[name] = {"text": name, "type": etype, "count": 1}
        seen: set[tuple[str, str, str]] = set()
        relationships: list[dict[str, str]] = []
        for left, right in pairwise(mentions):
            if len(relationships) >= MAX_RELATIONSHIPS:
                break
            if left[0] == right[0] or right[3] - left[3] > RELATION_WINDOW:
                continue
            if (left[1], right[1]) in relations:
                triple = (left[0], relations[(left[1], right[1])], right[0])
            elif (right[1], left[1]) in relations:
                triple = (right[0], relations[(right[1], left[1])], left[0])
            else:
                continue
            if triple not in seen:
                seen.add(triple)
                relationships.append(
                    {"source": triple[0], "relation": triple[1], "target": triple[2]})
        return list(entities.values()), relationships

    @staticmethod
    def domain_config(extraction: dict[str, Any]) -> dict[str, Any]:
        entities = extraction["entities"]
        relationships = extraction["relationships"]
        entity_types = list(dict.fromkeys(e["type"] for e in entities))
        relation_types = list(dict.fromkeys(r["relation"] for r in relationships))
        tokens = extraction["token_count"]
        if relationships:
            weights = ("0.40", "0.40", "0.20")
        elif entities:
            weights = ("0.50", "0.30", "0.20")
        else:
            weights = ("0.70", "0.00", "0.30")
        return {
            "keywords": extraction["analysis"]["keywords"],
            "entity_types": entity_types,
            "relation_types": relation_types,
            "top_k": 5 + min(len(entities), 15),
            "chunk_size": 256 if tokens < 50 else 512 if tokens < 500 else 1024,
            "weights": dict(zip(("vector", "graph", "keyword"), weights, strict=True)),
        }
