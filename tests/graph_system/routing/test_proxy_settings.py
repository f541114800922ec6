"""ProxySettings: the [proxy] table of harness.toml, CLI overrides, errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph_system.routing import ProxySettingsError, build_settings, load_proxy_settings
from graph_system.routing.settings import ProxySettings
from harness.config import load_config

ROOT = Path(__file__).resolve().parents[3]


def test_defaults_are_the_plan() -> None:
    settings = ProxySettings()
    assert settings.sla_budget_s == 3.0
    assert (settings.monitor.window, settings.monitor.min_samples) == (100, 20)
    assert (settings.monitor.max_mean_s, settings.monitor.max_error_rate) == (3.5, 0.05)
    assert settings.rollback.gradual_steps == [75, 50, 25, 10, 0]
    assert settings.rollback.emergency_budget_s == 30 and settings.rollback.route_budget_s == 5
    alerts = settings.alerts
    assert (alerts.sla_violation.threshold, alerts.sla_violation.for_s) == (3.0, 300)
    assert (alerts.error_spike.threshold, alerts.error_spike.for_s) == (0.05, 600)
    assert (alerts.graph_down_failures, alerts.graph_down_window_s) == (3, 300)
    assert alerts.degradation_ratio == 1.2


def test_repository_harness_toml_loads_for_both_readers() -> None:
    settings = load_proxy_settings(ROOT / "harness.toml")
    assert settings.monitor.max_mean_s == 3.5
    assert "proxy" in load_config(ROOT / "harness.toml").model_fields_set


def test_cli_options_override_the_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "harness.toml"
    config.write_text('[proxy]\nmode = "split"\nsla_budget_s = 2.0\nport = 9000\n'
                      '[proxy.monitor]\nmin_samples = 50\n')
    monkeypatch.setenv("SHADOW_ADMIN_TOKEN", "from-env")
    settings = build_settings("http://127.0.0.1:1/", "http://127.0.0.1:2", "shadow",
                              port=8123, config=config, record_to=tmp_path / "r.jsonl")
    assert settings.mode == "shadow" and settings.port == 8123  # the options win
    assert settings.sla_budget_s == 2.0 and settings.monitor.min_samples == 50  # the file's
    assert settings.legacy == "http://127.0.0.1:1"  # trailing slash trimmed
    assert settings.admin_token == "from-env"
    assert settings.record.path == tmp_path / "r.jsonl"
    assert build_settings("http://a", "http://b", "split", admin_token="given",
                          config=config).admin_token == "given"


@pytest.mark.parametrize(("table", "key"), [
    ("mode = 'canary'", "proxy.mode"),
    ("sla_budget_s = -1", "proxy.sla_budget_s"),
    ("sticky_key = 'user'", "proxy.sticky_key"),
    ("[proxy.rollback]\ngradual_steps = [50, 75, 0]", "proxy.rollback.gradual_steps"),
    ("[proxy.rollback]\ngradual_steps = [75, 10]", "proxy.rollback.gradual_steps"),
    ("[proxy.monitor]\nwindwo = 100", "proxy.monitor.windwo"),
    ("legacy = 'ftp://x'", "proxy.legacy"),
])
def test_bad_values_name_the_file_and_key(tmp_path: Path, table: str, key: str) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(f"[proxy]\n{table}\n" if not table.startswith("[") else table + "\n")
    with pytest.raises(ProxySettingsError, match=rf"bad\.toml: {key.replace('.', '[.]')}"):
        load_proxy_settings(config)


def test_missing_and_broken_files(tmp_path: Path) -> None:
    with pytest.raises(ProxySettingsError, match="config file not found"):
        load_proxy_settings(tmp_path / "nope.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[proxy\n")
    with pytest.raises(ProxySettingsError, match=r"broken\.toml"):
        load_proxy_settings(broken)
