"""Profiles are configuration: the seed numbers are the plan's, fast is the same shape."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from legacy_stub.profile import STAGES, ProfileError, load_profile

ROOT = Path(__file__).resolve().parents[2]

ENDPOINT_STAGES = {
    "workflow": ("domain_analysis", "knowledge_extraction", "search", "conversion"),
    "search": ("query_analysis", "search", "conversion"),
    "config_extraction": ("domain_analysis", "knowledge_extraction", "config_build",
                          "conversion"),
}


def expected_s(name: str, endpoint: str = "workflow") -> tuple[float, float]:
    """(mean, initialization) of a request under a profile, from its numbers."""
    profile = load_profile(name)
    init = sum(profile.init_s[s] for s in STAGES)
    work = sum(profile.work_s[s][0] + profile.work_s[s][1] * 0.5
               for s in ENDPOINT_STAGES[endpoint])
    lo, hi = profile.outlier_extra_s
    stall = profile.outlier_rate * (lo + hi) / 2
    return (init + work + stall) * profile.time_scale, init * profile.time_scale


def test_seed_reproduces_the_plans_numbers() -> None:
    mean, init = expected_s("seed")
    assert init == pytest.approx(2.8)
    assert 3.1 <= mean <= 3.35
    for endpoint in ENDPOINT_STAGES:
        assert 3.1 <= expected_s("seed", endpoint)[0] <= 3.35
    assert init / mean > 0.8  # initialization dominates
    seed = load_profile("seed")
    assert seed.error_rate == pytest.approx(0.02)
    # The fastest possible workflow still passes 3 s: the plan's SLA failure is systematic.
    fastest = sum(seed.init_s.values()) * (1 - seed.jitter)
    assert fastest < 3.0 < mean


def test_fast_is_seed_scaled_down() -> None:
    seed_mean, _ = expected_s("seed")
    fast = load_profile("fast")
    assert expected_s("fast")[0] == pytest.approx(seed_mean * fast.time_scale)
    # Modelled work must dominate the services' few milliseconds of CPU per request, and a
    # request must still take well under a second.
    assert 0.05 <= expected_s("fast")[0] <= 0.5
    assert load_profile("fast-nofault").error_rate == 0.0
    instant = load_profile("instant")
    assert (instant.error_rate, instant.time_scale) == (0.0, 0.001)


def test_both_services_scale_their_fast_profiles_alike() -> None:
    # The graph is faster than legacy at every scale only if both use the same one.
    graph = tomllib.loads((ROOT / "graph_system" / "profiles.toml").read_text("utf-8"))
    for name in ("fast", "instant"):
        assert graph[name]["time_scale"] == load_profile(name).time_scale


def test_faults_can_be_switched_off_by_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHADOW_FAULTS", "0")
    assert load_profile("seed").error_rate == 0.0
    monkeypatch.setenv("SHADOW_FAULTS", "1")
    assert load_profile("seed").error_rate == pytest.approx(0.02)


def test_profile_defaults_to_environment_then_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHADOW_PROFILE", raising=False)
    assert load_profile().name == "fast"
    monkeypatch.setenv("SHADOW_PROFILE", "seed")
    assert load_profile().name == "seed"


def test_unknown_and_invalid_profiles_name_the_file_and_key(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="unknown profile 'slow'"):
        load_profile("slow")
    bad = tmp_path / "profiles.toml"
    bad.write_text('[x]\nextends = "y"\n[y]\nextends = "x"\n')
    with pytest.raises(ProfileError, match="extends itself"):
        load_profile("x", bad)
    bad.write_text(
        (Path(__file__).parents[2] / "legacy_stub" / "profiles.toml").read_text()
        + '\n[broken]\nextends = "seed"\njitter = 2.0\n')
    with pytest.raises(ProfileError, match=r"profiles.toml: \[broken\] jitter"):
        load_profile("broken", bad)
