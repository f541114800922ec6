"""Recorder: a sampled recording in DESIGN.md's format, redacted before it reaches disk."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from proxy_fixtures import Backend, eventually, fast_settings, running_proxy

from graph_system.routing.recorder import REDACTED, Recorder, redact_fields
from graph_system.routing.settings import RecordSettings
from graph_system.routing.upstream import ProxiedRequest
from harness.recording import Recording

SECRET = "s3cr3t-value"


def _request(i: int, body: object) -> ProxiedRequest:
    return ProxiedRequest(
        f"r{i}", "POST", "/api/v1/workflow", "a=1&b=%C3%A9",
        (("content-type", "application/json"), ("authorization", f"Bearer {SECRET}"),
         ("cookie", f"session={SECRET}"), ("x-user-id", "alice"), ("host", "proxy")),
        orjson.dumps(body), 1_700_000_000.0 + i)


@pytest.mark.anyio
async def test_lines_are_valid_recordings_with_secrets_redacted(tmp_path: Path) -> None:
    path = tmp_path / "rec.jsonl"
    recorder = Recorder(RecordSettings(redact_fields=["user_id", "credentials.password",
                                                      "items.*.token"]), path)
    body = {"content": "hello", "user_id": SECRET, "credentials": {"password": SECRET,
            "login": "al"}, "items": [{"token": SECRET, "n": 1}, {"token": SECRET}]}
    for i in range(3):
        assert recorder.capture(_request(i, body), None)
    assert not path.exists()  # buffered until flushed, off the event loop
    await recorder.flush()
    raw = path.read_bytes()
    assert SECRET.encode() not in raw
    requests = list(Recording(path))
    assert [r.id for r in requests] == ["r0", "r1", "r2"]
    first = requests[0]
    assert first.endpoint == "workflow" and first.query == {"a": "1", "b": "é"}
    assert first.headers["authorization"] == REDACTED and first.headers["cookie"] == REDACTED
    assert first.headers["x-user-id"] == "alice" and "host" not in first.headers
    assert first.body == {"content": "hello", "user_id": REDACTED,
                          "credentials": {"password": REDACTED, "login": "al"},
                          "items": [{"token": REDACTED, "n": 1}, {"token": REDACTED}]}


def test_authorization_and_cookie_always_redacted() -> None:
    settings = RecordSettings(redact_headers=["x-secret"])
    assert {"authorization", "cookie", "x-secret"} <= set(settings.redact_headers)


@given(st.recursive(st.none() | st.integers() | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.sampled_from(["a", "b", "token"]), inner, max_size=3),
                    max_leaves=20))
def test_redaction_never_leaves_a_token_value(value: object) -> None:
    cleaned = redact_fields({"token": value, "a": {"token": value}},
                            [["token"], ["a", "token"]])
    assert cleaned["token"] == REDACTED and cleaned["a"]["token"] == REDACTED


@pytest.mark.anyio
async def test_proxy_records_a_sample_with_responses(tmp_path: Path) -> None:
    legacy = await Backend("legacy").start()
    graph = await Backend("graph").start()
    path = tmp_path / "live.jsonl"
    settings = fast_settings(tmp_path, legacy.url, graph.url, mode="shadow",
                             record={"path": path, "sample": 0.5,
                                     "redact_fields": ["user_id"]})
    try:
        async with running_proxy(settings) as proxy:
            for i in range(200):
                await proxy.send(body={"query": f"q{i}", "user_id": SECRET},
                                 headers={"cookie": f"s={SECRET}"})
            await eventually(lambda: proxy.proxy.mirror.completed == 200)
        recorded = list(Recording(path))
        # Hash sampling at 50 %: 200 ids give 100 ± a few (binomial sd ~7).
        assert 60 <= len(recorded) <= 140
        assert SECRET.encode() not in path.read_bytes()
        assert all(r.response is not None and r.response.status == 200 for r in recorded)
        assert all(r.response.body["echo"]["user_id"] == REDACTED for r in recorded)
        assert all(r.headers["cookie"] == REDACTED for r in recorded)
    finally:
        await legacy.stop()
        await graph.stop()
