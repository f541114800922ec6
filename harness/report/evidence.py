"""RunEvidence: what a RUN_DIR holds, read the way the reports need it.

summary.json and gate.json are parsed into lenient pydantic models: keys that DESIGN.md names
are required (an error names the file and the key), everything newer is optional so that run
directories written by older versions still render.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from harness.config import HarnessConfig, parse_config
from harness.parity.signatures import Signature, list_signatures
from harness.results import read_results
from harness.rundir import GATE_JSON, SUMMARY_JSON, read_json, read_run


class ReportInputError(ValueError):
    """A RUN_DIR file the reports cannot use; the message names the file and the key or line."""


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class Bounds(_Lenient):
    """A confidence interval as summary.json spells it: ``[low, high]``,
    harness.stats.Interval.as_dict, or a bare {low, high}."""

    low: float | None = None
    high: float | None = None
    estimate: float | None = None
    confidence: float | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_pair(cls, data: Any) -> Any:
        if isinstance(data, list | tuple):
            if len(data) != 2:
                raise ValueError(f"an interval is [low, high], got {len(data)} values")
            return {"low": data[0], "high": data[1]}
        return data


class LatencySummary(_Lenient):
    # None when a side never answered: orjson writes NaN as null.
    mean: float | None
    p50: float | None
    p95: float | None
    p99: float | None


class SideSummary(_Lenient):
    error_rate: float | None
    latency_ms: LatencySummary
    errors: int | None = None
    error_ci: Bounds | None = Field(
        default=None, validation_alias=AliasChoices("error_ci", "error_rate_ci")
    )


class RequestCounts(_Lenient):
    total: int
    compared: int


class ParityField(_Lenient):
    path: str
    kind: str
    count: int
    layer: str | None = None
    rate: float | None = None


class NoiseRow(_Lenient):
    """One row of the learned-noise table (harness.parity.noise.NoiseField.as_dict)."""

    path: str
    graph_rate: float | None = None
    legacy_rate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    is_noise: bool = False
    rows: int | None = None
    reason: str | None = None


class ParitySummary(_Lenient):
    match: int
    noise_only: int
    mismatch: int
    rate: float | None
    fields: list[ParityField] = Field(default_factory=list)
    layers: dict[str, int] | None = None
    noise: list[NoiseRow] = Field(default_factory=list)


class SectionSummary(_Lenient):
    """The shape shared by the whole run and by each endpoint."""

    requests: RequestCounts
    legacy: SideSummary
    graph: SideSummary
    parity: ParitySummary


class Summary(SectionSummary):
    endpoints: dict[str, SectionSummary]


class CheckRecord(_Lenient):
    name: str
    observed: Any
    limit: Any
    verdict: str
    detail: str | None = None
    title: str | None = None
    unit: str | None = None  # count, rate, difference, s, ms, ratio
    legacy: Any = None
    graph: Any = None
    effect: Any = None  # a number, or {estimate, low, high} as the gate writes it
    ci_low: float | None = None
    ci_high: float | None = None
    alpha: float | None = None
    p_value: float | None = None

    @property
    def interval(self) -> tuple[Any, Any, Any]:
        """(estimate, low, high) of the effect, whichever way gate.json spells it."""
        if isinstance(self.effect, dict):
            return (self.effect.get("estimate"), self.effect.get("low", self.ci_low),
                    self.effect.get("high", self.ci_high))
        return self.effect, self.ci_low, self.ci_high


class StepRecord(_Lenient):
    name: str
    graph_percentage: float
    decision: str
    checks: list[CheckRecord]
    reasons: list[str]
    needs_more_requests: int | None = None

    @property
    def first_reason(self) -> str:
        if self.reasons:
            return self.reasons[0]
        return "all checks passed" if self.decision.upper() == "ADVANCE" else "no reason given"


class GateRecord(_Lenient):
    steps: list[StepRecord]
    highest_advancing_step: str | None = None
    notes: list[str] = Field(default_factory=list)


def _describe(source: Path, error: ValidationError) -> str:
    lines = []
    for item in error.errors(include_url=False):
        key = ".".join(str(p) for p in item["loc"]) or "<top>"
        lines.append(f"{source}: {key}: {item['msg']}")
    return "\n".join(lines)


def _parse(model: type[_Lenient], path: Path) -> Any:
    try:
        data = read_json(path)
    except ValueError as exc:
        raise ReportInputError(str(exc)) from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ReportInputError(_describe(path, exc)) from None


def _config_of(run: dict[str, Any], source: Path) -> HarnessConfig:
    """The config the run used, as recorded in run.json; the plan's defaults when absent."""
    config = run.get("config")
    if not isinstance(config, dict):
        return HarnessConfig()
    try:
        return parse_config(config, f"{source}: config")
    except ValueError:
        # A run.json written by an older config schema still renders with the plan's numbers.
        return HarnessConfig()


@dataclass(frozen=True)
class RunEvidence:
    """Everything the reports read from one RUN_DIR."""

    run_dir: Path
    run: dict[str, Any]
    summary: Summary
    gate: GateRecord | None
    results: pd.DataFrame
    signatures: list[Signature]
    config: HarnessConfig

    @property
    def run_id(self) -> str:
        return str(self.run.get("run_id") or self.run_dir.resolve().name)

    @property
    def sla_ms(self) -> list[float]:
        """Distinct SLA lines to draw: the plan's 3.0 s and each step's SLA, in ms."""
        seconds = {3.0, *(step.sla_s for step in self.config.schedule.steps)}
        return sorted(s * 1000.0 for s in seconds)


def load_evidence(run_dir: Path) -> RunEvidence:
    """Read RUN_DIR. summary.json and results.parquet are required; run.json, gate.json and
    mismatches.jsonl are optional (a report of an analyzed but ungated run says so).
    Signatures are the parity engine's (harness.parity.signatures), so their ids are the ones
    `shadow-harness mismatches --show` takes."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise ReportInputError(f"{run_dir}: not a directory (expected a RUN_DIR)")
    try:
        run = read_run(run_dir)
    except ValueError as exc:
        raise ReportInputError(str(exc)) from None
    if not isinstance(run, dict):
        raise ReportInputError(f"{run_dir / 'run.json'}: expected a JSON object")
    summary_path = run_dir / SUMMARY_JSON
    if not summary_path.is_file():
        raise ReportInputError(f"{summary_path}: not found (run `shadow-harness analyze` first)")
    summary = _parse(Summary, summary_path)
    gate_path = run_dir / GATE_JSON
    gate = _parse(GateRecord, gate_path) if gate_path.is_file() else None
    try:
        results = read_results(run_dir)
    except FileNotFoundError as exc:
        raise ReportInputError(str(exc)) from None
    try:
        signatures = list_signatures(run_dir)
    except (ValueError, KeyError) as exc:
        raise ReportInputError(f"{run_dir}: mismatch signatures: {exc}") from None
    return RunEvidence(
        run_dir=run_dir,
        run=run,
        summary=summary,
        gate=gate,
        results=results,
        signatures=signatures,
        config=_config_of(run, run_dir / "run.json"),
    )
