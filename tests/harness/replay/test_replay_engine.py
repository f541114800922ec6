from __future__ import annotations

import asyncio
import gzip
import itertools
import json
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fault_server import ERROR_MODES, FaultServer
from replay_doubles import BytesComparator, Examples, ListWriter, make_request, write_lines

from harness.pipeline import run_event_loop
from harness.recording import RecordedRequest, Recording, RecordingError
from harness.replay import TRANSPORTS, Pacing, ReplayStats, replay
from harness.results import COLUMNS, ResultWriter, read_results


def run_replay(recording: Iterable[RecordedRequest], legacy: str, graph: str, *,
               pacing: Pacing | None = None, timeout_s: float = 1.0,
               writer: Any = None, **kw: Any) -> tuple[ReplayStats, ListWriter]:
    writer = writer if writer is not None else ListWriter()
    stats = asyncio.run(replay(
        recording, legacy=legacy, graph=graph, pacing=pacing or Pacing.closed_loop(4),
        timeout_s=timeout_s, comparator=kw.pop("comparator", BytesComparator()),
        writer=writer, progress=False, **kw))
    return stats, writer


def faulty(index: int, legacy: str, graph: str) -> RecordedRequest:
    return make_request(index, body={"content": f"c{index}", "fault": {"legacy": legacy,
                                                                       "graph": graph}})


def expected_outcome(legacy: str, graph: str) -> str:
    failed = (legacy in ERROR_MODES, graph in ERROR_MODES)
    return {(False, False): "compared", (True, False): "legacy_error",
            (False, True): "graph_error", (True, True): "both_error"}[failed]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_every_request_is_one_row_with_the_outcome_its_targets_earned(
        server: FaultServer, transport: str) -> None:
    modes = ["ok", "json404", "chunked", *ERROR_MODES]
    combos = list(itertools.product(modes, modes))
    recording = [faulty(i, legacy, graph) for i, (legacy, graph) in enumerate(combos)]
    base = f"{server.url}/body"
    server.slow_s = 2.0
    stats, writer = run_replay(recording, f"{base}/legacy", f"{base}/graph",
                               pacing=Pacing.closed_loop(16), timeout_s=0.3,
                               transport=transport)
    rows = {row["id"]: row for row in writer.rows}
    assert len(writer.rows) == len(rows) == len(recording)
    for request, (legacy, graph) in zip(recording, combos, strict=True):
        row = rows[request.id]
        assert row["outcome"] == expected_outcome(legacy, graph), (legacy, graph)
        assert row["legacy_error"] == ERROR_MODES.get(legacy)
        assert row["graph_error"] == ERROR_MODES.get(graph)
        if row["outcome"] == "compared":
            same = {legacy, graph} <= {"ok", "chunked"} or legacy == graph
            assert row["verdict"] == ("match" if same else "mismatch")
            assert row["reason"] is None
        else:
            assert row["verdict"] is None and row["reason"]
        if "slow" in (legacy, graph):
            side = "legacy" if legacy == "slow" else "graph"
            assert row[f"{side}_latency_ms"] == 300.0
    outcomes = Counter(row["outcome"] for row in writer.rows)
    assert stats.rows == len(recording) and stats.finished
    assert (stats.compared, stats.legacy_error, stats.graph_error, stats.both_error) == (
        outcomes["compared"], outcomes["legacy_error"], outcomes["graph_error"],
        outcomes["both_error"])
    assert stats.match + stats.mismatch == stats.compared
    assert set(writer.rows[0]) == set(COLUMNS)


def test_a_refused_target_is_recorded_not_raised(server: FaultServer, refused_url: str) -> None:
    recording = [make_request(i) for i in range(20)]
    stats, writer = run_replay(recording, f"{server.url}/ok", refused_url)
    assert [row["outcome"] for row in writer.rows] == ["graph_error"] * 20
    assert {row["graph_error"] for row in writer.rows} == {"connection_refused"}
    assert stats.graph_error == 20 and stats.finished


def test_first_side_alternates_and_really_goes_first(server: FaultServer) -> None:
    class AlwaysMismatch(BytesComparator):
        def compare(self, legacy, graph):  # every pair reaches the example sink
            from harness.verdict import Kind, Layer, Mismatch, Verdict
            return Verdict.of((Mismatch("", Kind.BODY, Layer.SEMANTIC),))

    examples = Examples()
    recording = [make_request(i) for i in range(40)]
    _, writer = run_replay(recording, f"{server.url}/ok", f"{server.url}/ok",
                           pacing=Pacing.closed_loop(1), comparator=AlwaysMismatch(),
                           examples=examples)
    sides = [row["first_side"] for row in sorted(writer.rows, key=lambda r: r["seq"])]
    assert sides == ["legacy", "graph"] * 20
    assert len(examples.seen) == 40
    for exchange, _ in examples.seen:
        first = exchange.legacy if exchange.first_side == "legacy" else exchange.graph
        second = exchange.graph if exchange.first_side == "legacy" else exchange.legacy
        assert first.started_at <= second.started_at


def test_first_side_is_balanced_under_concurrency(server: FaultServer) -> None:
    _, writer = run_replay([make_request(i) for i in range(101)], f"{server.url}/ok",
                           f"{server.url}/ok", pacing=Pacing.closed_loop(8))
    counts = Counter(row["first_side"] for row in writer.rows)
    assert abs(counts["legacy"] - counts["graph"]) == 1


def test_mismatches_go_to_the_example_sink_and_matches_do_not(server: FaultServer) -> None:
    recording = [faulty(i, "ok", "alt" if i % 3 == 0 else "ok") for i in range(30)]
    examples = Examples()
    stats, writer = run_replay(recording, f"{server.url}/body/legacy",
                               f"{server.url}/body/graph", examples=examples)
    assert stats.mismatch == 10 and stats.match == 20
    assert sorted(e.request.id for e, _ in examples.seen) == sorted(
        r["id"] for r in writer.rows if r["verdict"] == "mismatch")


def test_open_loop_follows_the_recorded_schedule(server: FaultServer) -> None:
    gaps = [0.0, 0.02, 0.0, 0.1, 0.04, 0.0, 0.06]
    times = list(itertools.accumulate(gaps, initial=1_700_000_000.0))[1:]
    recording = [make_request(i, ts=t) for i, t in enumerate(times)]
    speed = 2.0
    _, writer = run_replay(recording, f"{server.url}/ok", f"{server.url}/ok",
                           pacing=Pacing.open_loop(speed))
    rows = sorted(writer.rows, key=lambda r: r["seq"])
    start = rows[0]["intended_at"]
    for row, ts in zip(rows, times, strict=True):
        assert row["intended_at"] - start == pytest.approx((ts - times[0]) / speed, abs=1e-6)
        assert row["sent_at"] >= row["intended_at"] - 1e-6
        for side in ("legacy", "graph"):
            assert row[f"{side}_intended_latency_ms"] >= row[f"{side}_latency_ms"]


def test_open_loop_queueing_shows_in_intended_latency(server: FaultServer) -> None:
    """Twenty requests recorded at the same instant, two in flight at most, each answer at
    least 50 ms away: the later ones wait, and their latency from the intended send says so
    while their latency from the actual send does not."""
    server.delay_s = 0.05
    recording = [make_request(i, ts=1_700_000_000.0) for i in range(20)]
    _, writer = run_replay(recording, f"{server.url}/delay", f"{server.url}/delay",
                           pacing=Pacing.open_loop(1.0, concurrency=2))
    assert server.max_in_flight <= 4  # two pairs, two sides
    waits = sorted(row["legacy_intended_latency_ms"] - row["legacy_latency_ms"]
                   for row in writer.rows)
    assert waits[-1] >= 50.0 * 8
    for row in writer.rows:
        delay_ms = (row["sent_at"] - row["intended_at"]) * 1000.0
        assert row["legacy_intended_latency_ms"] >= row["legacy_latency_ms"] + delay_ms - 1.0


def test_fixed_rate_spaces_intended_sends(server: FaultServer) -> None:
    rate = 200.0
    recording = [make_request(i, ts=1_700_000_000.0 + (i % 3) * 50) for i in range(30)]
    _, writer = run_replay(recording, f"{server.url}/ok", f"{server.url}/ok",
                           pacing=Pacing.fixed_rate(rate))
    rows = sorted(writer.rows, key=lambda r: r["seq"])
    for index, row in enumerate(rows):
        assert row["intended_at"] - rows[0]["intended_at"] == pytest.approx(index / rate,
                                                                            abs=1e-6)
        assert row["sent_at"] >= row["intended_at"] - 1e-6
    assert rows[-1]["sent_at"] - rows[0]["sent_at"] >= (len(rows) - 1) / rate - 1e-3


def test_noise_sample_asks_legacy_twice_for_the_first_n(server: FaultServer) -> None:
    recording = [make_request(i) for i in range(12)]
    stats, writer = run_replay(recording, f"{server.url}/counter", f"{server.url}/ok",
                               pacing=Pacing.closed_loop(1), noise_sample=5)
    rows = sorted(writer.rows, key=lambda r: r["seq"])
    assert [row["secondary_status"] is not None for row in rows] == [True] * 5 + [False] * 7
    assert all(json.loads(row["secondary_diff"]) == ["n"] for row in rows[:5])
    assert all(row["secondary_diff"] is None for row in rows[5:])
    assert stats.secondary == 5
    assert server.requests == 12 * 2 + 5


def test_secondary_target_gets_every_request(server: FaultServer, refused_url: str) -> None:
    recording = [make_request(i) for i in range(6)]
    stats, writer = run_replay(recording, f"{server.url}/ok", f"{server.url}/ok",
                               secondary=f"{server.url}/ok")
    assert all(json.loads(row["secondary_diff"]) == [] for row in writer.rows)
    assert stats.secondary == 6
    _, writer = run_replay(recording, f"{server.url}/ok", f"{server.url}/ok",
                           secondary=refused_url)
    # A failing second legacy is recorded beside the pair and never changes its outcome.
    assert {row["secondary_error"] for row in writer.rows} == {"connection_refused"}
    assert {row["outcome"] for row in writer.rows} == {"compared"}
    assert all(row["secondary_diff"] is None for row in writer.rows)


def test_invalid_lines_become_skipped_rows_in_place(server: FaultServer,
                                                    tmp_path: Path) -> None:
    good = [make_request(i).model_dump(mode="json") for i in range(6)]
    lines = [good[0], "{not json", good[1], {"id": "x"}, good[2], good[3], good[0],
             good[4], "", good[5], "[1, 2]"]
    path = tmp_path / "mixed.jsonl"
    write_lines(path, lines)
    recording = Recording(path, skip_invalid=True)
    stats, writer = run_replay(recording, f"{server.url}/ok", f"{server.url}/ok",
                               pacing=Pacing.closed_loop(1))
    rows = sorted(writer.rows, key=lambda r: r["seq"])
    assert [r["outcome"] for r in rows] == ["compared", "skipped", "compared", "skipped",
                                            "compared", "compared", "skipped", "compared",
                                            "compared", "skipped"]
    skipped = [r for r in rows if r["outcome"] == "skipped"]
    assert [r["reason"].split(": ")[0] for r in skipped] == [
        f"{path}:2", f"{path}:4", f"{path}:7", f"{path}:11"]
    assert "duplicate id 'r000000'" in skipped[2]["reason"]
    assert "field 'ts'" in skipped[1]["reason"]
    assert len(recording.skipped) == 4
    assert stats.skipped == 4 and stats.compared == 6 and stats.rows == 10


def test_a_bad_line_without_skip_invalid_stops_with_file_and_line(
        server: FaultServer, tmp_path: Path) -> None:
    good = [make_request(i).model_dump(mode="json") for i in range(5)]
    path = tmp_path / "bad.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        for line in [*good[:3], {"id": "x", "ts": -1}, *good[3:]]:
            handle.write(json.dumps(line) + "\n")
    writer = ListWriter()
    with pytest.raises(RecordingError, match=rf"^{path}:4: .*field 'ts'"):
        run_replay(Recording(path), f"{server.url}/ok", f"{server.url}/ok", writer=writer)
    # The lines before the bad one were replayed and written, none lost in flight.
    assert sorted(r["id"] for r in writer.rows) == ["r000000", "r000001", "r000002"]


class _CancelAfter(ListWriter):
    def __init__(self, rows: int) -> None:
        super().__init__()
        self.after = rows
        self.task: asyncio.Task[Any] | None = None

    def add(self, row: dict[str, Any]) -> None:
        super().add(row)
        if len(self.rows) == self.after and self.task is not None:
            self.task.cancel()


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("pacing", [Pacing.closed_loop(8), Pacing.fixed_rate(2000, 8)],
                         ids=["closed", "rate"])
def test_interruption_accounts_for_every_request(server: FaultServer, pacing: Pacing,
                                                 transport: str) -> None:
    recording = [make_request(i) for i in range(300)]
    writer = _CancelAfter(40)

    async def main() -> ReplayStats:
        writer.task = asyncio.current_task()
        return await replay(recording, legacy=f"{server.url}/ok", graph=f"{server.url}/ok",
                            pacing=pacing, timeout_s=1, comparator=BytesComparator(),
                            writer=writer, progress=False, transport=transport)

    stats = asyncio.run(main())
    assert not stats.finished
    ids = [row["id"] for row in writer.rows]
    assert sorted(ids) == [r.id for r in recording]
    reasons = Counter(row["reason"] for row in writer.rows if row["outcome"] == "skipped")
    assert set(reasons) == {"interrupted"}
    assert stats.interrupted == reasons["interrupted"] >= 300 - 40 - 16
    assert stats.rows == 300 == stats.sent + stats.skipped
    interrupted = [row for row in writer.rows if row["reason"] == "interrupted"]
    assert all(row["endpoint"] == "workflow" and row["path"] for row in interrupted)


@pytest.mark.slow
def test_memory_stays_flat_on_a_long_recording(static_url: str) -> None:
    """A 20,000-request generator against a static server: the engine pulls requests only as
    fast as it finishes them, and its task count never grows with the recording."""
    total = 20_000
    concurrency = 8
    pulled = 0

    def recording() -> Iterator[RecordedRequest]:
        nonlocal pulled
        for index in range(total):
            pulled += 1
            yield make_request(index)

    class Watching(ListWriter):
        def __init__(self) -> None:
            super().__init__()
            self.written = 0
            self.max_ahead = 0
            self.max_tasks = 0

        def add(self, row: dict[str, Any]) -> None:
            self.written += 1  # rows are not kept: the point is what the engine holds
            self.max_ahead = max(self.max_ahead, pulled - self.written)
            if self.written % 100 == 0:
                self.max_tasks = max(self.max_tasks, len(asyncio.all_tasks()))

    writer = Watching()
    stats = run_event_loop(replay(
        recording(), legacy=static_url, graph=static_url, pacing=Pacing.closed_loop(concurrency),
        timeout_s=5, comparator=BytesComparator(), writer=writer, progress=False))
    assert stats.rows == writer.written == total and stats.compared == total
    assert writer.max_ahead <= concurrency + 1
    # The main task, and per slot a worker, the second side's task and aiohttp's body-writing
    # task of each side: a bound set by the concurrency, not by the recording.
    assert writer.max_tasks <= 1 + 4 * concurrency


def test_results_stream_to_parquet(server: FaultServer, tmp_path: Path) -> None:
    recording = [faulty(i, "ok", "500" if i % 4 == 0 else "ok") for i in range(250)]
    path = tmp_path / "results.parquet"
    with ResultWriter(path, batch_size=64) as writer:
        stats, _ = run_replay(recording, f"{server.url}/body/legacy",
                              f"{server.url}/body/graph", writer=writer)
    frame = read_results(path)
    assert list(frame["id"]) == [r.id for r in recording]
    assert (frame["outcome"] == "graph_error").sum() == stats.graph_error == 63
    assert frame["legacy_latency_ms"].notna().all()


def test_negative_noise_sample_is_refused(server: FaultServer) -> None:
    with pytest.raises(ValueError, match="noise_sample"):
        run_replay([make_request(1)], f"{server.url}/ok", f"{server.url}/ok", noise_sample=-1)


SIGINT_SCRIPT = """
import json, sys
sys.path.insert(0, sys.argv[1])
from fault_server import FaultServer
from replay_doubles import BytesComparator, ListWriter, make_request
from harness.pipeline import run_event_loop
from harness.replay import Pacing, replay

server = FaultServer(delay_s=0.02).start()
writer = ListWriter()

class Announcing(ListWriter):
    def add(self, row):
        super().add(row)
        if len(self.rows) == 20:
            print("running", flush=True)

writer = Announcing()
stats = run_event_loop(replay(
    [make_request(i) for i in range(3000)], legacy=server.url + "/delay",
    graph=server.url + "/delay", pacing=Pacing.closed_loop(4), timeout_s=5,
    comparator=BytesComparator(), writer=writer, progress=False))
ids = sorted(row["id"] for row in writer.rows)
print(json.dumps({"finished": stats.finished, "rows": stats.rows,
                  "interrupted": stats.interrupted, "unique": len(set(ids)),
                  "written": len(ids)}), flush=True)
server.stop()
"""


@pytest.mark.slow
def test_ctrl_c_ends_the_run_with_every_request_accounted() -> None:
    """A real SIGINT, as a terminal sends it: asyncio.run cancels the main task, the replay
    returns finished=False and the process goes on to write its results."""
    here = str(Path(__file__).resolve().parent)
    process = subprocess.Popen([sys.executable, "-c", SIGINT_SCRIPT, here],
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "running"
    process.send_signal(signal.SIGINT)
    out, _ = process.communicate(timeout=60)
    assert process.returncode == 0
    result = json.loads(out.strip().splitlines()[-1])
    assert result["finished"] is False
    assert result["rows"] == result["written"] == result["unique"] == 3000
    assert result["interrupted"] > 0
