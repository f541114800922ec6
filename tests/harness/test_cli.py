"""The CLI, tested through its runner by exit code and parsed JSON output."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from harness.cli import app
from harness.results import COLUMNS, ResultWriter

runner = CliRunner()

VERBS = ("demo", "serve", "replay", "analyze", "gate", "report", "mismatches", "compare",
         "load")


def _run_dir(tmp_path: Path, n: int = 5) -> Path:
    run_dir = tmp_path / "run"
    with ResultWriter(run_dir / "results.parquet") as writer:
        for i in range(n):
            row = dict.fromkeys(COLUMNS)
            row.update(id=f"r{i}", seq=i, endpoint="search", outcome="compared",
                       legacy_status=200, graph_status=200, legacy_latency_ms=10.0 + i,
                       graph_latency_ms=8.0 + i, verdict="match", mismatches="[]",
                       sent_at=100.0 + i)
            writer.add(row)
    return run_dir


@pytest.mark.parametrize("verb", VERBS)
def test_every_verb_has_help_with_an_example(verb: str) -> None:
    result = runner.invoke(app, [verb, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example:" in result.output


def test_analyze_json_is_parseable_and_complete(tmp_path: Path) -> None:
    run_dir = _run_dir(tmp_path)
    result = runner.invoke(app, ["analyze", str(run_dir), "--json"])
    assert result.exit_code == 0, result.output
    summary = orjson.loads(result.stdout)
    assert summary["requests"]["total"] == 5
    assert summary["graph"]["latency_ms"]["mean"] == pytest.approx(10.0)
    assert (run_dir / "summary.json").is_file()


def test_analyze_of_a_missing_dir_is_bad_usage(tmp_path: Path) -> None:
    result = runner.invoke(app, ["analyze", str(tmp_path / "nope")])
    assert result.exit_code == 64
    assert "nope" in result.output


def test_analyze_of_a_dir_without_results_names_it(tmp_path: Path) -> None:
    result = runner.invoke(app, ["analyze", str(tmp_path)])
    assert result.exit_code == 64
    assert "results.parquet" in result.output


def test_replay_of_a_missing_recording_names_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.jsonl"
    result = runner.invoke(app, ["replay", str(missing), "--legacy", "http://127.0.0.1:9",
                                 "--graph", "http://127.0.0.1:9", "--out", str(tmp_path / "o")])
    assert result.exit_code == 64
    assert str(missing) in result.output


def test_replay_rejects_a_url_that_is_not_http(tmp_path: Path) -> None:
    result = runner.invoke(app, ["replay", "x.jsonl", "--legacy", "127.0.0.1:9",
                                 "--graph", "http://127.0.0.1:9"])
    assert result.exit_code == 64
    assert "--legacy" in result.output


def test_replay_with_a_broken_config_names_the_key(tmp_path: Path) -> None:
    config = tmp_path / "h.toml"
    config.write_text("[replay]\nconcurrency = 0\n")
    recording = tmp_path / "r.jsonl"
    recording.write_text("")
    result = runner.invoke(app, ["replay", str(recording), "--legacy", "http://127.0.0.1:9",
                                 "--graph", "http://127.0.0.1:9", "--config", str(config)])
    assert result.exit_code == 64
    assert "replay.concurrency" in result.output


def test_serve_rejects_an_unknown_kind() -> None:
    result = runner.invoke(app, ["serve", "database"])
    assert result.exit_code == 64
    assert "database" in result.output


def test_analyze_learns_noise_into_the_config(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    with ResultWriter(run_dir / "results.parquet") as writer:
        # Enough pairs that the Newcombe bound on (graph - legacy) rate is within 0.05.
        for i in range(150):
            row = dict.fromkeys(COLUMNS)
            row.update(id=f"r{i}", seq=i, endpoint="workflow", outcome="compared",
                       legacy_status=200, graph_status=200, legacy_latency_ms=10.0,
                       graph_latency_ms=9.0, verdict="noise_only", mismatches="[]",
                       noise='["request_ref"]', secondary_diff='["request_ref"]',
                       sent_at=100.0 + i)
            writer.add(row)
    config = tmp_path / "harness.toml"
    config.write_text("# mine\n[replay]\nconcurrency = 8\n")
    result = runner.invoke(app, ["analyze", str(run_dir), "--learn-noise", str(config)])
    assert result.exit_code == 0, result.output
    from harness.config import load_config

    loaded = load_config(config)
    assert [entry.path for entry in loaded.parity.learned] == ["request_ref"]
    assert loaded.replay.concurrency == 8
    assert config.read_text().startswith("# mine")


def test_learning_noise_without_a_second_answer_is_bad_input(tmp_path: Path) -> None:
    run_dir = _run_dir(tmp_path)
    result = runner.invoke(app, ["analyze", str(run_dir), "--learn-noise",
                                 str(tmp_path / "h.toml")])
    assert result.exit_code == 64
    assert "--noise-sample" in result.output


def test_replay_rejects_an_unknown_transport() -> None:
    result = runner.invoke(app, ["replay", "x.jsonl", "--legacy", "http://127.0.0.1:9",
                                 "--graph", "http://127.0.0.1:9", "--transport", "carrier"])
    assert result.exit_code == 64
    assert "--transport" in result.output


@pytest.mark.parametrize("transport", ["lean", "aiohttp"])
def test_replay_against_the_services_gates_and_reports(
    tmp_path: Path, legacy_url: str, graph_url: str, transport: str
) -> None:
    from harness.recording import BUNDLED_RECORDING

    out = tmp_path / "run"
    result = runner.invoke(app, ["replay", str(BUNDLED_RECORDING), "--legacy", legacy_url,
                                 "--graph", graph_url, "--limit", "150", "--concurrency", "16",
                                 "--transport", transport, "--step", "day-8", "--out",
                                 str(out), "--json"])
    payload = orjson.loads(result.stdout)
    assert payload["summary"]["requests"]["total"] == 150
    assert payload["summary"]["parity"]["mismatch"] == 0
    run = orjson.loads((out / "run.json").read_bytes())
    assert run["transport"] == transport
    gate = orjson.loads((out / "gate.json").read_bytes())
    day8 = next(s for s in gate["steps"] if s["name"] == "day-8")
    assert result.exit_code == {"ADVANCE": 0, "HOLD": 2, "ROLLBACK": 3, "INVALID": 4}[
        day8["decision"]]
    assert day8["decision"] != "INVALID"
