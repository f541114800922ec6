"""ResponseFormatter: native graph results -> the legacy response bodies, byte for byte.

Every legacy quirk is reproduced here and nowhere else (see legacy_stub/README.md for the
list): fixed key order, scores as 4-decimal strings, ``null`` for empty lists, integer
milliseconds and integer-percent confidence, upper-case domains, comma-joined modality lists,
``DD/MM/YYYY HH:MM:SS`` timestamps, and Python-``json`` encoding (``", "``/``": "``
separators, ``\\uXXXX`` escapes).
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from graph_system.models import (
    MODALITIES,
    DomainConfig,
    DomainExtraction,
    KnowledgeResults,
    SearchHit,
    SearchResults,
)

QUERY_ECHO_CHARS = 100


class ResponseFormatter:
    """Stateless; one instance per app."""

    @staticmethod
    def encode(body: dict[str, Any]) -> bytes:
        return json.dumps(body, ensure_ascii=True).encode("ascii")

    @staticmethod
    def timestamp() -> str:
        return datetime.now(UTC).strftime("%d/%m/%Y %H:%M:%S")

    @staticmethod
    def _nullable(items: list[Any]) -> list[Any] | None:
        return items if items else None

    @staticmethod
    def _score(value: float) -> str:
        return f"{value:.4f}"

    @staticmethod
    def _millis(seconds: float) -> int:
        return int(seconds * 1000)

    @staticmethod
    def percent(config: DomainConfig) -> int:
        """Rounded half up in integers: a float product could land on the other side."""
        if not config.total_signals:
            return 0
        return (config.domain_signals * 200 + config.total_signals) // (2 * config.total_signals)

    def _hit(self, rank: int, hit: SearchHit) -> dict[str, Any]:
        return {
            "rank": rank,
            "doc_id": hit.doc_id,
            "title": hit.title,
            "domain": hit.domain.upper(),
            "score": self._score(hit.score),
            "sources": ",".join(hit.sources),
            "modality_scores": {
                m: None if hit.modality_scores.get(m) is None
                else self._score(hit.modality_scores[m])  # type: ignore[arg-type]
                for m in MODALITIES
            },
            "snippet": hit.snippet,
        }

    def _hits(self, results: SearchResults) -> list[dict[str, Any]] | None:
        return self._nullable([self._hit(i, h) for i, h in enumerate(results.hits, start=1)])

    def workflow(self, workflow_id: str, config: DomainConfig, knowledge: KnowledgeResults,
                 results: SearchResults, elapsed_s: float, sla_s: float) -> dict[str, Any]:
        return {
            "workflow_id": workflow_id,
            "status": "completed",
            "domain_analysis": {
                "domain": config.domain.upper(),
                "confidence": self.percent(config),
                "keywords": self._nullable(config.keywords),
                "signals": config.total_signals,
            },
            "extracted_knowledge": {
                "entities": self._nullable([
                    {"text": e.name, "type": e.type, "count": e.count}
                    for e in knowledge.entities
                ]),
                "relationships": self._nullable([
                    {"source": r.source, "relation": r.relation, "target": r.target}
                    for r in knowledge.relationships
                ]),
                "entity_count": len(knowledge.entities),
                "relationship_count": len(knowledge.relationships),
            },
            "search_results": {
                "query": results.query[:QUERY_ECHO_CHARS],
                "total_found": results.total_found,
                "results": self._hits(results),
            },
            "performance_metrics": {
                "total_time": self._millis(elapsed_s),
                "sla_compliance": elapsed_s < sla_s,
            },
            "timestamp": self.timestamp(),
        }

    def search(self, results: SearchResults, elapsed_s: float) -> dict[str, Any]:
        return {
            "search_id": str(uuid.uuid4()),
            "status": "completed",
            "query": results.query[:QUERY_ECHO_CHARS],
            "domain": None if results.domain is None else results.domain.upper(),
            "modalities": ",".join(results.modalities),
            "total_results": results.total_found,
            "modality_counts": {m: results.counts.get(m) for m in MODALITIES},
            "results": self._hits(results),
            "search_time": self._millis(elapsed_s),
            "timestamp": self.timestamp(),
        }

    def config_extraction(self, config_id: str, extraction: DomainExtraction,
                          elapsed_s: float) -> dict[str, Any]:
        return {
            "config_id": config_id,
            "status": "completed",
            "domain": extraction.domain.domain.upper(),
            "confidence": self.percent(extraction.domain),
            "config": {
                "keywords": self._nullable(extraction.domain.keywords),
                "entity_types": self._nullable(extraction.entity_types),
                "relation_types": self._nullable(extraction.relation_types),
                "search": {
                    "top_k": extraction.top_k,
                    "chunk_size": extraction.chunk_size,
                    "weights": {m: f"{extraction.weights[m]:.2f}" for m in MODALITIES},
                },
            },
            "extraction_time": self._millis(elapsed_s),
            "timestamp": self.timestamp(),
        }

    def health(self, documents: int, domains: tuple[str, ...], uptime_s: float,
               service: str, version: str) -> dict[str, Any]:
        return {
            "status": "healthy",
            "service": service,
            "version": version,
            "documents_indexed": documents,
            "domains": [d.upper() for d in domains],
            "uptime_seconds": int(uptime_s),
            "timestamp": self.timestamp(),
        }

    def error(self, status: int, code: str, message: str,
              details: list[dict[str, str]] | None = None) -> dict[str, Any]:
        return {
            "status": "error",
            "error_code": code,
            "message": message,
            "status_code": status,
            "details": details,
            "request_id": str(uuid.uuid4()),
            "timestamp": self.timestamp(),
        }
