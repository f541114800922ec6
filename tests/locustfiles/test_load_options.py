"""The options the locustfiles add to Locust's, with SHADOW_* environment defaults."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from _options import AUTO, OptionError, add_arguments, settings_from

from harness.recording import BUNDLED_RECORDING


def _parse(args: list[str], environ: dict[str, str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser, environ or {})
    return parser.parse_args(args)


def test_defaults_are_the_bundled_recording_and_the_auto_gate() -> None:
    settings = settings_from(_parse([]))
    assert settings.recording == BUNDLED_RECORDING
    assert settings.gate_step == AUTO and not settings.once
    assert settings.legacy is None and settings.run_dir is None


def test_environment_variables_are_defaults_and_flags_override_them() -> None:
    env = {"SHADOW_RECORDING": "/tmp/a.jsonl", "SHADOW_LEGACY_URL": "http://l:1/",
           "SHADOW_ONCE": "yes", "SHADOW_GATE_STEP": "day-9"}
    settings = settings_from(_parse(["--recording", "/tmp/b.jsonl"], env))
    assert settings.recording == Path("/tmp/b.jsonl")
    assert settings.legacy == "http://l:1"  # trailing slash dropped
    assert settings.once and settings.gate_step == "day-9"


def test_auto_gates_day_8_only_when_shadow_users_ran() -> None:
    settings = settings_from(_parse([]))
    assert settings.gated_step(shadow=True) == "day-8"
    assert settings.gated_step(shadow=False) is None
    assert settings_from(_parse(["--gate-step", "none"])).gated_step(shadow=True) is None
    assert settings_from(_parse(["--gate-step", "day-11"])).gated_step(False) == "day-11"


@pytest.mark.parametrize(("args", "names"), [
    (["--legacy-host", "localhost:8001"], "--legacy-host"),
    (["--graph-host", "ftp://x"], "--graph-host"),
    (["--request-timeout", "soon"], "--request-timeout"),
    (["--request-timeout", "0"], "--request-timeout"),
])
def test_bad_values_name_the_option(args: list[str], names: str) -> None:
    with pytest.raises(OptionError, match=names):
        settings_from(_parse(args))


def test_timeout_is_a_number_of_seconds() -> None:
    assert settings_from(_parse(["--request-timeout", "2.5"])).request_timeout == 2.5
