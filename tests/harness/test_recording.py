from __future__ import annotations

import gzip
import importlib.util
import itertools
import json
import statistics
import sys
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.recording import (
    BUNDLED_RECORDING,
    Recording,
    RecordingError,
    count_requests,
    parse_line,
)

ROOT = Path(__file__).resolve().parents[2]


def _generator():
    spec = importlib.util.spec_from_file_location("recordings_generate",
                                                  ROOT / "recordings" / "generate.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def line(index: int, **changes: Any) -> dict[str, Any]:
    base = {"id": f"r{index}", "ts": 1754870400.0 + index, "method": "POST",
            "path": "/api/v1/search", "query": {}, "headers": {},
            "body": {"query": "bond yield"}, "endpoint": "search"}
    base.update(changes)
    return base


def write(path: Path, lines: list[Any], gz: bool = False) -> Path:
    text = "".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines)
    if gz:
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            handle.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
def test_reads_plain_and_gzip_alike(tmp_path: Path, gz: bool) -> None:
    path = write(tmp_path / "r.jsonl", [line(1), "", "   ", line(2)], gz=gz)
    requests = list(Recording(path))
    assert [r.id for r in requests] == ["r1", "r2"]
    assert requests[0].body == {"query": "bond yield"}
    assert count_requests(path) == 2


def test_limit_stops_early_and_counts_agree(tmp_path: Path) -> None:
    path = write(tmp_path / "r.jsonl", [line(i) for i in range(10)])
    assert [r.id for r in Recording(path, limit=3)] == ["r0", "r1", "r2"]
    assert count_requests(path, limit=3) == 3


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("{not json", r":2: not valid JSON"),
        ("[1, 2]", r":2: expected a JSON object, got list"),
        (line(9, ts=-5), r":2: field 'ts': "),
        (line(9, method="FETCH"), r":2: field 'method': "),
        (line(9, path="api/v1/search"), r":2: field 'path': .*must start with '/'"),
        (line(9, extra=1), r":2: field 'extra': "),
        ({"ts": 1.0}, r":2: field 'id': .*field 'method'"),
        (line(1), r":2: duplicate id 'r1'"),
        (line(9, headers={"x-a": "1\r\nx-injected: 1"}), r":2: field 'headers': .*CR, LF"),
        (line(9, headers={"bad name": "1"}), r":2: field 'headers': .*not an HTTP token"),
    ],
)
def test_a_bad_line_stops_the_stream_naming_file_and_line(tmp_path: Path, bad: Any,
                                                          message: str) -> None:
    path = write(tmp_path / "bad.jsonl", [line(1), bad, line(3)])
    seen = []
    with pytest.raises(RecordingError, match=message) as caught:
        seen.extend(Recording(path))
    assert str(caught.value).startswith(f"{path}:2: ")
    assert caught.value.line == 2 and caught.value.source == str(path)
    assert [r.id for r in seen] == ["r1"]


def test_skip_invalid_counts_and_lists_every_bad_line(tmp_path: Path) -> None:
    path = write(tmp_path / "mixed.jsonl", [line(1), "oops", line(2), line(2),
                                            line(4, ts="noon"), line(5)])
    recording = Recording(path, skip_invalid=True)
    assert [r.id for r in recording] == ["r1", "r2", "r5"]
    assert [(s.line, s.problem.split(" ")[0]) for s in recording.skipped] == [
        (2, "not"), (4, "duplicate"), (5, "field")]
    assert recording.skipped[0].as_dict() == {"source": str(path), "line": 2,
                                              "problem": recording.skipped[0].problem}
    # Iterating again starts afresh: the list is not doubled.
    assert len(list(recording)) == 3 and len(recording.skipped) == 3


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"nowhere\.jsonl: recording not found"):
        Recording(tmp_path / "nowhere.jsonl")


json_leaf = st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.text(max_size=20) | \
    st.floats(allow_nan=False, allow_infinity=False)
bodies = st.recursive(json_leaf, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.text(max_size=8), inner, max_size=4), max_leaves=12)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies, query=st.dictionaries(st.text(min_size=1, max_size=6),
                                          st.text(max_size=6), max_size=3),
       ts=st.floats(min_value=0, max_value=2e9))
def test_any_json_body_survives_the_round_trip(body: Any, query: dict[str, str],
                                               ts: float) -> None:
    raw = orjson.dumps(line(1, body=body, query=query, ts=ts))
    request = parse_line(raw, "mem.jsonl", 1)
    assert request.body == body and request.query == query and request.ts == ts
    if body is None:
        assert request.body_bytes == b""  # no body is sent, not "null"
    else:
        assert orjson.loads(request.body_bytes) == body


# The bundled sample ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sample() -> list:
    return list(Recording(BUNDLED_RECORDING))


def test_sample_is_large_valid_and_in_time_order(sample: list) -> None:
    assert len(sample) >= 5000
    assert len({r.id for r in sample}) == len(sample)
    stamps = [r.ts for r in sample]
    assert stamps == sorted(stamps)
    assert BUNDLED_RECORDING.stat().st_size < 1_000_000  # it is committed: keep it small


def test_sample_endpoint_mix_is_weighted(sample: list) -> None:
    share = {k: v / len(sample) for k, v in Counter(r.endpoint for r in sample).items()}
    assert set(share) == {"workflow", "search", "config_extraction", "health"}
    assert share["workflow"] > share["search"] > share["config_extraction"] > share["health"]
    assert 0.45 <= share["workflow"] <= 0.65 and 0.2 <= share["search"] <= 0.4
    paths = {r.endpoint: (r.method, r.path) for r in sample}
    assert paths == {"workflow": ("POST", "/api/v1/workflow"),
                     "search": ("POST", "/api/v1/search"),
                     "config_extraction": ("POST", "/api/v1/config/extract"),
                     "health": ("GET", "/health")}


def test_sample_has_recurring_users_and_queries(sample: list) -> None:
    users = Counter(r.body.get("user_id") for r in sample if r.endpoint == "workflow")
    workflows = sum(users.values())
    top_user, top_count = next((u, c) for u, c in users.most_common() if u is not None)
    assert top_count / workflows > 0.05, top_user
    assert users[None] > 0  # anonymous requests too
    queries = Counter(r.body.get("query") for r in sample
                      if r.endpoint == "search" and isinstance(r.body.get("query"), str))
    assert queries.most_common(1)[0][1] >= 20
    assert sum(1 for c in queries.values() if c == 1) >= 100  # and a long tail seen once


def test_sample_timestamps_have_bursts_and_a_daily_shape(sample: list) -> None:
    gaps = [b.ts - a.ts for a, b in itertools.pairwise(sample)]
    assert sum(1 for g in gaps if g < 0.1) > 0.1 * len(gaps)  # bursts
    assert statistics.median(gaps) > 1.0  # yet a calm background
    hours = Counter(int((r.ts - sample[0].ts) // 3600) for r in sample)
    assert hours.most_common(1)[0][1] > 3 * min(hours.values())


def _text(request) -> str:
    body = request.body if isinstance(request.body, dict) else {}
    value = body.get("content", body.get("query"))
    return value if isinstance(value, str) else ""


def test_sample_has_the_edge_cases(sample: list) -> None:
    texts = [_text(r) for r in sample]
    assert sum(1 for t in texts if 50_000 <= len(t) <= 100_000) >= 5
    assert sum(1 for r, t in zip(sample, texts, strict=True)
               if t == "" and r.endpoint != "health") >= 5
    joined = "".join(t for t in texts if len(t) < 1000)
    assert any(unicodedata.bidirectional(c) in ("R", "AL") for c in joined)  # right to left
    assert any(unicodedata.combining(c) for c in joined)
    assert any(ord(c) > 0xFFFF for c in joined)  # emoji outside the BMP
    hints = {(r.body or {}).get("domain_hint", (r.body or {}).get("domain")) for r in sample
             if isinstance(r.body, dict)}
    assert {"astrology", "FINANCE", ""} <= hints
    rejected = [r for r in sample if isinstance(r.body, dict)
                and (r.body.get("top_k") in (0, 51) or r.body.get("max_results") in (0, 100)
                     or (r.endpoint != "search" and "content" not in r.body))]
    assert len(rejected) >= 5


def test_generator_is_seeded_and_reproducible() -> None:
    generate = _generator().generate
    first = list(generate(400, seed=5))
    assert first == list(generate(400, seed=5))
    assert first != list(generate(400, seed=6))
    assert [line["id"] for line in first] == [f"req-{i:06d}" for i in range(1, 401)]
    for item in first:
        parse_line(orjson.dumps(item), "generated", 1)


def test_generator_refuses_a_count_too_small_for_its_edge_cases() -> None:
    with pytest.raises(ValueError, match="count must leave room"):
        list(_generator().generate(20))
