"""The main job end to end: `demo` with the fast profile, real services on loopback."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from harness.cli import app
from harness.results import read_results

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, Path, dict]:
    out = tmp_path_factory.mktemp("demo") / "run"
    result = CliRunner().invoke(app, ["demo", "--profile", "fast", "--requests", "400",
                                      "--concurrency", "32", "--out", str(out), "--json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, out, orjson.loads(result.stdout)


def test_demo_writes_a_complete_run_dir(demo_run) -> None:
    _, out, _ = demo_run
    for name in ("run.json", "results.parquet", "summary.json", "gate.json", "report.html",
                 "summary.md", "junit.xml"):
        assert (out / name).is_file(), name
    run = orjson.loads((out / "run.json").read_bytes())
    assert run["finished"] is True
    assert run["command"] == "demo"


def test_every_recorded_request_is_accounted_for_once(demo_run) -> None:
    _, out, payload = demo_run
    frame = read_results(out)
    assert len(frame) == 400
    assert frame["id"].is_unique
    assert set(frame["outcome"]) <= {"compared", "legacy_error", "graph_error", "both_error",
                                     "skipped"}
    assert payload["summary"]["requests"]["total"] == 400
    assert sum(payload["summary"]["requests"][k] for k in
               ("compared", "legacy_error", "graph_error", "both_error", "skipped")) == 400


def test_demo_answers_are_at_parity_and_the_early_steps_advance(demo_run) -> None:
    code, _, payload = demo_run
    summary, gate = payload["summary"], payload["gate"]
    assert summary["parity"]["mismatch"] == 0, summary["parity"]["fields"][:5]
    decisions = {step["name"]: step["decision"] for step in gate["steps"]}
    assert decisions["day-8"] == "ADVANCE", gate["steps"][0]
    # 400 requests cannot carry the steps that ask for 1,000 or more.
    assert decisions["day-10"] == "HOLD"
    assert decisions["day-13"] == "HOLD"
    assert code == 0
