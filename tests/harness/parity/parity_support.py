"""Shared builders for the parity tests: Observations, legacy-style bodies, the legacy rules."""

from __future__ import annotations

import json
from typing import Any

import orjson

from harness.config import ParityRules, VolatileField
from harness.observation import Observation

JSON_TYPE = "application/json"


def legacy_encode(body: Any) -> bytes:
    """The legacy wire format: Python's json.dumps defaults (", " and ": ", ASCII escapes)."""
    return json.dumps(body, ensure_ascii=True).encode("ascii")


def obs(body: Any, status: int = 200, content_type: str | None = JSON_TYPE,
        side: str = "legacy", headers: tuple[tuple[str, str], ...] = ()) -> Observation:
    raw = body if isinstance(body, bytes) else orjson.dumps(body)
    all_headers = ((("content-type", content_type),) if content_type else ()) + headers
    return Observation(side, status, all_headers, raw, 1.0, 1.0, 0.0)  # type: ignore[arg-type]


# What legacy answers differently every time (see legacy_stub/README.md): ids, the
# second-resolution timestamp, elapsed milliseconds and uptime.
LEGACY_RULES = ParityRules(
    volatile=[
        VolatileField(path="workflow_id", shape="uuid"),
        VolatileField(path="config_id", shape="uuid"),
        VolatileField(path="search_id", shape="uuid"),
        VolatileField(path="request_id", shape="uuid"),
        VolatileField(path="timestamp", shape="timestamp"),
        VolatileField(path="performance_metrics.total_time", shape="integer", min=0),
        VolatileField(path="extraction_time", shape="integer", min=0),
        VolatileField(path="search_time", shape="integer", min=0),
        VolatileField(path="uptime_seconds", shape="integer", min=0),
    ],
)


def workflow_body(workflow_id: str = "6af8d2e1-83d5-4f60-941d-3da0d07f120b",
                  total_time: int = 2) -> dict[str, Any]:
    """A legacy /api/v1/workflow answer as the stub returns it (about 2.4 KB)."""
    results = [
        {"rank": i + 1, "doc_id": f"doc-0{190 + i}", "title": f"Module Bearing Latency {i}",
         "domain": "ENGINEERING", "score": f"{0.651 - i / 100:.4f}", "sources": "vector,keyword",
         "modality_scores": {"vector": "0.2334", "graph": None, "keyword": "1.0000"},
         "snippet": "Linux for stress notes iso 9001 on assembly torque. Fatigue crack café."}
        for i in range(5)
    ]
    return {
        "workflow_id": workflow_id,
        "status": "completed",
        "domain_analysis": {"domain": "ENGINEERING", "confidence": 100,
                            "keywords": ["maintenance", "torque", "latency", "module"],
                            "signals": 5},
        "extracted_knowledge": {"entities": None, "relationships": None, "entity_count": 0,
                                "relationship_count": 0},
        "search_results": {"query": "Which sections mention maintenance or torque?",
                           "total_found": 14, "results": results},
        "performance_metrics": {"total_time": total_time, "sla_compliance": True},
        "timestamp": "29/11/2026 19:50:50",
    }
