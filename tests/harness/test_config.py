from __future__ import annotations

from pathlib import Path

import pytest

from harness.config import ConfigError, HarnessConfig, load_config

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_are_the_plans_schedule() -> None:
    steps = HarnessConfig().schedule.steps
    assert [s.name for s in steps] == [f"day-{d}" for d in range(8, 14)]
    assert [s.graph_percentage for s in steps] == [10, 25, 50, 75, 90, 100]
    assert [s.min_requests for s in steps] == [100, 500, 1000, 2000, 5000, 10000]
    assert [s.sla_s for s in steps] == [3.0, 2.8, 2.6, 2.5, 2.5, 2.5]


def test_bundled_file_matches_the_defaults_for_the_schedule() -> None:
    loaded = load_config(ROOT / "harness.toml")
    assert loaded.schedule == HarnessConfig().schedule
    assert loaded.rollback == HarnessConfig().rollback


def test_error_names_file_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "h.toml"
    bad.write_text('[[schedule.steps]]\nname = "x"\nday = 1\ngraph_percentage = 150\n'
                   'min_requests = 10\nsla_s = 1.0\nphase = 1\n')
    with pytest.raises(ConfigError) as info:
        load_config(bad)
    assert f"{bad}: schedule.steps.0.graph_percentage" in str(info.value)


def test_unknown_key_is_rejected_by_name(tmp_path: Path) -> None:
    bad = tmp_path / "h.toml"
    bad.write_text("[replay]\nconcurency = 3\n")
    with pytest.raises(ConfigError, match=r"replay\.concurency"):
        load_config(bad)


def test_toml_syntax_error_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "h.toml"
    bad.write_text("[replay\n")
    with pytest.raises(ConfigError, match=str(bad)):
        load_config(bad)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")


def test_unknown_step_lists_the_known_ones() -> None:
    with pytest.raises(KeyError, match="day-8"):
        HarnessConfig().schedule.step("day-99")


def test_without_a_local_file_the_projects_own_is_used(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    loaded = load_config()
    assert loaded.parity == load_config(ROOT / "harness.toml").parity
    assert loaded.parity.volatile, "the bundled services' volatile fields must be known"
