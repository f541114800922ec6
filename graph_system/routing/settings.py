"""ProxySettings: everything the proxy is told, from harness.toml's [proxy] table and the CLI.

Every default is the migration plan's own number (3.0 s SLA budget, a 100-request window with a
minimum of 20, auto-rollback over 3.5 s or 5 % errors, 75 → 50 → 25 → 10 → 0, the alert
windows of "Monitoring & Alerting"), so an empty table is the plan. Durations are seconds and
floats, so tests run the same machinery in milliseconds.
"""

from __future__ import annotations

import itertools
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from harness.config import default_config_path

Mode = Literal["shadow", "split"]
OnRollback = Literal["gradual", "emergency", "hold"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MonitorSettings(_Section):
    """The plan's PerformanceMonitor (Phase 1.4)."""

    window: int = Field(default=100, ge=1, description="graph answers kept")
    min_samples: int = Field(default=20, ge=1)
    max_mean_s: float = Field(default=3.5, gt=0, description="auto-rollback above this mean")
    max_error_rate: float = Field(default=0.05, ge=0, le=1)


class ConditionSettings(_Section):
    """A condition that must hold in every bucket of the last ``for_s`` (the plan's "for 5
    consecutive minutes"); a bucket with fewer than ``min_samples`` answers breaks the streak."""

    threshold: float = Field(gt=0)
    for_s: float = Field(gt=0)
    min_samples: int = Field(default=1, ge=1, description="per bucket")


class AlertSettings(_Section):
    """The plan's alert_conditions, each with its window."""

    bucket_s: float = Field(default=60.0, gt=0, description="the plan's minute")
    sla_violation: ConditionSettings = ConditionSettings(threshold=3.0, for_s=300.0)
    error_spike: ConditionSettings = ConditionSettings(threshold=0.05, for_s=600.0)
    graph_down_failures: int = Field(default=3, ge=1)
    graph_down_window_s: float = Field(default=300.0, gt=0)
    health_interval_s: float = Field(default=60.0, gt=0, description="graph /health probes")
    health_timeout_s: float = Field(default=2.0, gt=0)
    degradation_ratio: float = Field(default=1.2, gt=1, description="graph mean / baseline")
    degradation_window_s: float = Field(default=300.0, gt=0)
    degradation_min_samples: int = Field(default=20, ge=1)
    baseline_s: float | None = Field(
        default=None, gt=0, description="fixed baseline; default: legacy's mean, same window"
    )
    tick_s: float = Field(default=5.0, gt=0, description="how often conditions are evaluated")
    sink: Path | None = Field(default=None, description="JSONL file; default RUN_DIR/alerts.jsonl")
    webhook: str | None = Field(default=None, description="POSTed each alert as JSON")
    webhook_timeout_s: float = Field(default=2.0, gt=0)


class RollbackSettings(_Section):
    gradual_steps: list[float] = Field(default_factory=lambda: [75, 50, 25, 10, 0], min_length=1)
    gradual_interval_s: float = Field(default=3600.0, gt=0, description="the plan's hour")
    emergency_budget_s: float = Field(default=30.0, gt=0)
    route_budget_s: float = Field(default=5.0, gt=0, description="all traffic on legacy by then")
    legacy_health_timeout_s: float = Field(default=5.0, gt=0)

    @field_validator("gradual_steps")
    @classmethod
    def _descending_percentages(cls, steps: list[float]) -> list[float]:
        if any(not 0 <= s <= 100 for s in steps):
            raise ValueError("every step must be a percentage in 0..100")
        if any(b >= a for a, b in itertools.pairwise(steps)):
            raise ValueError("steps must strictly decrease")
        if steps[-1] != 0:
            raise ValueError("the last step must be 0 (all traffic on legacy)")
        return steps


class ControllerSettings(_Section):
    interval_s: float | None = Field(default=None, gt=0, description="None: on demand only")
    window_rows: int = Field(default=20_000, ge=1, description="live pairs kept for the gate")
    on_rollback: OnRollback = "gradual"


class RecordSettings(_Section):
    path: Path | None = None
    sample: float = Field(default=1.0, ge=0, le=1, description="share of requests recorded")
    redact_headers: list[str] = Field(
        default_factory=lambda: ["authorization", "cookie", "proxy-authorization", "x-api-key"]
    )
    redact_fields: list[str] = Field(default_factory=list, description="dotted body paths")
    with_response: bool = True

    @field_validator("redact_headers")
    @classmethod
    def _lower(cls, names: list[str]) -> list[str]:
        # Authorization and Cookie are redacted whatever the table says: never on disk.
        return sorted({n.lower() for n in names} | {"authorization", "cookie"})


class ProxySettings(_Section):
    """The [proxy] table; the CLI's options override it key by key."""

    legacy: str = "http://127.0.0.1:8001"
    graph: str = "http://127.0.0.1:8002"
    mode: Mode = "shadow"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    admin_token: str | None = Field(default=None, repr=False)
    admin_allow_remote: bool = Field(default=False, description="admin API off loopback")
    state_db: Path = Path("reports/proxy-state.sqlite3")
    run_dir: Path | None = None
    initial_percentage: float = Field(default=0, ge=0, le=100, description="first start only")
    sla_budget_s: float = Field(default=3.0, gt=0, description="split: graph answer deadline")
    legacy_timeout_s: float = Field(default=30.0, gt=0)
    mirror_timeout_s: float = Field(default=10.0, gt=0, description="shadow pairs, as replay")
    sticky_key: str = Field(default="header:x-user-id", description="header:NAME or body:PATH")
    sticky_salt: str = ""
    shadow_sample: float = Field(default=1.0, ge=0, le=1, description="shadow: share mirrored")
    split_sample: float = Field(
        default=0.1, ge=0, le=1, description="split: share also sent to the other path"
    )
    mirror_queue: int = Field(default=1000, ge=1)
    mirror_workers: int = Field(default=256, ge=1, description="graph calls in flight for pairs")
    pool_size: int = Field(default=256, ge=1, description="connections per backend")
    rotate_s: float = Field(default=10.0, gt=0, description="results shard closed this often")
    rotate_rows: int = Field(default=50_000, ge=1)
    max_shards: int = Field(default=64, ge=2, description="compacted past this many")
    mismatch_examples: int = Field(default=200, ge=0)
    monitor: MonitorSettings = MonitorSettings()
    alerts: AlertSettings = AlertSettings()
    rollback: RollbackSettings = RollbackSettings()
    controller: ControllerSettings = ControllerSettings()
    record: RecordSettings = RecordSettings()
    config_path: Path | None = Field(default=None, description="harness.toml for gate/parity")

    @field_validator("legacy", "graph")
    @classmethod
    def _http_url(cls, url: str) -> str:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"{url!r} is not an http(s) URL")
        return url.rstrip("/")

    @field_validator("sticky_key")
    @classmethod
    def _sticky_form(cls, key: str) -> str:
        source, _, name = key.partition(":")
        if source not in {"header", "body"} or not name:
            raise ValueError(f"{key!r}: use 'header:NAME' or 'body:dotted.path'")
        return f"header:{name.lower()}" if source == "header" else key


class ProxySettingsError(ValueError):
    """A bad [proxy] table or option; the message names the file and the key."""


def _describe(source: str, error: ValidationError) -> str:
    return "\n".join(
        f"{source}: proxy.{'.'.join(str(p) for p in item['loc']) or '<table>'}: {item['msg']}"
        for item in error.errors(include_url=False)
    )


def _read_table(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProxySettingsError(f"{path}: config file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProxySettingsError(f"{path}: {exc}") from None
    table = data.get("proxy", {})
    if not isinstance(table, dict):
        raise ProxySettingsError(f"{path}: proxy: must be a table")
    return table


def load_proxy_settings(
    config: Path | None = None, overrides: dict[str, Any] | None = None
) -> ProxySettings:
    """The [proxy] table of ``config`` (or the default harness.toml, found as
    ``harness.config.load_config`` finds it), then ``overrides`` (None values ignored: an
    option not given keeps the file's value)."""
    path = Path(config) if config is not None else default_config_path()
    table = _read_table(path) if path is not None else {}
    merged = {**table, **{k: v for k, v in (overrides or {}).items() if v is not None}}
    if path is not None:
        merged.setdefault("config_path", path)
    try:
        return ProxySettings.model_validate(merged)
    except ValidationError as exc:
        raise ProxySettingsError(_describe(str(path), exc)) from None
