"""The shadow locustfile end to end: Locust headless on one machine, stand-in services, the
gate's decision as Locust's exit code (``locust --headless`` as a CI release gate)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from locust_process import LOCUSTFILES, run_locust
from sample_recording import write_recording

from harness.config import HarnessConfig
from harness.gate import evaluate, exit_code
from harness.results import read_results
from harness.rundir import read_run

pytestmark = pytest.mark.slow


def _stats(run_dir: Path) -> dict[tuple[str, str], dict]:
    return {(e["method"], e["name"]): e
            for e in orjson.loads((run_dir / "locust.json").read_bytes())}


def test_parity_is_its_own_request_type_and_the_gate_sets_the_exit_code(
        tmp_path: Path, stand_ins: dict[str, str]) -> None:
    recording = tmp_path / "rec.jsonl"
    ids = write_recording(recording, 240)
    run_dir = tmp_path / "run"
    result = run_locust([
        "-f", str(LOCUSTFILES / "shadow.py"), "--headless", "--only-summary",
        "-u", "4", "-r", "4", "-t", "120s", "--once",
        "--legacy-host", stand_ins["legacy"], "--graph-host", stand_ins["graph_skewed"],
        "--recording", str(recording), "--run-dir", str(run_dir),
        "--json-file", str(run_dir / "locust"), "--html", str(run_dir / "locust.html"),
    ], cwd=tmp_path)
    assert "Traceback" not in result.output, result.output

    stats = _stats(run_dir)
    # The graph stand-in answers search differently: every search pair is a PARITY failure.
    assert stats[("PARITY", "search")]["num_requests"] == 60
    assert stats[("PARITY", "search")]["num_failures"] == 60
    for endpoint in ("workflow", "config_extraction", "health"):
        assert stats[("PARITY", endpoint)]["num_requests"] == 60
        assert stats[("PARITY", endpoint)]["num_failures"] == 0
    assert stats[("POST", "legacy search")]["num_requests"] == 60
    assert stats[("GET", "graph health")]["num_requests"] == 60
    assert "PARITY" in (run_dir / "locust.html").read_text()

    frame = read_results(run_dir)
    assert sorted(frame["id"]) == ids  # --once: every recorded request once, in one shard
    assert set(frame["outcome"]) == {"compared"}
    assert (frame["verdict"] == "mismatch").sum() == 60
    assert set(frame.loc[frame["verdict"] == "mismatch", "endpoint"]) == {"search"}
    assert set(frame["first_side"]) == {"legacy", "graph"}  # the first sender alternates

    run = read_run(run_dir)
    assert run["finished"] is True and run["requests"]["total"] == 240
    gate = exit_code(evaluate(frame, HarnessConfig(), run=run, step="day-8"), "day-8")
    assert result.code == gate != 0, result.output
    assert orjson.loads((run_dir / "gate.json").read_bytes())["steps"]
    examples = (run_dir / "mismatches.jsonl").read_bytes().splitlines()
    assert examples and all(orjson.loads(line)["endpoint"] == "search" for line in examples)
