"""Error rates with confidence intervals, overall and per endpoint, for both sides.

The rate itself is summary.json's (the number other tools read); the interval is summary.json's
when it has one, else a 95 % Wilson interval over results.parquet, counted as the gate counts:
a side's errors among the rows where that side was sent.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from harness.report.evidence import RunEvidence, SectionSummary
from harness.stats import wilson_interval

SIDES: tuple[str, ...] = ("legacy", "graph")


@dataclass(frozen=True, slots=True)
class ErrorRate:
    scope: str  # "overall" or an endpoint name
    side: str
    rate: float | None
    errors: int
    sent: int
    low: float | None
    high: float | None
    interval_source: str  # "summary" or "wilson"


def _counts(frame: pd.DataFrame, side: str) -> tuple[int, int]:
    # A side counts where it was sent (as the analysis counts it): a single-path load test
    # leaves the other side's columns empty.
    errors = frame[f"{side}_error"].notna()
    sent = (frame["outcome"] != "skipped") & (frame[f"{side}_latency_ms"].notna() | errors)
    return int((errors & sent).sum()), int(sent.sum())


def _rate(scope: str, side: str, section: SectionSummary, frame: pd.DataFrame) -> ErrorRate:
    summary_side = getattr(section, side)
    errors, sent = _counts(frame, side)
    ci = summary_side.error_ci
    if ci is not None and ci.low is not None and ci.high is not None:
        low, high, source = ci.low, ci.high, "summary"
    elif sent:
        wilson = wilson_interval(errors, sent)
        low, high, source = wilson.low, wilson.high, "wilson"
    else:
        low, high, source = None, None, "wilson"
    return ErrorRate(scope, side, summary_side.error_rate, errors, sent, low, high, source)


def error_rates(evidence: RunEvidence) -> list[ErrorRate]:
    frame = evidence.results
    rows = [_rate("overall", side, evidence.summary, frame) for side in SIDES]
    for name, section in sorted(evidence.summary.endpoints.items()):
        part = frame.loc[frame["endpoint"] == name]
        rows.extend(_rate(name, side, section, part) for side in SIDES)
    return rows
