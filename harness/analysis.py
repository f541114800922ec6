"""Analysis: results.parquet -> summary.json (pandas), overall and per endpoint.

The keys are a contract (DESIGN.md): ``requests.total``, ``requests.compared``,
``legacy.error_rate``, ``graph.error_rate``, ``<side>.latency_ms.{mean,p50,p95,p99}``,
``parity.{match,noise_only,mismatch,rate}``, ``parity.fields[]`` and ``endpoints.<name>`` with
the same shape. Latency counts every sent request of a side, errors and timeouts included
(a timeout carries the timeout as its latency), so a failing side never looks faster.
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pandas as pd

from harness.results import read_results
from harness.rundir import SUMMARY_JSON, read_run, write_json
from harness.stats import wilson_interval

OUTCOMES = ("compared", "legacy_error", "graph_error", "both_error", "skipped")
SLA_MS = 3000.0


def _number(value: float) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else \
        round(float(value), 3)


def _latency(values: pd.Series) -> dict[str, float | None]:
    data = values.dropna().to_numpy(dtype=float)
    if data.size == 0:
        return dict.fromkeys(("mean", "p50", "p95", "p99", "max", "min", "std"))
    p50, p95, p99 = np.percentile(data, [50, 95, 99])
    return {
        "mean": _number(data.mean()),
        "p50": _number(p50),
        "p95": _number(p95),
        "p99": _number(p99),
        "max": _number(data.max()),
        "min": _number(data.min()),
        "std": _number(data.std(ddof=1)) if data.size > 1 else None,
    }


def _side(frame: pd.DataFrame, side: str) -> dict[str, Any]:
    # A side counts where it was sent: single-path load tests leave the other side empty.
    sent = frame[(frame["outcome"] != "skipped")
                 & (frame[f"{side}_latency_ms"].notna() | frame[f"{side}_error"].notna())]
    errors = sent[f"{side}_error"].notna()
    n, k = len(sent), int(errors.sum())
    ci = wilson_interval(k, n) if n else None
    latency = sent[f"{side}_latency_ms"]
    return {
        "requests": n,
        "errors": k,
        "error_rate": _number(k / n) if n else None,
        "error_rate_ci": [_number(ci.low), _number(ci.high)] if ci else None,
        "error_kinds": dict(Counter(sent.loc[errors, f"{side}_error"].astype(str))),
        "status_counts": {
            str(int(code)): int(count)
            for code, count in sent[f"{side}_status"].dropna().value_counts().sort_index().items()
        },
        "latency_ms": _latency(latency),
        "intended_latency_ms": _latency(sent[f"{side}_intended_latency_ms"]),
        "sla_violations": int((latency > SLA_MS).sum()),
    }


def _fields(frame: pd.DataFrame, compared: int) -> list[dict[str, Any]]:
    counts: Counter[tuple[str, str, str]] = Counter()
    for text in frame.loc[frame["verdict"] == "mismatch", "mismatches"].dropna():
        # Count a (path, kind) once per pair, so the rate is "share of pairs affected".
        seen = {(m["path"], m["kind"], m["layer"]) for m in orjson.loads(text)}
        counts.update(seen)
    return [
        {"path": path, "kind": kind, "layer": layer, "count": count,
         "rate": _number(count / compared) if compared else None}
        for (path, kind, layer), count in counts.most_common()
    ]


def _parity(frame: pd.DataFrame) -> dict[str, Any]:
    compared = frame[frame["outcome"] == "compared"]
    n = len(compared)
    verdicts = compared["verdict"].value_counts()
    match, noise, mismatch = (int(verdicts.get(v, 0)) for v in ("match", "noise_only",
                                                                 "mismatch"))
    layers = compared.loc[compared["verdict"] == "mismatch", "layer"].value_counts()
    ci = wilson_interval(mismatch, n) if n else None
    return {
        "compared": n,
        "match": match,
        "noise_only": noise,
        "mismatch": mismatch,
        "rate": _number((match + noise) / n) if n else None,
        "mismatch_rate": _number(mismatch / n) if n else None,
        "mismatch_rate_ci": [_number(ci.low), _number(ci.high)] if ci else None,
        "layers": {layer: int(layers.get(layer, 0)) for layer in ("protocol", "semantic",
                                                                  "format")},
        "fields": _fields(compared, n),
    }


def _requests(frame: pd.DataFrame) -> dict[str, int]:
    counts = frame["outcome"].value_counts()
    return {"total": len(frame), **{o: int(counts.get(o, 0)) for o in OUTCOMES}}


def _block(frame: pd.DataFrame) -> dict[str, Any]:
    return {
        "requests": _requests(frame),
        "legacy": _side(frame, "legacy"),
        "graph": _side(frame, "graph"),
        "parity": _parity(frame),
    }


def summarize(frame: pd.DataFrame, run: dict[str, Any] | None = None) -> dict[str, Any]:
    """summary.json's content for one run's rows."""
    summary = _block(frame)
    summary["endpoints"] = {
        str(name): _block(group)
        for name, group in frame.groupby(frame["endpoint"].fillna("unknown"), sort=True)
    }
    sent = frame[frame["outcome"] != "skipped"]
    if len(sent) and sent["sent_at"].notna().any():
        span = float(sent["sent_at"].max() - sent["sent_at"].min())
        summary["timeline"] = {"start": _number(sent["sent_at"].min()),
                               "span_s": _number(span),
                               "pairs_per_s": _number(len(sent) / span) if span > 0 else None}
    if run:
        summary["run"] = {k: run.get(k) for k in ("run_id", "command", "finished", "targets",
                                                  "profile", "started_at", "finished_at")}
    secondary = frame["secondary_diff"].notna()
    summary["noise_sample"] = int(secondary.sum())
    return summary


def _noise_table(run_dir: Path, run: dict[str, Any],
                 frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The learned-noise table (graph-vs-legacy rate beside legacy-vs-legacy, per path), when
    the run asked legacy twice; critical paths come from the config the run was made with."""
    from harness.parity.noise import learn_noise_from_run

    critical = (run.get("config") or {}).get("parity", {}).get("critical", ())
    return learn_noise_from_run(run_dir, results=frame, critical=critical).records()


def write_summary(run_dir: Path) -> dict[str, Any]:
    """Recompute summary.json from results.parquet (and run.json) alone."""
    run_dir = Path(run_dir)
    run = read_run(run_dir)
    frame = read_results(run_dir)
    summary = summarize(frame, run)
    if summary["noise_sample"]:
        summary["parity"]["noise"] = _noise_table(run_dir, run, frame)
    write_json(run_dir / SUMMARY_JSON, summary)
    return summary
