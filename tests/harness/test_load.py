"""harness.load: the `load` verb's library function. Input errors are refused before anything
starts; the end-to-end run starts both real services (fast profile) and Locust headless."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from harness.cli import app
from harness.config import load_config
from harness.gate import evaluate, exit_code
from harness.load import LOCUSTFILES, LoadError, LocustPlan, parse_run_time, run_load
from harness.results import read_results
from harness.rundir import read_run
from harness.services import free_port

ROOT = Path(__file__).resolve().parents[2]


@given(h=st.integers(0, 3), m=st.integers(0, 59), s=st.integers(0, 59))
def test_run_time_accepts_locusts_spelling(h: int, m: int, s: int) -> None:
    text = (f"{h}h" if h else "") + (f"{m}m" if m else "") + (f"{s}s" if s or not (h or m)
                                                             else "")
    total = h * 3600 + m * 60 + s
    if total == 0:
        with pytest.raises(LoadError, match="at least one second"):
            parse_run_time(text)
    else:
        assert parse_run_time(text) == total
        assert parse_run_time(str(total)) == total


@pytest.mark.parametrize("text", ["", "soon", "5x", "-3", "1.5m", "m"])
def test_run_time_refuses_anything_else(text: str) -> None:
    with pytest.raises(LoadError, match="--run-time"):
        parse_run_time(text)


def _plan(tmp_path: Path, workers: int) -> LocustPlan:
    return LocustPlan(tmp_path, "http://127.0.0.1:1", "http://127.0.0.1:2", tmp_path / "r.jsonl",
                      users=8, spawn_rate=4.0, seconds=30, workers=workers,
                      config_path=None, once=False, master_port=5999 if workers else None)


def test_the_master_command_keeps_locusts_statistics_in_the_run_dir(tmp_path: Path) -> None:
    command = _plan(tmp_path, 0).master()
    assert command[command.index("-f") + 1] == str(LOCUSTFILES / "shadow.py")
    assert command[command.index("--json-file") + 1] == str(tmp_path / "locust")
    assert command[command.index("--run-dir") + 1] == str(tmp_path)
    assert command[command.index("--run-time") + 1] == "30s"
    assert "--master" not in command and "--once" not in command


def test_distributed_commands_bind_the_master_to_loopback(tmp_path: Path) -> None:
    plan = _plan(tmp_path, 2)
    master = plan.master()
    assert master[master.index("--master-bind-host") + 1] == "127.0.0.1"
    assert master[master.index("--expect-workers") + 1] == "2"
    worker = plan.worker(1)
    assert worker[worker.index("--master-port") + 1] == "5999"
    assert "--users" not in worker  # the master sends everything else with the spawn


@pytest.fixture
def recording(tmp_path: Path) -> Path:
    path = tmp_path / "rec.jsonl"
    path.write_bytes(b'{"id":"a","ts":1,"method":"GET","path":"/health","endpoint":"health"}\n')
    return path


def test_bad_inputs_are_refused_before_anything_starts(tmp_path: Path, recording: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    nowhere = f"http://127.0.0.1:{free_port()}"
    common = {"users": 2, "spawn_rate": 1.0, "run_time": "5s", "recording": recording}
    with pytest.raises(FileNotFoundError, match=r"missing\.jsonl: recording not found"):
        run_load(**{**common, "recording": tmp_path / "missing.jsonl"})
    with pytest.raises(LoadError, match=f"--legacy {nowhere}: not reachable"):
        run_load(**common, legacy=nowhere, graph=nowhere)
    with pytest.raises(LoadError, match="both --legacy and --graph"):
        run_load(**common, legacy=nowhere)
    with pytest.raises(LoadError, match="--workers 3 > --users 2"):
        run_load(**common, workers=3)
    with pytest.raises(LoadError, match="--profile"):
        run_load(**common, profile="slow")
    with pytest.raises(KeyError, match="day-99"):
        run_load(**common, step="day-99")
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(recording.read_bytes() + b'{"id": "b"}\n')
    with pytest.raises(ValueError, match=r"bad\.jsonl:2: field 'ts'"):
        run_load(**{**common, "recording": bad})
    assert not (tmp_path / "reports").exists()


def test_the_cli_turns_bad_input_into_one_line_and_exit_code_64(tmp_path: Path,
                                                                 recording: Path) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    result = CliRunner().invoke(app, ["load", "--users", "2", "--spawn-rate", "1",
                                      "--run-time", "5s", "--legacy", nowhere, "--graph", nowhere,
                                      "--recording", str(recording), "--out",
                                      str(tmp_path / "run")])
    assert result.exit_code == 64
    assert "not reachable" in result.output and "Traceback" not in result.output


@pytest.mark.slow
def test_load_starts_the_services_and_leaves_a_complete_run_dir(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    run_dir = tmp_path / "run"
    # The project's harness.toml names the services' volatile fields (ids, timings).
    config = ROOT / "harness.toml"
    code = run_load(users=6, spawn_rate=6, run_time="8s", out=run_dir, profile="fast",
                    step="day-8", config=config, echo=lambda _: None)
    for name in ("run.json", "locust.json", "locust.html", "summary.json", "gate.json",
                 "report.html", "summary.md", "junit.xml"):
        assert (run_dir / name).is_file(), name
    run = read_run(run_dir)
    assert run["command"] == "load" and run["profile"] == "fast" and run["finished"] is True
    assert run["targets"]["legacy"].startswith("http://127.0.0.1:")

    frame = read_results(run_dir)
    assert len(frame) > 0 and frame["id"].is_unique
    assert set(frame["outcome"]) <= {"compared", "legacy_error", "graph_error", "both_error"}
    stats = orjson.loads((run_dir / "locust.json").read_bytes())
    parity = {e["name"]: e for e in stats if e["method"] == "PARITY"}
    assert set(parity) <= {"workflow", "search", "config_extraction", "health"} and parity
    # One PARITY sample per judged pair, one row per pair: the two counts agree exactly.
    assert sum(e["num_requests"] for e in parity.values()) == frame["verdict"].notna().sum()
    # The services answer alike (as in `demo`): the shadow user sends what replay sends.
    assert not any(e["num_failures"] for e in parity.values())
    assert (frame["verdict"] == "mismatch").sum() == 0

    summary = orjson.loads((run_dir / "summary.json").read_bytes())
    assert summary["requests"]["total"] == len(frame)
    assert code == exit_code(evaluate(frame, load_config(config), run=run, step="day-8"),
                             "day-8")
