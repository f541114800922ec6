"""pydantic_integration: the conversion layer from orchestrator results to the legacy
response bodies. The key order written here is the key order clients see."""

from __future__ import annotations

import uuid
from typing import Any

from legacy_stub.legacy_format import elapsed_ms, listing, score, timestamp
from legacy_stub.models import MODALITIES
from legacy_stub.orchestrators.base import Orchestrator

QUERY_ECHO = 100


class PydanticIntegration(Orchestrator):
    name = "pydantic_integration"

    async def convert(self) -> None:
        self.ctx.work("conversion")


def _result(rank: int, item: dict[str, Any]) -> dict[str, Any]:
    return {
        "rank": rank,
        "doc_id": item["doc_id"],
        "title": item["title"],
        "domain": item["domain"].upper(),
        "score": score(item["score"]),
        "sources": ",".join(item["sources"]),
        "modality_scores": {
            m: None if item["modality_scores"][m] is None else score(item["modality_scores"][m])
            for m in MODALITIES
        },
        "snippet": item["snippet"],
    }


def _results(found: dict[str, Any]) -> list[dict[str, Any]] | None:
    return listing([_result(i, r) for i, r in enumerate(found["results"], start=1)])


def workflow_body(outcome: dict[str, Any], elapsed_s: float, sla_s: float) -> dict[str, Any]:
    analysis = outcome["analysis"]
    found = outcome["search"]
    return {
        "workflow_id": str(uuid.uuid4()),
        "status": "completed",
        "domain_analysis": {
            "domain": analysis["domain"].upper(),
            "confidence": analysis["confidence"],
            "keywords": listing(analysis["keywords"]),
            "signals": analysis["signals"],
        },
        "extracted_knowledge": {
            "entities": listing(outcome["entities"]),
            "relationships": listing(outcome["relationships"]),
            "entity_count": len(outcome["entities"]),
            "relationship_count": len(outcome["relationships"]),
        },
        "search_results": {
            "query": found["query"][:QUERY_ECHO],
            "total_found": found["total_found"],
            "results": _results(found),
        },
        "performance_metrics": {
            "total_time": elapsed_ms(elapsed_s),
            "sla_compliance": elapsed_s < sla_s,
        },
        "timestamp": timestamp(),
    }


def search_body(found: dict[str, Any], elapsed_s: float) -> dict[str, Any]:
    return {
        "search_id": str(uuid.uuid4()),
        "status": "completed",
        "query": found["query"][:QUERY_ECHO],
        "domain": None if found["domain"] is None else found["domain"].upper(),
        "modalities": ",".join(found["modalities"]),
        "total_results": found["total_found"],
        "modality_counts": {m: found["counts"].get(m) for m in MODALITIES},
        "results": _results(found),
        "search_time": elapsed_ms(elapsed_s),
        "timestamp": timestamp(),
    }


def config_body(outcome: dict[str, Any], config: dict[str, Any], elapsed_s: float
                ) -> dict[str, Any]:
    analysis = outcome["analysis"]
    return {
        "config_id": str(uuid.uuid4()),
        "status": "completed",
        "domain": analysis["domain"].upper(),
        "confidence": analysis["confidence"],
        "config": {
            "keywords": listing(config["keywords"]),
            "entity_types": listing(config["entity_types"]),
            "relation_types": listing(config["relation_types"]),
            "search": {
                "top_k": config["top_k"],
                "chunk_size": config["chunk_size"],
                "weights": config["weights"],
            },
        },
        "extraction_time": elapsed_ms(elapsed_s),
        "timestamp": timestamp(),
    }
