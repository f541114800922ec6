"""A synthetic RUN_DIR factory for the report tests.

results.parquet, run.json, summary.json (from the real analysis), gate.json and mismatches.jsonl
(through the parity engine's ExampleSink), shaped like the contracts in DESIGN.md, without any
service running.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import orjson

from harness.analysis import summarize
from harness.observation import Exchange, Observation
from harness.parity.examples import ExampleSink
from harness.recording import RecordedRequest
from harness.results import COLUMNS, ResultWriter, read_results
from harness.rundir import write_json
from harness.verdict import Kind, Layer, Mismatch, Verdict

ENDPOINTS = ("workflow", "search", "config_extraction", "health")
# (path, kind, layer, legacy value, graph value): the mismatch classes the factory plants.
PLANTED = (
    ("search_results.results[{i}].score", "number_spelling", "format", "1", "1.0"),
    ("@status", "status", "protocol", 200, 500),
    ("domain_analysis.label", "value_changed", "semantic", "Finance <b>&amp;</b>", "finance"),
)
DECISIONS = ("ADVANCE", "ADVANCE", "ROLLBACK", "HOLD", "HOLD", "INVALID")



def _body(request_id: str, endpoint: str, score: Any, label: str = "Finance") -> bytes:
    return orjson.dumps({
        "workflow_id": request_id, "status": "completed", "endpoint": endpoint,
        "search_results": {"results": [{"id": k, "score": score} for k in range(3)]},
        "domain_analysis": {"label": label, "confidence": 0.93}})


def _example(sink: ExampleSink, row: dict[str, Any], request_body: dict[str, Any],
             mismatch: Mismatch) -> None:
    """A mismatching pair, written through the parity engine's own ExampleSink."""
    request = RecordedRequest(id=row["id"], ts=row["sent_at"], method="POST", path=row["path"],
                              body=request_body, endpoint=row["endpoint"])
    status = 500 if mismatch.kind == Kind.STATUS else 200
    graph_body = _body(row["id"], row["endpoint"], 1.0 if mismatch.layer == Layer.FORMAT else 1,
                       "finance" if mismatch.layer == Layer.SEMANTIC else "Finance")
    headers = (("content-type", "application/json"),)
    legacy = Observation("legacy", 200, headers, _body(row["id"], row["endpoint"], 1),
                         row["legacy_latency_ms"], row["legacy_latency_ms"], row["sent_at"])
    graph = Observation("graph", status, headers, graph_body, row["graph_latency_ms"],
                        row["graph_latency_ms"], row["sent_at"])
    sink.add(Exchange(request, legacy, graph), Verdict.of((mismatch,)))


def gate_dict(steps: int = 6, decisions: tuple[str, ...] = DECISIONS) -> dict[str, Any]:
    names = [f"day-{8 + k}" for k in range(steps)]
    out = []
    for k, name in enumerate(names):
        decision = decisions[k % len(decisions)]
        out.append({
            "name": name, "graph_percentage": [10, 25, 50, 75, 90, 100][k % 6],
            "decision": decision,
            "checks": [
                {"name": "sample_size", "title": "enough requests", "unit": "count",
                 "observed": 2000, "limit": 100 * (k + 1),
                 "verdict": "pass" if decision != "HOLD" else "inconclusive",
                 "detail": "enough paired requests", "effect": {"estimate": 2000}},
                {"name": "sla_mean", "title": "graph mean under the step SLA", "unit": "s",
                 "observed": 2.2105, "limit": 2.5, "verdict": "pass", "legacy": 3.2012,
                 "graph": 2.2105, "effect": {"estimate": 2.2105, "low": 2.19, "high": 2.23},
                 "alpha": 0.05, "detail": "bootstrap upper bound"},
                # The flat spelling of an effect, as older gate.json files have it.
                {"name": "slowdown", "observed": 0.69, "limit": 1.2, "unit": "ratio",
                 "verdict": "pass", "detail": "median of graph/legacy", "legacy": 3.2,
                 "graph": 2.2, "effect": 0.69, "ci_low": 0.67, "ci_high": 0.71,
                 "alpha": 0.0125},
                {"name": "critical", "observed": 0, "limit": 0,
                 "verdict": "fail" if decision == "ROLLBACK" else "pass", "detail": None},
            ],
            "reasons": ([] if decision == "ADVANCE" else
                        [f"{decision.lower()} because of <check> & reason {k}",
                         "a second reason"]),
            **({"needs_more_requests": 3000 * (k + 1)} if decision == "HOLD" else {}),
        })
    advancing = [s["name"] for s in out if s["decision"] == "ADVANCE"]
    return {"steps": out, "highest_advancing_step": advancing[-1] if advancing else None,
            "notes": ["a gate note with <markup>"]}


def build_run_dir(
    run_dir: Path,
    n: int = 1200,
    seed: int = 7,
    graph_scale: float = 2200.0,
    mismatch_every: int = 97,
    planted: tuple[tuple[str, str, str, Any, Any], ...] = PLANTED,
    gate: dict[str, Any] | bool | None = True,
    noise_rows: bool = True,
    examples_per_signature: int = 3,
    graph_down: bool = False,
    noise_sample: bool = False,
) -> Path:
    """Write a complete RUN_DIR of ``n`` rows with planted mismatches every ``mismatch_every``
    rows (cycling through ``planted``) and return it. ``graph_down``: every graph request is
    refused, so the graph side has no latency at all and nothing is compared. ``noise_sample``:
    every compared pair has a second legacy answer that differs in ``workflow_id`` only (and the
    graph always differs there too), so that path is learnable noise."""
    rng = np.random.default_rng(seed)
    run_dir.mkdir(parents=True, exist_ok=True)
    t0 = 1_754_200_000.0
    with ResultWriter(run_dir / "results.parquet", batch_size=500) as writer, \
            ExampleSink(run_dir / "mismatches.jsonl", examples_per_signature) as sink:
        for i in range(n):
            endpoint = ENDPOINTS[int(rng.choice(4, p=[0.55, 0.3, 0.12, 0.03]))]
            request_body = {"content": "x" * int(rng.integers(0, 4000)), "user_id": f"u{i}"}
            row = dict.fromkeys(COLUMNS)
            sent_at = t0 + i * 0.02 + float(rng.uniform(0, 0.01))
            legacy_error = "http_5xx" if rng.random() < 0.02 else None
            graph_error = "timeout" if rng.random() < 0.004 else None
            if graph_down:
                graph_error = "connection_refused"
            outcome = ("both_error" if legacy_error and graph_error else
                       "legacy_error" if legacy_error else
                       "graph_error" if graph_error else "compared")
            if i == n - 1:
                outcome = "skipped"
            row.update(
                id=f"req-{i:05d}", seq=i, endpoint=endpoint, method="POST",
                path=f"/api/v1/{endpoint}", body_size=len(orjson.dumps(request_body)),
                outcome=outcome, first_side="legacy" if i % 2 else "graph",
                intended_at=sent_at, sent_at=sent_at,
            )
            if outcome == "skipped":
                row.update(reason="recordings/x.jsonl:9: field 'ts': required", sent_at=None)
                writer.add(row)
                continue
            row.update(
                legacy_status=500 if legacy_error else 200,
                graph_status=None if graph_error else 200,
                legacy_error=legacy_error, graph_error=graph_error,
                legacy_latency_ms=float(rng.lognormal(np.log(3200), 0.12)),
                graph_latency_ms=None if graph_down else 10_000.0 if graph_error else
                float(rng.lognormal(np.log(graph_scale), 0.12)),
            )
            row["legacy_intended_latency_ms"] = row["legacy_latency_ms"]
            row["graph_intended_latency_ms"] = row["graph_latency_ms"]
            if outcome == "compared":
                verdict, mismatches = "match", []
                if mismatch_every and planted and i % mismatch_every == 0:
                    path, kind, layer, legacy, graph = planted[(i // mismatch_every)
                                                               % len(planted)]
                    mismatch = Mismatch(path.format(i=i % 3), Kind(kind), Layer(layer),
                                        legacy, graph)
                    verdict = "mismatch"
                    mismatches = [{"path": mismatch.path, "kind": kind, "layer": layer}]
                    _example(sink, row, request_body, mismatch)
                elif i % 13 == 0 or noise_sample:
                    verdict = "noise_only"
                row.update(verdict=verdict, layer=mismatches[0]["layer"] if mismatches else None,
                           mismatch_count=len(mismatches),
                           mismatches=orjson.dumps(mismatches).decode(),
                           noise=orjson.dumps(["workflow_id"] if verdict == "noise_only"
                                              or noise_sample else []).decode())
                if noise_sample:
                    row["secondary_diff"] = '["workflow_id"]'
            writer.add(row)
    run = {
        "command": "replay", "run_id": run_dir.name, "finished": True,
        "started_at": "2025-08-03T10:00:00+00:00", "finished_at": "2025-08-03T10:00:30+00:00",
        "duration_s": 30.5, "host": "testhost",
        "targets": {"legacy": "http://127.0.0.1:1", "graph": "http://127.0.0.1:2",
                    "secondary": None},
        "recording": {"path": "recordings/sample.jsonl.gz", "limit": n, "skip_invalid": True},
        "pacing": {"mode": "closed", "concurrency": 64}, "timeout_s": 10.0,
        "versions": {"python": "3.11", "pandas": "3"},
        "skipped_lines": [{"source": "recordings/x.jsonl", "line": 9,
                           "problem": "field 'ts': required"}],
    }
    write_json(run_dir / "run.json", run)
    summary = summarize(read_results(run_dir), run)
    if noise_rows:
        summary["parity"]["noise"] = [
            {"path": "workflow_id", "graph_rate": 1.0, "legacy_rate": 1.0, "ci_low": -0.002,
             "ci_high": 0.002, "is_noise": True},
            {"path": "search_results.results[*].score", "graph_rate": 0.011,
             "legacy_rate": 0.0, "ci_low": 0.006, "ci_high": 0.019, "is_noise": False},
        ]
    write_json(run_dir / "summary.json", summary)
    if gate is True:
        gate = gate_dict()
    if isinstance(gate, dict):
        write_json(run_dir / "gate.json", gate)
    return run_dir
