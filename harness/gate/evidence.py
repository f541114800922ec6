"""Evidence: a run's results frame reduced to the arrays the checks need, once for all steps,
and the problems that make it unfit to judge at all (INVALID).

A pair is a recorded request that was sent to both sides (every outcome except ``skipped``).
Errors stay in every statistic with the latency they had; a timeout has the timeout as its
latency (filled from run.json when a row lacks it), so a failing graph never looks faster by
dropping its worst answers.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import orjson
import pandas as pd

from harness.config import HarnessConfig
from harness.gate.critical import CriticalPaths, top_signatures
from harness.stats import PairedDraws, paired_bootstrap

OUTCOMES = frozenset({"compared", "legacy_error", "graph_error", "both_error", "skipped"})
VERDICTS = frozenset({"match", "noise_only", "mismatch"})
INTERRUPTED = "interrupted"
REQUIRED = ("id", "outcome", "reason", "legacy_error", "graph_error", "legacy_latency_ms",
            "graph_latency_ms", "verdict", "mismatches")
LATENCY_FLOOR_MS = 1e-3
"""Log ratios need positive latencies; a zero reading (clock granularity) is a microsecond."""
QUANTILES = (0.95, 0.99)


@dataclass(frozen=True)
class Evidence:
    """What the checks read. Latencies are milliseconds, one entry per pair."""

    problems: tuple[str, ...]
    notes: tuple[str, ...]
    rows: int
    skipped: int
    pairs: int
    legacy_ms: np.ndarray
    graph_ms: np.ndarray
    legacy_failed: np.ndarray
    graph_failed: np.ndarray
    compared: int
    mismatched: int
    secondary_judged: int
    secondary_differed: int
    critical_rows: int
    critical_paths: tuple[tuple[str, int], ...]
    signatures: tuple[dict[str, Any], ...]
    resamples: int
    seed: int

    @property
    def valid(self) -> bool:
        return not self.problems

    @cached_property
    def draws(self) -> PairedDraws:
        """The paired bootstrap, drawn on first use and shared by every step."""
        return paired_bootstrap(self.legacy_ms, self.graph_ms, QUANTILES, self.resamples,
                                self.seed)

    @cached_property
    def log_ratios(self) -> np.ndarray:
        """Sorted ``log(graph / legacy)`` per pair."""
        return np.sort(np.log(np.maximum(self.graph_ms, LATENCY_FLOOR_MS))
                       - np.log(np.maximum(self.legacy_ms, LATENCY_FLOOR_MS)))


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _examples(values: pd.Series, limit: int = 3) -> str:
    shown = ", ".join(repr(v) for v in values.head(limit).tolist())
    return shown + (", ..." if len(values) > limit else "")


def _run_problems(run: dict[str, Any] | None, rows: int) -> list[str]:
    if not run:
        return []
    problems = []
    if run.get("finished") is False:
        problems.append("run.json: finished is false (the run did not complete)")
    requests = run.get("requests")
    if isinstance(requests, dict):
        total = requests.get("total", requests.get("rows"))
        if isinstance(total, int) and total != rows:
            problems.append(f"run.json counts {total} requests but results hold {rows} rows")
    return problems


def _side_problems(sent: pd.DataFrame, side: str, timeout_ms: float | None,
                   notes: list[str]) -> tuple[np.ndarray, list[str]]:
    problems = []
    latency = sent[f"{side}_latency_ms"].to_numpy(dtype=np.float64, na_value=np.nan)
    errors = sent[f"{side}_error"]
    timeouts = (errors == "timeout").to_numpy(dtype=bool, na_value=False)
    missing = np.isnan(latency)
    if timeout_ms is not None:
        filled = missing & timeouts
        if filled.any():
            latency = np.where(filled, timeout_ms, latency)
            notes.append(f"{side}: {_plural(int(filled.sum()), 'timeout')} without a latency "
                         f"counted at the {timeout_ms / 1000:g} s timeout")
            missing = np.isnan(latency)
    if missing.any():
        problems.append(f"{side}: {_plural(int(missing.sum()), 'pair')} without a latency "
                        f"(NaN), e.g. ids {_examples(sent.loc[missing, 'id'])}")
    if np.isinf(latency).any() or (latency < 0).any():
        problems.append(f"{side}: negative or infinite latencies")
    if timeouts.any():
        notes.append(f"{side}: {_plural(int(timeouts.sum()), 'timeout')} counted as errors")
    return latency, problems


def _consistency(sent: pd.DataFrame) -> list[str]:
    problems = []
    legacy_failed = sent["legacy_error"].notna()
    graph_failed = sent["graph_error"].notna()
    implied = np.select(
        [legacy_failed & graph_failed, legacy_failed, graph_failed],
        ["both_error", "legacy_error", "graph_error"], default="compared",
    )
    wrong = sent["outcome"].to_numpy() != implied
    if wrong.any():
        problems.append(f"{_plural(int(wrong.sum()), 'row')} whose outcome contradicts the "
                        f"side errors (unpaired), e.g. ids {_examples(sent.loc[wrong, 'id'])}")
    compared = sent["outcome"] == "compared"
    unjudged = compared & ~sent["verdict"].isin(VERDICTS)
    if unjudged.any():
        problems.append(f"{_plural(int(unjudged.sum()), 'compared pair')} without a verdict, "
                        f"e.g. ids {_examples(sent.loc[unjudged, 'id'])}")
    return problems


def collect(frame: pd.DataFrame, config: HarnessConfig,
            run: dict[str, Any] | None = None) -> Evidence:
    """Reduce ``frame`` (read_results' schema) to :class:`Evidence`; never raises on bad rows,
    it lists them as problems."""
    gate = config.gate
    missing_columns = [c for c in REQUIRED if c not in frame.columns]
    if missing_columns:
        return _empty((f"results lack the columns {', '.join(missing_columns)}",), len(frame),
                      gate.bootstrap_resamples, gate.seed)
    problems = _run_problems(run, len(frame))
    notes: list[str] = []
    duplicated = frame["id"].duplicated(keep=False)
    if duplicated.any():
        dupes = frame.loc[duplicated, "id"].drop_duplicates()
        problems.append(f"{_plural(len(dupes), 'id')} appear more than once, e.g. "
                        f"{_examples(dupes)}")
    unknown = ~frame["outcome"].isin(OUTCOMES)
    if unknown.any():
        kinds = _examples(frame.loc[unknown, "outcome"].drop_duplicates())
        problems.append(f"unknown outcomes: {kinds}")
    skipped = frame["outcome"] == "skipped"
    reasons = frame.loc[skipped, "reason"].fillna("").astype(str)
    interrupted = reasons.str.startswith(INTERRUPTED)
    if interrupted.any():
        problems.append(f"{_plural(int(interrupted.sum()), 'request')} skipped because the run "
                        "was interrupted")
    if (~interrupted).any():
        first = reasons[~interrupted].iloc[0]
        notes.append(f"{_plural(int((~interrupted).sum()), 'recorded request')} skipped as "
                     f"invalid and not judged (e.g. {first})")
    sent = frame.loc[~skipped & ~unknown]
    timeout_s = (run or {}).get("timeout_s")
    timeout_ms = float(timeout_s) * 1000 if isinstance(timeout_s, int | float) else None
    legacy_ms, legacy_problems = _side_problems(sent, "legacy", timeout_ms, notes)
    graph_ms, graph_problems = _side_problems(sent, "graph", timeout_ms, notes)
    problems += legacy_problems + graph_problems + _consistency(sent)

    compared = sent["outcome"] == "compared"
    mismatch_rows = sent.loc[compared & (sent["verdict"] == "mismatch"), "mismatches"]
    critical = CriticalPaths.of(config.parity.critical)
    all_mismatches: list[dict[str, str]] = []
    critical_hits: Counter[str] = Counter()
    critical_rows = 0
    for text in mismatch_rows:
        try:
            items = orjson.loads(text or "[]")
        except orjson.JSONDecodeError:
            problems.append(f"a mismatches cell is not JSON: {str(text)[:60]!r}")
            break
        all_mismatches.extend(items)
        hits = {critical.touches(str(m.get("path", ""))) for m in items} - {None}
        if hits:
            critical_rows += 1
            critical_hits.update(f"{m.get('path', '')} ({m.get('kind', '?')})" for m in items
                                 if critical.touches(str(m.get("path", ""))))
    secondary = sent["secondary_diff"] if "secondary_diff" in sent.columns else pd.Series([])
    secondary = secondary.dropna()
    return Evidence(
        problems=tuple(problems), notes=tuple(notes), rows=len(frame),
        skipped=int(skipped.sum()), pairs=len(sent), legacy_ms=legacy_ms, graph_ms=graph_ms,
        legacy_failed=sent["legacy_error"].notna().to_numpy(),
        graph_failed=sent["graph_error"].notna().to_numpy(),
        compared=int(compared.sum()), mismatched=len(mismatch_rows),
        secondary_judged=len(secondary),
        secondary_differed=int((secondary.astype(str) != "[]").sum()),
        critical_rows=critical_rows,
        critical_paths=tuple(critical_hits.most_common(gate.top_signatures or 5)),
        signatures=tuple(top_signatures(all_mismatches, gate.top_signatures)),
        resamples=gate.bootstrap_resamples, seed=gate.seed,
    )


def _empty(problems: tuple[str, ...], rows: int, resamples: int, seed: int) -> Evidence:
    nothing = np.empty(0)
    return Evidence(problems, (), rows, 0, 0, nothing, nothing, nothing.astype(bool),
                    nothing.astype(bool), 0, 0, 0, 0, 0, (), (), resamples, seed)


def mean_s(values_ms: np.ndarray) -> float:
    return float(values_ms.mean()) / 1000 if len(values_ms) else math.nan
