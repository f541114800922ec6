"""Distributed: a master and two workers on loopback (through ``run_load``), each worker
replaying its own shard of the recording; the shards cover it once, nothing counted twice."""

from __future__ import annotations

from pathlib import Path

import orjson
import pyarrow.parquet as pq
import pytest
from sample_recording import write_recording

from harness.config import HarnessConfig
from harness.gate import evaluate, exit_code
from harness.load import run_load
from harness.results import read_results
from harness.rundir import read_run

pytestmark = pytest.mark.slow


def test_two_workers_replay_disjoint_shards_that_cover_the_recording(
        tmp_path: Path, stand_ins: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no harness.toml: the plan's defaults
    recording = tmp_path / "rec.jsonl"
    ids = write_recording(recording, 320)  # day-8 needs about 270 pairs
    run_dir = tmp_path / "run"
    messages: list[str] = []
    code = run_load(users=4, spawn_rate=4, run_time="120s", workers=2, out=run_dir,
                    legacy=stand_ins["legacy"], graph=stand_ins["graph"], recording=recording,
                    step="day-8", once=True, echo=messages.append)

    shards = sorted((run_dir / "shards").glob("results-*.parquet"))
    assert len(shards) == 2, messages
    per_shard = [pq.read_table(path).to_pandas() for path in shards]
    shard_ids = [set(frame["id"]) for frame in per_shard]
    assert not shard_ids[0] & shard_ids[1]
    assert sorted(shard_ids[0] | shard_ids[1]) == ids
    assert sum(len(frame) for frame in per_shard) == len(ids)
    # Each worker took the positions of its index: one shard has the even, one the odd seqs.
    assert sorted({int(s) % 2 for s in frame["seq"]}.pop() for frame in per_shard) == [0, 1]

    stats = orjson.loads((run_dir / "locust.json").read_bytes())
    parity = sum(e["num_requests"] for e in stats if e["method"] == "PARITY")
    assert parity == len(ids)  # the master merged both workers' statistics, once each
    assert not any(e["num_failures"] for e in stats)

    run = read_run(run_dir)
    assert run["command"] == "load" and run["finished"] is True
    assert run["locust"]["workers"] == 2 and run["requests"]["total"] == len(ids)
    summary = orjson.loads((run_dir / "summary.json").read_bytes())
    assert summary["requests"]["total"] == len(ids)
    assert summary["parity"]["match"] + summary["parity"]["noise_only"] == len(ids)
    for name in ("gate.json", "report.html", "summary.md", "junit.xml", "locust.html"):
        assert (run_dir / name).is_file(), name
    expected = exit_code(evaluate(read_results(run_dir), HarnessConfig(), run=run,
                                  step="day-8"), "day-8")
    assert code == expected == 0, messages
