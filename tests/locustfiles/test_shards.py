"""Shards: invisible until complete, cleared per test, awaited by the master."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from _shards import ShardWriter, clear_shards, shard_path, wait_for_shards

from harness.results import read_results, skipped_row


def test_a_shard_is_only_visible_to_readers_once_closed(tmp_path: Path) -> None:
    path = shard_path(tmp_path, host="box", pid=42)
    assert path == tmp_path / "shards" / "results-box-42.parquet"
    writer = ShardWriter(path, batch_size=2)
    for seq in range(5):
        writer.add(skipped_row(seq, f"r{seq}", "test"))
    assert not path.exists() and writer.partial.exists()
    with pytest.raises(FileNotFoundError):
        read_results(tmp_path)
    assert writer.close() == path
    assert writer.close() == path  # closing twice is harmless
    assert list(read_results(tmp_path)["id"]) == [f"r{n}" for n in range(5)]
    assert writer.rows == 5


def test_read_results_merges_shards_in_seq_order(tmp_path: Path) -> None:
    for pid, seqs in ((1, (0, 2, 4)), (2, (1, 3))):
        writer = ShardWriter(shard_path(tmp_path, "h", pid))
        for seq in seqs:
            writer.add(skipped_row(seq, f"r{seq}", "test"))
        writer.close()
    assert list(read_results(tmp_path)["seq"]) == [0, 1, 2, 3, 4]


def test_clear_shards_removes_only_shard_files(tmp_path: Path) -> None:
    folder = tmp_path / "shards"
    folder.mkdir()
    for name in ("results-a-1.parquet", "results-b-2.parquet.partial", "notes.txt"):
        (folder / name).write_bytes(b"x")
    assert clear_shards(tmp_path) == 2
    assert sorted(os.listdir(folder)) == ["notes.txt"]
    assert clear_shards(tmp_path / "elsewhere") == 0


def test_wait_for_shards_reports_what_never_arrived(tmp_path: Path) -> None:
    present, absent = tmp_path / "a.parquet", tmp_path / "b.parquet"
    present.write_bytes(b"x")
    naps: list[float] = []
    assert wait_for_shards([present], timeout_s=5) == []
    assert wait_for_shards([present, absent], timeout_s=0, sleep=naps.append) == [absent]


def test_wait_for_shards_sees_a_shard_that_arrives_while_waiting(tmp_path: Path) -> None:
    late = tmp_path / "late.parquet"
    polls: list[float] = []

    def arrive(seconds: float) -> None:
        polls.append(seconds)
        late.write_bytes(b"x")

    assert wait_for_shards([late], timeout_s=60, sleep=arrive) == []
    assert len(polls) == 1
