"""The legacy app's contract: inputs it refuses, faults it injects, answers it repeats."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from legacy_stub.app import MAX_BODY_BYTES, create_app
from legacy_stub.orchestrators import unified
from legacy_stub.orchestrators.base import Orchestrator
from legacy_stub.profile import STAGES

VOLATILE = ("workflow_id", "search_id", "config_id", "request_id", "timestamp", "search_time",
            "extraction_time", "uptime_seconds")


def _stable(raw: bytes) -> dict:
    body = orjson.loads(raw)
    for key in VOLATILE:
        body.pop(key, None)
    body.pop("performance_metrics", None)
    return body


def test_health_answers_in_the_legacy_format(call_legacy: Callable) -> None:
    status, raw = call_legacy("GET", "/health")
    body = orjson.loads(raw)
    assert status == 200
    assert body["status"] == "healthy"
    assert body["documents_indexed"] == 360
    assert body["domains"] == ["MEDICAL", "FINANCE", "LEGAL", "ENGINEERING", "RETAIL", "ENERGY"]


@pytest.mark.parametrize("body", [
    {"content": 5},
    {"content": "x", "max_results": "5"},
    {"content": "x", "max_results": True},
    {"content": "x", "max_results": 51},
    {"content": None},
    {"user_id": "u1"},
])
def test_wrong_fields_are_a_422_naming_the_field(call_legacy: Callable, body: dict) -> None:
    status, raw = call_legacy("POST", "/api/v1/workflow", body)
    error = orjson.loads(raw)
    assert status == 422
    field = "max_results" if "max_results" in body else "content"
    assert error["details"][0]["field"] == field
    assert f"'{field}'" in error["message"]


def test_unknown_fields_are_ignored(call_legacy: Callable) -> None:
    plain = call_legacy("POST", "/api/v1/config/extract", {"content": "bond swap"})
    extra = call_legacy("POST", "/api/v1/config/extract",
                        {"content": "bond swap", "colour": "blue"})
    assert plain[0] == extra[0] == 200
    assert _stable(plain[1]) == _stable(extra[1])


def test_an_oversized_body_is_a_413_before_it_is_parsed(call_legacy: Callable) -> None:
    big = orjson.dumps({"content": "a" * MAX_BODY_BYTES})
    status, raw = call_legacy("POST", "/api/v1/workflow", raw=big)
    assert status == 413
    assert orjson.loads(raw)["error_code"] == "PAYLOAD_TOO_LARGE"
    just_fits = orjson.dumps({"content": "a" * (MAX_BODY_BYTES - 20)})
    assert call_legacy("POST", "/api/v1/workflow", raw=just_fits)[0] == 200


def test_every_request_initializes_the_whole_orchestrator_chain(
        call_legacy: Callable, monkeypatch: pytest.MonkeyPatch) -> None:
    initialized: list[str] = []
    original = Orchestrator.initialize

    async def counting(self: Orchestrator) -> None:
        initialized.append(self.name)
        await original(self)

    monkeypatch.setattr(Orchestrator, "initialize", counting)
    for path, body in (("/api/v1/workflow", {"content": "x"}),
                       ("/api/v1/search", {"query": "x"}),
                       ("/api/v1/config/extract", {"content": "x"})):
        initialized.clear()
        assert call_legacy("POST", path, body)[0] == 200
        assert sorted(initialized) == sorted(STAGES)


def test_injected_faults_are_500s_in_the_legacy_format(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHADOW_FAULTS", "1")
    app = create_app("fast")
    app.state.service.latency.profile = app.state.profile.model_copy(
        update={"error_rate": 1.0})
    from asgi_app import asgi_call

    status, raw = asyncio.run(asgi_call(app, "POST", "/api/v1/workflow",
                                        orjson.dumps({"content": "insulin"})))
    error = orjson.loads(raw)
    assert status == 500
    assert (error["error_code"], error["message"]) == ("INTERNAL_ERROR", "Internal server error")
    assert b"Traceback" not in raw


def test_fault_rate_follows_the_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHADOW_FAULTS", raising=False)
    app = create_app("fast")
    latency = app.state.service.latency
    failures = sum(latency.draw_failure(STAGES) is not None for _ in range(20000))
    assert 0.015 < failures / 20000 < 0.025
    monkeypatch.setenv("SHADOW_FAULTS", "0")
    quiet = create_app("fast").state.service.latency
    assert all(quiet.draw_failure(STAGES) is None for _ in range(2000))


def test_a_missing_corpus_names_the_file(tmp_path: Path) -> None:
    from legacy_stub.knowledge import CorpusError

    with pytest.raises(CorpusError, match=str(tmp_path / "nope.json")):
        create_app("fast", corpus_path=tmp_path / "nope.json")


texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=300) | st.sampled_from(
    ["insulin treats diabetes in the kidney", "", "kafka memory leak on kubernetes",
     "bond swap hedge fund ebitda", "日本語 über ß"])
requests = st.one_of(
    st.builds(lambda c, h, k: ("/api/v1/workflow",
                               {"content": c, "domain_hint": h, "max_results": k}),
              texts, st.sampled_from([None, "legal", "astrology", ""]), st.integers(1, 50)),
    st.builds(lambda q, d, k, m: ("/api/v1/search",
                                  {"query": q, "domain": d, "top_k": k, "modalities": m}),
              texts, st.sampled_from([None, "energy", "Retail", "nowhere"]),
              st.integers(1, 50),
              st.lists(st.sampled_from(["vector", "graph", "keyword"]), min_size=1,
                       max_size=3)),
    st.builds(lambda c: ("/api/v1/config/extract", {"content": c}), texts),
)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(request=requests)
def test_the_same_request_twice_differs_only_in_volatile_fields(
        call_legacy: Callable, request: tuple[str, dict]) -> None:
    path, body = request
    first = call_legacy("POST", path, body)
    second = call_legacy("POST", path, body)
    assert first[0] == second[0] == 200
    assert orjson.dumps(_stable(first[1])) == orjson.dumps(_stable(second[1]))


def test_work_size_depends_only_on_the_text() -> None:
    from legacy_stub.latency import work_size

    assert work_size("insulin") == work_size("insulin")
    assert work_size("insulin") != work_size("insulin ")
    assert 0 <= work_size("\ud800 lone surrogate") < 1
    assert unified.LegacyService  # the chain's entry point is importable on its own
