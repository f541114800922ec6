"""Latency and fault profiles, read from profiles.toml (configuration, not code)."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

PROFILES_FILE = Path(__file__).resolve().parent / "profiles.toml"
STAGES = ("unified", "workflow", "config_extraction", "search", "universal_search",
          "pydantic_integration")
WORK_STAGES = ("domain_analysis", "knowledge_extraction", "query_analysis", "search",
               "config_build", "conversion")


class Profile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    time_scale: float = Field(gt=0)
    jitter: float = Field(ge=0, lt=1)
    error_rate: float = Field(ge=0, le=1)
    outlier_rate: float = Field(ge=0, le=1)
    outlier_extra_s: tuple[float, float]
    sla_s: float = Field(gt=0)
    health_s: float = Field(ge=0)
    rng_seed: int
    init_s: dict[str, float]
    work_s: dict[str, tuple[float, float]]


class ProfileError(ValueError):
    """An unknown or invalid profile; the message names the file and the key."""


def _resolve(table: dict[str, Any], name: str, source: str, seen: tuple[str, ...] = ()
             ) -> dict[str, Any]:
    if name not in table:
        raise ProfileError(f"{source}: unknown profile {name!r} (known: {', '.join(table)})")
    if name in seen:
        raise ProfileError(f"{source}: profile {name!r} extends itself")
    own = dict(table[name])
    parent = own.pop("extends", None)
    if parent is None:
        return own
    merged = _resolve(table, parent, source, (*seen, name))
    for key, value in own.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def load_profile(name: str | None = None, path: Path = PROFILES_FILE) -> Profile:
    """The named profile (default: $SHADOW_PROFILE, else ``fast``); $SHADOW_FAULTS=0 turns
    injected faults off whatever the profile says."""
    name = name or os.environ.get("SHADOW_PROFILE") or "fast"
    table = tomllib.loads(path.read_text(encoding="utf-8"))
    data = _resolve(table, name, str(path))
    if os.environ.get("SHADOW_FAULTS", "1").strip().lower() in {"0", "false", "no", "off"}:
        data["error_rate"] = 0.0
    try:
        profile = Profile.model_validate({**data, "name": name})
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        key = ".".join(str(p) for p in first["loc"])
        raise ProfileError(f"{path}: [{name}] {key}: {first['msg']}") from None
    for table, wanted in (("init_s", STAGES), ("work_s", WORK_STAGES)):
        missing = [s for s in wanted if s not in getattr(profile, table)]
        if missing:
            raise ProfileError(f"{path}: [{name}] {table} lacks {', '.join(missing)}")
    return profile
