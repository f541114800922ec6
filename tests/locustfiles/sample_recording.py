"""Small recordings for the locustfile tests: the four endpoints in turn, unique ids."""

from __future__ import annotations

from pathlib import Path

import orjson

ENDPOINTS = (
    ("POST", "/api/v1/workflow", "workflow", {"content": "Summarize the NDA", "user_id": "u-1"}),
    ("POST", "/api/v1/search", "search", {"query": "force majeure", "top_k": 5}),
    ("POST", "/api/v1/config/extract", "config_extraction", {"content": "domain: legal"}),
    ("GET", "/health", "health", None),
)


def write_recording(path: Path, count: int) -> list[str]:
    """A recording of ``count`` requests cycling through the four endpoints; returns the ids."""
    ids = []
    with path.open("wb") as handle:
        for n in range(count):
            method, route, endpoint, body = ENDPOINTS[n % len(ENDPOINTS)]
            body = None if body is None else {**body, "n": n}
            line = {"id": f"req-{n:05d}", "ts": 1754870400.0 + n, "method": method,
                    "path": route, "query": {"probe": "lb"} if body is None else {},
                    "headers": {"user-agent": "test/1.0"}, "body": body, "endpoint": endpoint}
            handle.write(orjson.dumps(line) + b"\n")
            ids.append(line["id"])
    return ids
