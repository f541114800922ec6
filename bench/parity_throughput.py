"""Parity throughput: the Comparator against plain DeepDiff, side by side, in one run.

    .venv/bin/python bench/parity_throughput.py [--seconds S]

Bodies are legacy-format workflow answers of about 5 KB (the legacy encoder: ", " separators,
ASCII escapes). Three kinds of pairs:

* identical: the same bytes on both sides (target: >= 300x DeepDiff);
* differing: one real difference each (a changed score, a missing key, int -> float, a dropped
  result, reordered keys, ...) on top of the volatile ids and timings (target: >= 5x);
* noise only: only the volatile ids and timings differ (no target; the common case in a run).

The baseline is what a plain shadow tool does per pair: parse both bodies (orjson) and run
DeepDiff on them. The Comparator runs with the legacy volatile rules and also checks what
DeepDiff cannot see (key order, int vs float, number spelling, escaping).
"""

from __future__ import annotations

import argparse
import copy
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import orjson
from deepdiff import DeepDiff

from harness.config import ParityRules, VolatileField
from harness.observation import Observation
from harness.parity import Comparator

RULES = ParityRules(volatile=[
    VolatileField(path="workflow_id", shape="uuid"),
    VolatileField(path="timestamp", shape="timestamp"),
    VolatileField(path="performance_metrics.total_time", shape="integer", min=0),
])


def body(workflow_id: str, total_time: int, results: int = 12) -> dict[str, Any]:
    return {
        "workflow_id": workflow_id,
        "status": "completed",
        "domain_analysis": {"domain": "ENGINEERING", "confidence": 100,
                            "keywords": ["maintenance", "torque", "latency", "module"],
                            "signals": 5},
        "extracted_knowledge": {"entities": None, "relationships": None, "entity_count": 0,
                                "relationship_count": 0},
        "search_results": {
            "query": "Which sections of the incident postmortem mention maintenance?",
            "total_found": 14,
            "results": [
                {"rank": i + 1, "doc_id": f"doc-{190 + i:04d}",
                 "title": f"Module Bearing Latency {i}", "domain": "ENGINEERING",
                 "score": f"{0.651 - i / 100:.4f}", "sources": "vector,keyword",
                 "modality_scores": {"vector": "0.2334", "graph": None, "keyword": "1.0000"},
                 "snippet": "Linux for stress notes iso 9001 on assembly torque. Fatigue "
                            "crack our firmware notes corrosion of tolerance maintenance."}
                for i in range(results)
            ],
        },
        "performance_metrics": {"total_time": total_time, "sla_compliance": True},
        "timestamp": "29/11/2026 19:50:50",
    }


def encode(doc: Any) -> bytes:
    return json.dumps(doc, ensure_ascii=True).encode("ascii")


def observation(raw: bytes, side: str) -> Observation:
    return Observation(side, 200, (("content-type", "application/json"),), raw,  # type: ignore[arg-type]
                       1.0, 1.0, 0.0)


def _mutations() -> list[Callable[[dict], None]]:
    def score(d: dict) -> None:
        d["search_results"]["results"][3]["score"] = "0.1"

    def missing(d: dict) -> None:
        del d["domain_analysis"]["signals"]

    def to_float(d: dict) -> None:
        d["search_results"]["total_found"] = 14.0

    def dropped(d: dict) -> None:
        del d["search_results"]["results"][5]

    def reordered(d: dict) -> None:
        d["domain_analysis"] = dict(reversed(list(d["domain_analysis"].items())))

    def null_to_list(d: dict) -> None:
        d["extracted_knowledge"]["entities"] = []

    def case(d: dict) -> None:
        d["status"] = "COMPLETED"

    return [score, missing, to_float, dropped, reordered, null_to_list, case]


def pairs() -> dict[str, list[tuple[bytes, bytes]]]:
    legacy = encode(body(str(uuid.uuid4()), 2))
    out: dict[str, list[tuple[bytes, bytes]]] = {"identical": [(legacy, legacy)]}
    out["noise only"] = [(legacy, encode(body(str(uuid.uuid4()), 3)))]
    differing = []
    for mutate in _mutations():
        graph = copy.deepcopy(body(str(uuid.uuid4()), 3))
        mutate(graph)
        differing.append((legacy, encode(graph)))
    out["differing"] = differing
    return out


def rate(work: Callable[[bytes, bytes], Any], cases: list[tuple[bytes, bytes]],
         seconds: float) -> float:
    """Pairs per second, cycling through ``cases`` for about ``seconds``."""
    done, started = 0, time.perf_counter()
    deadline = started + seconds
    while True:
        for a, b in cases:
            work(a, b)
        done += len(cases)
        now = time.perf_counter()
        if now >= deadline:
            return done / (now - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="per measurement")
    args = parser.parse_args()
    comparator = Comparator(RULES)

    def harness(a: bytes, b: bytes) -> Any:
        return comparator.compare(observation(a, "legacy"), observation(b, "graph"))

    def deepdiff(a: bytes, b: bytes) -> Any:
        return DeepDiff(orjson.loads(a), orjson.loads(b))

    sets = pairs()
    size = len(sets["identical"][0][0])
    print(f"legacy-format workflow bodies of {size} bytes; {args.seconds:.1f} s per figure")
    print(f"{'pairs':<12} {'harness pairs/s':>16} {'DeepDiff pairs/s':>17} {'ratio':>8}  target")
    targets = {"identical": 300.0, "differing": 5.0, "noise only": None}
    for name, cases in sets.items():
        for a, b in cases:  # the harness must see the differences it is timed on
            verdict = harness(a, b)
            expected = {"identical": "match", "noise only": "noise_only"}.get(name, "mismatch")
            assert str(verdict.outcome) == expected, (name, verdict)
        ours = rate(harness, cases, args.seconds)
        theirs = rate(deepdiff, cases, args.seconds)
        target = targets[name]
        verdict_text = "" if target is None else (
            f">= {target:.0f}x {'met' if ours / theirs >= target else 'NOT met'}")
        print(f"{name:<12} {ours:>16,.0f} {theirs:>17,.0f} {ours / theirs:>7.0f}x  {verdict_text}")


if __name__ == "__main__":
    main()
