"""The issue's scenarios with the real legacy service (fast profile, faults off), 1,000
recorded requests, step day-8: a candidate that is legacy itself advances; 40 % slower, 8 %
extra errors, or a parity bug on a critical path roll back; 60 requests hold.

The candidate is tests/harness/gate/candidate.py, a proxy in front of legacy in its own
process. The reference side talks to legacy directly, so the candidate's own proxy overhead
only ever makes it look worse, never better.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.config import HarnessConfig, load_config
from harness.gate import CheckVerdict, StepReport, evaluate
from harness.pipeline import ReplayOptions, Targets, replay_into, run_event_loop
from harness.recording import BUNDLED_RECORDING
from harness.results import read_results
from harness.rundir import read_run
from harness.services import free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]
MODES = ("slow", "errors", "critical")


@pytest.fixture(scope="module")
def config() -> HarnessConfig:
    return load_config(ROOT / "harness.toml")


@pytest.fixture(scope="module")
def candidates(legacy_url: str) -> Iterator[dict[str, str]]:
    ports = {mode: free_port() for mode in MODES}
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("candidate.py")), legacy_url,
         *(f"{mode}:{port}" for mode, port in ports.items())],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.strip() == b"ready", line + process.stdout.read()
        yield {mode: f"http://127.0.0.1:{port}" for mode, port in ports.items()}
    finally:
        process.terminate()
        process.wait(timeout=10)


def day8(tmp_path: Path, legacy: str, graph: str, config: HarnessConfig,
         requests: int = 1000) -> StepReport:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    options = ReplayOptions(concurrency=16, limit=requests, progress=False)
    run_event_loop(replay_into(run_dir, BUNDLED_RECORDING, Targets(legacy, graph), config,
                               options))
    report = evaluate(read_results(run_dir), config, read_run(run_dir), step="day-8")
    assert report.pairs == requests
    return report.steps[0]


def test_legacy_against_itself_advances(tmp_path: Path, legacy_url: str,
                                        config: HarnessConfig) -> None:
    step = day8(tmp_path, legacy_url, legacy_url, config)
    assert step.decision == "ADVANCE", step.reasons


def test_forty_percent_slower_rolls_back(tmp_path: Path, legacy_url: str,
                                         candidates: dict[str, str],
                                         config: HarnessConfig) -> None:
    step = day8(tmp_path, legacy_url, candidates["slow"], config)
    assert step.decision == "ROLLBACK"
    slowdown = step.check("slowdown")
    assert slowdown.verdict is CheckVerdict.FAIL and slowdown.low > 1.2
    assert step.check("sla_mean").verdict is CheckVerdict.PASS  # milliseconds: SLA is moot
    assert step.check("parity").verdict is CheckVerdict.PASS


def test_eight_percent_extra_errors_roll_back(tmp_path: Path, legacy_url: str,
                                              candidates: dict[str, str],
                                              config: HarnessConfig) -> None:
    step = day8(tmp_path, legacy_url, candidates["errors"], config)
    assert step.decision == "ROLLBACK"
    assert step.check("trigger_errors").verdict is CheckVerdict.FAIL
    assert step.check("trigger_errors").observed == pytest.approx(0.08)
    assert any(r.startswith("trigger_errors") for r in step.reasons)


def test_parity_bug_on_a_critical_path_rolls_back(tmp_path: Path, legacy_url: str,
                                                  candidates: dict[str, str],
                                                  config: HarnessConfig) -> None:
    step = day8(tmp_path, legacy_url, candidates["critical"], config)
    assert step.decision == "ROLLBACK"
    critical = step.check("critical")
    assert critical.verdict is CheckVerdict.FAIL
    assert "status" in critical.detail


def test_sixty_requests_hold(tmp_path: Path, legacy_url: str, config: HarnessConfig) -> None:
    step = day8(tmp_path, legacy_url, legacy_url, config, requests=60)
    assert step.decision == "HOLD"
    assert step.check("sample_size").verdict is CheckVerdict.FAIL
    assert step.needs_more_requests is not None and step.needs_more_requests >= 40
