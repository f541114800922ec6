"""A small factory of synthetic results frames (read_results' schema) for gate tests."""

from __future__ import annotations

from typing import Any

import numpy as np
import orjson
import pandas as pd

from harness.results import COLUMNS

MATCH_PATH = "search_results.results[0].title"


def _latencies(rng: np.random.Generator, n: int, mean_ms: float, sigma: float) -> np.ndarray:
    # Lognormal with the requested mean: mu = log(mean) - sigma^2 / 2.
    return rng.lognormal(np.log(mean_ms) - sigma * sigma / 2, sigma, n)


def make_frame(
    n: int,
    *,
    legacy_mean_ms: float = 3200.0,
    graph_mean_ms: float = 2200.0,
    sigma: float = 0.25,
    legacy_error: float = 0.02,
    graph_error: float = 0.003,
    mismatch: float = 0.0,
    critical: int = 0,
    critical_path: str = "search_results.results[0].score",
    seed: int = 0,
    shared: bool = True,
) -> pd.DataFrame:
    """``n`` paired requests. With ``shared``, graph latency follows legacy's per request
    (the same request is heavy on both sides), scaled to ``graph_mean_ms``."""
    rng = np.random.default_rng(seed)
    legacy = _latencies(rng, n, legacy_mean_ms, sigma)
    if shared:
        graph = legacy * (graph_mean_ms / legacy_mean_ms) * rng.lognormal(-0.005, 0.1, n)
    else:
        graph = _latencies(rng, n, graph_mean_ms, sigma)
    legacy_failed = rng.random(n) < legacy_error
    graph_failed = rng.random(n) < graph_error
    mismatched = rng.random(n) < mismatch
    rows: list[dict[str, Any]] = []
    critical_left = critical
    for i in range(n):
        row = dict.fromkeys(COLUMNS)
        row.update(id=f"r{i:06d}", seq=i, endpoint="search", method="POST", path="/search",
                   legacy_latency_ms=float(legacy[i]), graph_latency_ms=float(graph[i]),
                   legacy_status=500 if legacy_failed[i] else 200,
                   graph_status=500 if graph_failed[i] else 200)
        if legacy_failed[i]:
            row["legacy_error"] = "http_5xx"
        if graph_failed[i]:
            row["graph_error"] = "http_5xx"
        if legacy_failed[i] and graph_failed[i]:
            row["outcome"] = "both_error"
        elif legacy_failed[i]:
            row["outcome"] = "legacy_error"
        elif graph_failed[i]:
            row["outcome"] = "graph_error"
        else:
            row["outcome"] = "compared"
            items = []
            if critical_left > 0:
                items.append({"path": critical_path, "kind": "value_changed",
                              "layer": "semantic"})
                critical_left -= 1
            elif mismatched[i]:
                items.append({"path": MATCH_PATH, "kind": "value_changed", "layer": "semantic"})
            row["verdict"] = "mismatch" if items else "match"
            row["mismatch_count"] = len(items)
            row["mismatches"] = orjson.dumps(items).decode()
            row["noise"] = "[]"
        if row["outcome"] != "compared":
            row["reason"] = "; ".join(f"{side}: http_5xx" for side, failed in
                                      (("legacy", legacy_failed[i]), ("graph", graph_failed[i]))
                                      if failed)
        rows.append(row)
    return pd.DataFrame(rows, columns=list(COLUMNS))


def run_for(frame: pd.DataFrame, finished: bool = True, timeout_s: float = 10.0) -> dict:
    return {"finished": finished, "timeout_s": timeout_s, "requests": {"total": len(frame)}}
