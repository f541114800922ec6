"""Test doubles for the replay tests: recorded requests, a bytes comparator, sinks."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from harness.observation import Observation
from harness.recording import RecordedRequest
from harness.verdict import MATCH, Kind, Layer, Mismatch, Verdict


def make_request(index: int, *, ts: float = 1_700_000_000.0, body: Any = None,
                 endpoint: str = "workflow", path: str = "/api/v1/workflow",
                 method: str = "POST") -> RecordedRequest:
    if body is None and method == "POST":
        body = {"content": f"request {index}", "user_id": None}
    return RecordedRequest(id=f"r{index:06d}", ts=ts, method=method, path=path, body=body,
                           endpoint=endpoint)


def write_lines(path: Any, lines: list[Any]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for line in lines:
            handle.write(line if isinstance(line, str) else json.dumps(line))
            handle.write("\n")


class BytesComparator:
    """The engine's contract with the parity engine, at its simplest: equal status and bytes
    match. Keeps these tests about replay, not about parity rules."""

    def __init__(self) -> None:
        self.compared = 0

    def compare(self, legacy: Observation, graph: Observation) -> Verdict:
        self.compared += 1
        if legacy.status != graph.status:
            return Verdict.of((Mismatch("@status", Kind.STATUS, Layer.PROTOCOL,
                                        legacy.status, graph.status),))
        if legacy.body == graph.body:
            return MATCH
        return Verdict.of((Mismatch("", Kind.BODY, Layer.SEMANTIC),))

    def diff_paths(self, first: Observation, second: Observation) -> list[str]:
        a, b = json.loads(first.body), json.loads(second.body)
        return sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))


class ListWriter:
    """A ResultWriter stand-in that keeps rows in memory (tests only)."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def add(self, row: dict[str, Any]) -> None:
        self.rows.append(row)


@dataclass
class Examples:
    seen: list[Any] = field(default_factory=list)

    def add(self, exchange: Any, verdict: Verdict) -> None:
        self.seen.append((exchange, verdict))
