"""The end of a run on the master: run.json completed, shards awaited, overlap refused, and
the gate's decision as the exit code."""

from __future__ import annotations

from pathlib import Path

import orjson
from _feed import Item
from _finish import EXIT_CRASH, EXIT_INVALID, finish_run, start_run
from _rows import pair_row
from _shards import ShardWriter, shard_path

from harness.config import HarnessConfig
from harness.gate import evaluate, exit_code
from harness.observation import Exchange, Observation
from harness.recording import RecordedRequest
from harness.results import read_results
from harness.verdict import MATCH

CONFIG = HarnessConfig()


def _pair(seq: int, item_id: str | None = None) -> dict:
    request = RecordedRequest(id=item_id or f"req-{seq}", ts=1.0, method="POST",
                              path="/api/v1/search", endpoint="search", body={"q": seq})

    def side(name: str) -> Observation:
        return Observation(side=name, status=200, headers=(), body=b"{}", latency_ms=5.0 + seq % 3,
                           intended_latency_ms=5.0, started_at=1000.0 + seq)

    return pair_row(Item(request, seq, 0, seq), Exchange(request, side("legacy"), side("graph")),
                    MATCH)


def _shard(run_dir: Path, pid: int, rows: list[dict]) -> Path:
    writer = ShardWriter(shard_path(run_dir, "h", pid))
    for row in rows:
        writer.add(row)
    return writer.close()


def _start(run_dir: Path) -> dict:
    return start_run(run_dir, targets={"legacy": "http://l", "graph": "http://g"},
                     recording=Path("rec.jsonl"), once=True, config=CONFIG, timeout_s=10.0,
                     users=["ShadowUser"], workers=2)


def _run_json(run_dir: Path) -> dict:
    return orjson.loads((run_dir / "run.json").read_bytes())


def test_run_json_says_unfinished_until_the_end(tmp_path: Path) -> None:
    _start(tmp_path)
    run = _run_json(tmp_path)
    assert run["finished"] is False and run["command"] == "locust"
    assert run["targets"]["graph"] == "http://g" and run["locust"]["workers"] == 2


def test_complete_shards_are_gated_and_the_code_is_the_gates(tmp_path: Path) -> None:
    record = _start(tmp_path)
    shards = [_shard(tmp_path, 1, [_pair(s) for s in range(0, 300, 2)]),
              _shard(tmp_path, 2, [_pair(s) for s in range(1, 300, 2)])]
    finish = finish_run(tmp_path, record, shards, "day-8", CONFIG)
    run = _run_json(tmp_path)
    assert run["finished"] is True
    assert run["requests"] == {"total": 300, "compared": 300}
    assert run["shards"] == ["results-h-1.parquet", "results-h-2.parquet"]
    expected = exit_code(evaluate(read_results(tmp_path), CONFIG, run=run, step="day-8"),
                         "day-8")
    assert finish.code == expected
    assert (tmp_path / "gate.json").is_file()
    assert any("gate day-8" in m for m in finish.messages)


def test_no_step_means_no_gate_and_locusts_own_exit_code(tmp_path: Path) -> None:
    record = _start(tmp_path)
    shard = _shard(tmp_path, 1, [_pair(0)])
    assert finish_run(tmp_path, record, [shard], None, CONFIG).code is None
    assert not (tmp_path / "gate.json").exists()


def test_overlapping_shards_make_the_evidence_invalid(tmp_path: Path) -> None:
    record = _start(tmp_path)
    shards = [_shard(tmp_path, 1, [_pair(0), _pair(1)]), _shard(tmp_path, 2, [_pair(2, "req-1")])]
    finish = finish_run(tmp_path, record, shards, "day-8", CONFIG)
    run = _run_json(tmp_path)
    assert run["finished"] is False and run["duplicate_ids"] == 1
    assert finish.code == EXIT_INVALID
    assert any("more than one row" in m for m in finish.messages)


def test_a_shard_that_never_arrives_is_named_and_the_run_unfinished(tmp_path: Path) -> None:
    record = _start(tmp_path)
    arrived = _shard(tmp_path, 1, [_pair(0)])
    lost = shard_path(tmp_path, "h", 2)
    finish = finish_run(tmp_path, record, [arrived, lost], None, CONFIG, shard_wait_s=0,
                        sleep=lambda _: None)
    assert finish.code == EXIT_CRASH
    assert any("results-h-2.parquet" in m for m in finish.messages)
    assert _run_json(tmp_path)["missing_shards"] == ["results-h-2.parquet"]


def test_no_results_at_all_is_invalid_not_a_crash(tmp_path: Path) -> None:
    record = _start(tmp_path)
    finish = finish_run(tmp_path, record, [], "day-8", CONFIG)
    assert finish.code == EXIT_INVALID
    assert any("no results" in m for m in finish.messages)


def test_an_unknown_step_is_a_message(tmp_path: Path) -> None:
    record = _start(tmp_path)
    shard = _shard(tmp_path, 1, [_pair(0)])
    finish = finish_run(tmp_path, record, [shard], "day-99", CONFIG)
    assert finish.code == EXIT_CRASH
    assert any("day-99" in m for m in finish.messages)


def test_shard_examples_are_merged_into_mismatches_jsonl(tmp_path: Path) -> None:
    record = _start(tmp_path)
    shard = _shard(tmp_path, 1, [_pair(0)])
    (tmp_path / "shards" / "mismatches-h-1.jsonl").write_bytes(b'{"id":"a"}\n\n{"id":"b"}\n')
    (tmp_path / "shards" / "mismatches-h-2.jsonl").write_bytes(b'{"id":"c"}')
    finish_run(tmp_path, record, [shard], None, CONFIG)
    lines = (tmp_path / "mismatches.jsonl").read_bytes().splitlines()
    assert [orjson.loads(line)["id"] for line in lines] == ["a", "b", "c"]
    assert _run_json(tmp_path)["examples"] == 3
