"""GraphProfile: latency, fault and budget settings from profiles.toml."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

PROFILES_FILE = Path(__file__).resolve().parent / "profiles.toml"
WORK_STAGES = ("domain_intelligence", "knowledge_extraction", "query_analysis",
               "vector_search", "graph_search", "keyword_search", "fusion")


class Budgets(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    domain_warn_s: float = Field(gt=0)
    after_domain_abort_s: float = Field(gt=0)
    after_extraction_abort_s: float = Field(gt=0)
    sla_s: float = Field(gt=0)


class GraphProfile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    time_scale: float = Field(gt=0)
    jitter: float = Field(ge=0, lt=1)
    error_rate: float = Field(ge=0, le=1)
    sla_outlier_rate: float = Field(ge=0, le=1)
    sla_outlier_extra_s: float = Field(ge=0)
    sla_clock: Literal["wall", "model"]
    health_s: float = Field(ge=0)
    rng_seed: int
    keep_runs: int = Field(ge=1)
    budgets: Budgets
    work_s: dict[str, tuple[float, float]]


class GraphProfileError(ValueError):
    """An unknown or invalid profile; the message names the file and the key."""


def _flatten(table: dict[str, Any], name: str, source: str, chain: tuple[str, ...] = ()
             ) -> dict[str, Any]:
    if name not in table:
        raise GraphProfileError(
            f"{source}: unknown profile {name!r} (known: {', '.join(table)})")
    if name in chain:
        raise GraphProfileError(f"{source}: profile {name!r} extends itself")
    section = dict(table[name])
    base_name = section.pop("extends", None)
    if base_name is None:
        return section
    result = _flatten(table, base_name, source, (*chain, name))
    for key, value in section.items():
        nested = result.get(key)
        result[key] = {**nested, **value} if isinstance(nested, dict) and isinstance(
            value, dict) else value
    return result


def faults_disabled() -> bool:
    return os.environ.get("SHADOW_FAULTS", "1").strip().lower() in {"0", "false", "no", "off"}


def load_graph_profile(name: str | None = None, path: Path = PROFILES_FILE) -> GraphProfile:
    """The named profile (default: $SHADOW_PROFILE, else ``fast``). With $SHADOW_FAULTS=0 no
    fault is injected: no 500s and no budget-breaking stalls."""
    name = name or os.environ.get("SHADOW_PROFILE") or "fast"
    data = _flatten(tomllib.loads(path.read_text(encoding="utf-8")), name, str(path))
    if faults_disabled():
        data.update(error_rate=0.0, sla_outlier_rate=0.0)
    try:
        profile = GraphProfile.model_validate({**data, "name": name})
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        key = ".".join(str(p) for p in first["loc"])
        raise GraphProfileError(f"{path}: [{name}] {key}: {first['msg']}") from None
    missing = [s for s in WORK_STAGES if s not in profile.work_s]
    if missing:
        raise GraphProfileError(f"{path}: [{name}] work_s lacks {', '.join(missing)}")
    return profile
