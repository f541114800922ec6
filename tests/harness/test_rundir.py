from __future__ import annotations

from pathlib import Path

from harness.rundir import create_run_dir, finish_record, read_json, start_record, write_json


def test_new_run_dir_updates_latest(tmp_path: Path) -> None:
    first = create_run_dir(reports=tmp_path)
    second = create_run_dir(reports=tmp_path)
    assert first != second
    assert (tmp_path / "latest").resolve() == second.resolve()


def test_explicit_out_is_used_as_is(tmp_path: Path) -> None:
    out = tmp_path / "deep" / "run"
    assert create_run_dir(out, reports=tmp_path) == out
    assert out.is_dir()
    assert not (tmp_path / "latest").exists()


def test_record_round_trips_and_says_whether_it_finished(tmp_path: Path) -> None:
    record = start_record("replay", targets={"legacy": "http://127.0.0.1:1"})
    assert record["finished"] is False
    finish_record(record, finished=True)
    write_json(tmp_path / "run.json", record)
    loaded = read_json(tmp_path / "run.json")
    assert loaded["finished"] is True
    assert loaded["duration_s"] >= 0
    assert "python" in loaded["versions"]
    assert "started_monotonic" not in loaded
