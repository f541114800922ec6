from __future__ import annotations

import copy
from pathlib import Path

import orjson
import pytest
from parity_support import LEGACY_RULES, legacy_encode, obs, workflow_body

from harness.observation import Exchange
from harness.parity import (
    Comparator,
    ExampleSink,
    list_signatures,
    render_signature,
    render_signatures,
    show_signature,
)
from harness.recording import RecordedRequest
from harness.results import ResultWriter, exchange_row


def request(i: int, text: str, endpoint: str = "workflow") -> RecordedRequest:
    return RecordedRequest(id=f"req-{i}", ts=float(i), method="POST", path="/api/v1/workflow",
                           body={"content": text}, endpoint=endpoint)


def exchange(i: int, graph_body: dict, text: str = "x" * 50) -> Exchange:
    return Exchange(request(i, text), obs(legacy_encode(workflow_body())),
                    obs(legacy_encode(graph_body), side="graph"))


def score_bug(rank: int) -> dict:
    body = copy.deepcopy(workflow_body())
    body["search_results"]["results"][rank]["score"] = "0.1"
    return body


def test_the_sink_keeps_capped_examples_plus_every_new_smallest(tmp_path: Path) -> None:
    comparator = Comparator(LEGACY_RULES)
    sizes = [50, 60, 70, 40, 80, 30, 90]
    with ExampleSink(tmp_path / "mismatches.jsonl", per_path_cap=2) as sink:
        kept = [sink.add(ex, comparator.compare(ex.legacy, ex.graph))
                for ex in (exchange(i, score_bug(i % 5), "y" * n) for i, n in enumerate(sizes))]
    assert kept == [True, True, False, True, False, True, False]
    lines = [orjson.loads(x) for x in (tmp_path / "mismatches.jsonl").read_bytes().splitlines()]
    first = lines[0]
    assert first["id"] == "req-0" and first["endpoint"] == "workflow"
    assert first["request"]["body"] == {"content": "y" * 50}
    item = first["mismatches"][0]
    assert (item["path"], item["kind"], item["legacy"], item["graph"]) == (
        "search_results.results[0].score", "value_changed", "0.6510", "0.1")
    assert first["legacy"]["body"] == legacy_encode(workflow_body()).decode()
    assert first["signatures"] == [item["signature"]]


def test_a_zero_cap_writes_nothing(tmp_path: Path) -> None:
    with ExampleSink(tmp_path / "m.jsonl", per_path_cap=0) as sink:
        ex = exchange(1, score_bug(1))
        assert not sink.add(ex, Comparator(LEGACY_RULES).compare(ex.legacy, ex.graph))
    assert (tmp_path / "m.jsonl").read_bytes() == b""


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    comparator = Comparator(LEGACY_RULES)
    plan = []
    for i in range(40):
        if i % 4 == 1:
            plan.append((i, score_bug(i % 5), "z" * (100 - i)))
        elif i == 7:
            body = workflow_body()
            del body["status"]
            plan.append((i, body, "short"))
        else:
            plan.append((i, workflow_body(), "w" * 60))
    with ResultWriter(tmp_path / "results.parquet") as writer, \
            ExampleSink(tmp_path / "mismatches.jsonl", per_path_cap=2) as sink:
        for i, body, text in plan:
            ex = exchange(i, body, text)
            verdict = comparator.compare(ex.legacy, ex.graph)
            writer.add(exchange_row(ex, verdict, seq=i, intended_at=float(i)))
            if verdict.mismatches:
                sink.add(ex, verdict)
    return tmp_path


def test_signatures_group_wildcarded_paths_with_counts_rates_and_smallest(run_dir: Path) -> None:
    found = list_signatures(run_dir)
    assert [(s.key.path, s.key.kind, s.rows) for s in found] == [
        ("search_results.results[*].score", "value_changed", 10),
        ("status", "missing", 1),
    ]
    score = found[0]
    assert score.rate == pytest.approx(10 / 40)
    assert (score.first_seen_id, score.first_seen_seq) == ("req-1", 1)
    assert score.smallest_id == "req-37"  # the shortest request body showing it
    # The smallest reproducer is on file even though the cap was reached long before it.
    assert score.example["id"] == "req-37"
    assert (score.example_mismatch["legacy"], score.example_mismatch["graph"]) == ("0.6310", "0.1")
    assert found[1].key.layer == "semantic" and found[1].example["id"] == "req-7"


def test_show_by_number_or_id_and_render_both_values(run_dir: Path) -> None:
    listing = list_signatures(run_dir)
    by_number = show_signature(run_dir, "1")
    assert by_number == show_signature(run_dir, listing[0].id[:5])
    assert by_number.key == listing[0].key
    text = render_signature(by_number).plain
    assert "0.6310" in text and "0.1" in text and "req-37" in text
    assert '"score": "0.6310"' in text  # the whole legacy answer, exactly as sent
    table = render_signatures(listing).plain
    assert listing[0].id in table and "search_results.results[*].score" in table
    assert "status: completed → (absent)" in table
    assert orjson.dumps([s.to_dict() for s in listing])  # --json output is JSON-able
    assert "pair" not in listing[0].to_dict()
    assert by_number.to_dict()["pair"]["id"] == "req-37"
    with pytest.raises(ValueError, match="not a signature of this run"):
        show_signature(run_dir, "ffffffff")


def test_a_clean_run_has_no_signatures(tmp_path: Path) -> None:
    with ResultWriter(tmp_path / "results.parquet") as writer:
        ex = exchange(1, workflow_body())
        writer.add(exchange_row(ex, Comparator(LEGACY_RULES).compare(ex.legacy, ex.graph), 1,
                                1.0))
    assert list_signatures(tmp_path) == []
    assert "no mismatches" in render_signatures([]).plain
