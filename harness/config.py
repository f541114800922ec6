"""harness.toml: the schedule, rollback triggers, gate settings, parity rules and replay defaults.

Validated by pydantic; an error names the file and the key (``harness.toml: schedule.steps.2.
sla_s: ...``). Every default is the migration plan's own number, so an empty file is the plan.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from harness._types import Transport

DEFAULT_CONFIG = Path("harness.toml")
PROJECT_CONFIG = Path(__file__).resolve().parent.parent / "harness.toml"
"""The project's own harness.toml: the parity rules of the bundled services live there, so a
run started from another directory still knows their volatile fields."""

Phase = Literal[1, 2, 3]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Step(_Section):
    """One day of the plan's traffic schedule."""

    name: str
    day: int
    graph_percentage: float = Field(ge=0, le=100)
    min_requests: int = Field(ge=1)
    sla_s: float = Field(gt=0, description="the graph's mean latency must stay under this")
    phase: Phase
    max_error_rate: float = Field(
        default=0.02, ge=0, le=1, description="the graph error rate's upper bound must be under"
    )
    max_mismatch_rate: float = Field(
        default=0.001, ge=0, le=1,
        description="allowed share of compared pairs with a mismatch beyond learned noise",
    )


def _plan_schedule() -> list[Step]:
    # The mismatch limits are ours (the plan has none). Each is loose enough that the step's
    # own request count can show it with zero mismatches (0 of n bounds the rate under the
    # limit only from n = 268 for 1 %, 539 for 0.5 %, 900 for 0.3 %, 2703 for 0.1 %) and
    # tightens as more traffic is exposed.
    rows = [  # day, %, min requests, SLA, phase, error limit, mismatch limit
        (8, 10, 100, 3.0, 1, 0.05, 0.01),
        (9, 25, 500, 2.8, 2, 0.02, 0.005),
        (10, 50, 1000, 2.6, 2, 0.02, 0.005),
        (11, 75, 2000, 2.5, 2, 0.01, 0.003),
        (12, 90, 5000, 2.5, 2, 0.01, 0.001),
        (13, 100, 10000, 2.5, 3, 0.01, 0.001),
    ]
    return [
        Step(name=f"day-{d}", day=d, graph_percentage=p, min_requests=n, sla_s=s, phase=ph,
             max_error_rate=e, max_mismatch_rate=m)
        for d, p, n, s, ph, e, m in rows
    ]


class Schedule(_Section):
    steps: list[Step] = Field(default_factory=_plan_schedule, min_length=1)

    @model_validator(mode="after")
    def _unique_names(self) -> Schedule:
        names = [s.name for s in self.steps]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"step names must be unique, repeated: {', '.join(dupes)}")
        return self

    def step(self, name: str) -> Step:
        for step in self.steps:
            if step.name == name:
                return step
        known = ", ".join(s.name for s in self.steps)
        raise KeyError(f"no step named {name!r} (known: {known})")


class PhaseTrigger(_Section):
    """The rollback triggers of one phase; a None limit is not checked. A trigger fires only on
    clear evidence (the confidence bound, not the point estimate, beyond the limit)."""

    max_mean_s: float | None = Field(default=None, gt=0)
    max_error_rate: float | None = Field(default=None, ge=0, le=1)
    sla_violation: bool = Field(
        default=False,
        description="a clear miss of the step's SLA is a rollback (else it holds the step)",
    )


class RollbackTriggers(_Section):
    """The plan's success-criteria table: phase 1 >3.5 s avg or >5 % errors, phase 2 >3 s avg,
    phase 3 any SLA violation.

    The plan defines an SLA violation as an *average* over 3 s for a while (its alert table),
    and its controller holds a step whose SLA is not met; so in phases 1 and 2 a clearly missed
    step SLA holds, and in phase 3 (no legacy traffic left to compare with) it rolls back.
    """

    phase1: PhaseTrigger = PhaseTrigger(max_mean_s=3.5, max_error_rate=0.05)
    phase2: PhaseTrigger = PhaseTrigger(max_mean_s=3.0)
    phase3: PhaseTrigger = PhaseTrigger(sla_violation=True)

    def for_phase(self, phase: int) -> PhaseTrigger:
        return {1: self.phase1, 2: self.phase2, 3: self.phase3}[phase]


class GateSettings(_Section):
    alpha: float = Field(
        default=0.05, gt=0, lt=0.5,
        description="family-wise error rate of the rollback claims (Holm) and of a step's "
        "ADVANCE (every claim must pass: an intersection-union test)",
    )
    advance_correction: Literal["none", "holm"] = Field(
        default="none",
        description="'holm' also splits alpha over the claims an ADVANCE needs (more HOLDs; "
        "not needed for the error rate, which the intersection-union test already controls)",
    )
    bootstrap_resamples: int = Field(default=2000, ge=100)
    seed: int = 20250803
    max_slowdown: float = Field(
        default=1.2, gt=1,
        description="the plan's +20 % latency degradation alert, on the typical (median) pair",
    )
    max_tail_slowdown: float = Field(
        default=1.5, gt=1, description="graph/legacy p95 and p99: clearly above is a rollback"
    )
    max_error_increase: float = Field(
        default=0.01, ge=0, le=1,
        description="graph minus legacy error rate on the same requests that, when also "
        "significant (exact McNemar), is a clear regression",
    )
    top_signatures: int = Field(default=5, ge=0, description="mismatch classes shown per gate")


HeaderRule = Literal["ignore", "compare", "normalize"]
DEFAULT_HEADER_RULES: dict[str, HeaderRule] = {
    "date": "ignore", "server": "ignore", "content-length": "ignore",
}
ShapeName = Literal["uuid", "timestamp", "number", "integer", "string", "boolean", "any"]


def _check_path(value: str) -> str:
    # Imported here: harness.parity imports this module.
    from harness.parity.paths import PathSyntaxError, parse

    if value.startswith("@"):
        return value
    try:
        parse(value)
    except PathSyntaxError as exc:
        raise ValueError(str(exc)) from None
    return value


class VolatileField(_Section):
    """A path whose value may differ between answers but must keep its shape."""

    path: str
    shape: ShapeName = "any"
    min: float | None = None
    max: float | None = None
    pattern: str | None = None
    nullable: bool = Field(default=False, description="null is an accepted value on either side")

    @field_validator("path")
    @classmethod
    def _path_parses(cls, value: str) -> str:
        return _check_path(value)

    @field_validator("pattern")
    @classmethod
    def _pattern_compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a regular expression: {exc}") from None
        return value


class LearnedNoise(_Section):
    """A field path that legacy itself answers differently as often as the graph differs from
    it (``[[parity.learned]]``, written by ``harness.parity.save_learned``). The rates and the
    Newcombe interval are the evidence; only ``path`` and ``shape`` change comparisons."""

    path: str
    shape: ShapeName = "any"
    graph_rate: float | None = Field(default=None, ge=0, le=1)
    legacy_rate: float | None = Field(default=None, ge=0, le=1)
    ci_low: float | None = Field(default=None, ge=-1, le=1)
    ci_high: float | None = Field(default=None, ge=-1, le=1)
    rows: int | None = Field(default=None, ge=0)

    @field_validator("path")
    @classmethod
    def _path_parses(cls, value: str) -> str:
        return _check_path(value)


class ParityRules(_Section):
    ignore: list[str] = Field(default_factory=list, description="paths never compared")
    volatile: list[VolatileField] = Field(default_factory=list)
    critical: list[str] = Field(default_factory=list, description="zero-tolerance paths")
    learned: list[LearnedNoise] = Field(
        default_factory=list, description="noise learned from legacy answered twice"
    )
    headers: dict[str, HeaderRule] = Field(
        default_factory=lambda: dict(DEFAULT_HEADER_RULES),
        description="per header: ignore, compare or normalize; merged over the defaults",
    )
    compare_headers: bool = Field(
        default=False, description="compare headers not named in `headers` (default: only named)"
    )
    examples_per_path: int = Field(default=5, ge=0)

    @field_validator("ignore", "critical")
    @classmethod
    def _paths_parse(cls, value: list[str]) -> list[str]:
        return [_check_path(v) for v in value]

    @field_validator("headers")
    @classmethod
    def _lower_names(cls, value: dict[str, HeaderRule]) -> dict[str, HeaderRule]:
        # Naming one header must not silently start comparing Date and Server.
        return {**DEFAULT_HEADER_RULES, **{k.lower(): v for k, v in value.items()}}

    @model_validator(mode="after")
    def _critical_is_compared(self) -> ParityRules:
        # A zero-tolerance path that a rule also excuses is a contradiction, not a preference.
        excused = set(self.ignore) | {v.path for v in self.volatile}
        clash = sorted(excused & set(self.critical))
        if clash:
            raise ValueError(f"paths both critical and ignored/volatile: {', '.join(clash)}")
        return self


class ReplaySettings(_Section):
    concurrency: int = Field(default=64, ge=1)
    timeout_s: float = Field(default=10.0, gt=0)
    batch_size: int = Field(default=1000, ge=1)
    transport: Transport = Field(default="lean", description="HTTP client: lean or aiohttp")


class HarnessConfig(_Section):
    schedule: Schedule = Schedule()
    rollback: RollbackTriggers = RollbackTriggers()
    gate: GateSettings = GateSettings()
    parity: ParityRules = ParityRules()
    replay: ReplaySettings = ReplaySettings()
    # The proxy validates its own table (graph_system.routing.ProxySettings): harness does
    # not import graph_system, so here it is only let through.
    proxy: dict[str, Any] = Field(default_factory=dict)


class ConfigError(ValueError):
    """A configuration problem; the message names the file and the key."""


def _describe(source: str, error: ValidationError) -> str:
    lines = []
    for item in error.errors(include_url=False):
        key = ".".join(str(p) for p in item["loc"]) or "<top>"
        lines.append(f"{source}: {key}: {item['msg']}")
    return "\n".join(lines)


def parse_config(data: dict, source: str = "<config>") -> HarnessConfig:
    try:
        return HarnessConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(source, exc)) from None


def default_config_path() -> Path | None:
    """``harness.toml`` in the working directory, else the project's own, else None."""
    for candidate in (DEFAULT_CONFIG, PROJECT_CONFIG):
        if candidate.is_file():
            return candidate
    return None


def load_config(path: Path | None = None) -> HarnessConfig:
    """Load ``path``, or the default config file (see :func:`default_config_path`), or the
    plan's defaults when there is none."""
    if path is None:
        path = default_config_path()
        if path is None:
            return HarnessConfig()
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return parse_config(data, str(path))
