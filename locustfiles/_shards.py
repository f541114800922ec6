"""One Parquet shard of results per Locust process, at RUN_DIR/shards/results-<host>-<pid>.parquet.

A shard is written under a ``.partial`` name and renamed when closed: a Parquet file is only
readable once its footer is written, and harness.results.read_results globs
``results*.parquet``, so a reader never sees half a shard. The master waits for the final
names of the shards its workers announced before it gates.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from harness.results import ResultWriter

SHARDS_DIR = "shards"
PARTIAL_SUFFIX = ".partial"


def shard_path(run_dir: Path, host: str | None = None, pid: int | None = None) -> Path:
    host = (host or socket.gethostname()).replace(os.sep, "_")
    return Path(run_dir) / SHARDS_DIR / f"results-{host}-{pid or os.getpid()}.parquet"


def examples_path(shard: Path) -> Path:
    """The shard's mismatch examples (mismatches.jsonl lines), merged by the master."""
    return shard.with_name(shard.name.replace("results-", "mismatches-", 1)
                           .removesuffix(".parquet") + ".jsonl")


def merge_examples(run_dir: Path, target: Path) -> int:
    """Concatenate every shard's examples into ``target``; returns the lines written."""
    lines = 0
    sources = sorted((Path(run_dir) / SHARDS_DIR).glob("mismatches-*.jsonl"))
    if not sources:
        return 0
    with target.open("wb") as sink:
        for source in sources:
            for line in source.read_bytes().splitlines():
                if line.strip():
                    sink.write(line + b"\n")
                    lines += 1
    return lines


def clear_shards(run_dir: Path) -> int:
    """Remove a previous test's shards from RUN_DIR (only files this module writes)."""
    folder = Path(run_dir) / SHARDS_DIR
    if not folder.is_dir():
        return 0
    removed = 0
    for pattern in ("results*.parquet", f"results*.parquet{PARTIAL_SUFFIX}",
                    "mismatches-*.jsonl"):
        for path in folder.glob(pattern):
            path.unlink(missing_ok=True)
            removed += 1
    return removed


class ShardWriter:
    """A ResultWriter on the partial name that becomes the shard when closed."""

    def __init__(self, path: Path, batch_size: int = 1000) -> None:
        self.path = Path(path)
        self.partial = self.path.with_name(self.path.name + PARTIAL_SUFFIX)
        self._writer = ResultWriter(self.partial, batch_size)
        self.rows = 0
        self.closed = False
        self._writer.__enter__()

    def add(self, row: dict[str, Any]) -> None:
        self._writer.add(row)
        self.rows += 1

    def close(self) -> Path:
        if not self.closed:
            self._writer.close()
            os.replace(self.partial, self.path)
            self.closed = True
        return self.path


def wait_for_shards(paths: Iterable[Path], timeout_s: float, poll_s: float = 0.05,
                    sleep: Any = time.sleep) -> list[Path]:
    """The announced shards still missing after ``timeout_s`` (empty when all are in)."""
    missing = [Path(p) for p in paths]
    deadline = time.monotonic() + timeout_s
    while True:
        missing = [p for p in missing if not p.is_file()]
        if not missing or time.monotonic() >= deadline:
            return missing
        sleep(poll_s)
