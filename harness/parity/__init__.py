"""Parity engine: does the graph answer exactly as legacy does, as a legacy client sees it?

Placeholder until the parity engine lands: raw-bytes equality only.
"""

from __future__ import annotations

from harness.config import ParityRules
from harness.observation import Observation
from harness.verdict import MATCH, Kind, Layer, Mismatch, Verdict


class Comparator:
    def __init__(self, rules: ParityRules | None = None, noise: object | None = None) -> None:
        self.rules = rules or ParityRules()
        self.noise = noise

    def compare(self, legacy: Observation, graph: Observation) -> Verdict:
        if legacy.status != graph.status:
            return Verdict.of((Mismatch("@status", Kind.STATUS, Layer.PROTOCOL,
                                        legacy.status, graph.status),))
        if legacy.body == graph.body:
            return MATCH
        return Verdict.of((Mismatch("", Kind.BODY, Layer.SEMANTIC, None, None),))

    def diff_paths(self, first: Observation, second: Observation) -> list[str]:
        return [] if first.body == second.body else [""]


__all__ = ["Comparator"]
