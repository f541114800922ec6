"""A small factory of synthetic results frames (read_results' schema) for gate tests."""

from __future__ import annotations

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
    outcome = np.select([legacy_failed & graph_failed, legacy_failed, graph_failed],
                        ["both_error", "legacy_error", "graph_error"], default="compared")
    plain = orjson.dumps([{"path": MATCH_PATH, "kind": "value_changed",
                           "layer": "semantic"}]).decode()
    broken = orjson.dumps([{"path": critical_path, "kind": "value_changed",
                            "layer": "semantic"}]).decode()
    is_compared = outcome == "compared"
    is_critical = is_compared & (np.cumsum(is_compared) <= critical)
    is_mismatch = is_compared & (is_critical | mismatched)
    none = np.full(n, None, dtype=object)
    columns = {c: none for c in COLUMNS} | {
        "id": np.array([f"r{i:06d}" for i in range(n)], dtype=object),
        "seq": np.arange(n, dtype=np.int64),
        "endpoint": np.full(n, "search", dtype=object),
        "method": np.full(n, "POST", dtype=object),
        "path": np.full(n, "/search", dtype=object),
        "outcome": outcome.astype(object),
        "reason": np.where(is_compared, None, "http_5xx").astype(object),
        "legacy_latency_ms": legacy,
        "graph_latency_ms": graph,
        "legacy_status": np.where(legacy_failed, 500, 200),
        "graph_status": np.where(graph_failed, 500, 200),
        "legacy_error": np.where(legacy_failed, "http_5xx", None).astype(object),
        "graph_error": np.where(graph_failed, "http_5xx", None).astype(object),
        "verdict": np.where(is_compared, np.where(is_mismatch, "mismatch", "match"),
                            None).astype(object),
        "mismatches": np.where(is_compared, np.where(is_critical, broken, np.where(
            is_mismatch, plain, "[]")), None).astype(object),
        "noise": np.where(is_compared, "[]", None).astype(object),
    }
    return pd.DataFrame(columns, columns=list(COLUMNS))


def run_for(frame: pd.DataFrame, finished: bool = True, timeout_s: float = 10.0) -> dict:
    return {"finished": finished, "timeout_s": timeout_s, "requests": {"total": len(frame)}}
