"""The graph app's HTTP contract (in-process): the legacy API plus the workflow endpoints."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from asgi_app import asgi_call
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph_system.app import create_app
from graph_system.compatibility import MAX_BODY_BYTES
from graph_system.diagrams import diagrams

ROOT = Path(__file__).resolve().parents[2]
VOLATILE = ("workflow_id", "search_id", "config_id", "request_id", "timestamp", "search_time",
            "extraction_time", "uptime_seconds", "performance_metrics")


def _stable(raw: bytes) -> bytes:
    body = orjson.loads(raw)
    for key in VOLATILE:
        body.pop(key, None)
    return orjson.dumps(body)


def test_readme_diagrams_are_what_pydantic_graph_renders() -> None:
    readme = (ROOT / "graph_system" / "README.md").read_text(encoding="utf-8")
    for name, mermaid in diagrams().items():
        assert f"<!-- diagram:{name} -->\n```mermaid\n{mermaid}\n```" in readme
    check = subprocess.run([sys.executable, "-m", "graph_system.diagrams", "--check"],
                           cwd=ROOT, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


def test_workflow_answers_in_the_legacy_format(call_graph: Callable) -> None:
    status, raw = call_graph("POST", "/api/v1/workflow",
                             {"content": "insulin treats diabetes", "max_results": 3})
    body = orjson.loads(raw)
    assert status == 200
    assert list(body) == ["workflow_id", "status", "domain_analysis", "extracted_knowledge",
                          "search_results", "performance_metrics", "timestamp"]
    assert body["domain_analysis"]["domain"] == "MEDICAL"
    assert len(body["search_results"]["results"]) == 3
    assert raw.isascii() and b'", "status": "completed", ' in raw


def test_the_workflow_view_shows_state_and_node_timings(call_graph: Callable) -> None:
    _, raw = call_graph("POST", "/api/v1/workflow", {"content": "wind farm outage"})
    workflow_id = orjson.loads(raw)["workflow_id"]
    status, raw = call_graph("GET", f"/workflows/{workflow_id}")
    view = orjson.loads(raw)
    assert status == 200
    assert (view["graph"], view["status"], view["last_node"]) == (
        "ConfigExtractionGraph", "completed", "SearchData")
    assert [t["node"] for t in view["node_timings"]] == ["AnalyzeDomain", "ExtractKnowledge",
                                                         "SearchData"]
    assert all(t["duration_ms"] >= 0 and t["modelled_s"] > 0 for t in view["node_timings"])
    assert view["state"]["domain_config"]["domain"] == "energy"
    status, raw = call_graph("GET", "/workflows/no-such-run")
    assert status == 404 and orjson.loads(raw)["error_code"] == "NOT_FOUND"
    assert call_graph("POST", "/workflows/no-such-run/resume")[0] == 404


def test_config_extraction_runs_are_persisted_too(call_graph: Callable) -> None:
    _, raw = call_graph("POST", "/api/v1/config/extract", {"content": "bond swap"})
    config_id = orjson.loads(raw)["config_id"]
    _, raw = call_graph("GET", f"/workflows/{config_id}")
    assert orjson.loads(raw)["graph"] == "DomainConfigGraph"


@pytest.mark.parametrize(("method", "path", "raw", "status", "code"), [
    ("POST", "/api/v1/workflow", b"{not json", 400, "INVALID_JSON"),
    ("POST", "/api/v1/workflow", b"", 400, "INVALID_JSON"),
    ("GET", "/nowhere", b"", 404, "NOT_FOUND"),
    ("DELETE", "/health", b"", 405, "METHOD_NOT_ALLOWED"),
    ("POST", "/api/v1/search", b'{"query": "x", "modalities": []}', 422, "VALIDATION_ERROR"),
    ("POST", "/api/v1/config/extract", b'{"content": ["x"]}', 422, "VALIDATION_ERROR"),
])
def test_bad_input_is_a_legacy_4xx(call_graph: Callable, method: str, path: str, raw: bytes,
                                   status: int, code: str) -> None:
    got, body = call_graph(method, path, raw=raw)
    assert got == status
    assert orjson.loads(body)["error_code"] == code


def test_oversized_bodies_are_refused(call_graph: Callable) -> None:
    big = orjson.dumps({"query": "a" * MAX_BODY_BYTES})
    status, raw = call_graph("POST", "/api/v1/search", raw=big)
    assert status == 413 and orjson.loads(raw)["status_code"] == 413


def test_injected_faults_and_aborts_answer_in_the_legacy_format(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHADOW_FAULTS", "1")
    app = create_app("fast")
    pacer = app.state.runner.agents.pacer
    pacer.profile = pacer.profile.model_copy(update={"error_rate": 1.0})
    status, raw = asyncio.run(asgi_call(app, "POST", "/api/v1/workflow",
                                        orjson.dumps({"content": "insulin"})))
    assert (status, orjson.loads(raw)["error_code"]) == (500, "INTERNAL_ERROR")
    assert b"Traceback" not in raw
    pacer.profile = pacer.profile.model_copy(update={"error_rate": 0.0,
                                                     "sla_outlier_rate": 1.0})
    status, raw = asyncio.run(asgi_call(app, "POST", "/api/v1/workflow",
                                        orjson.dumps({"content": "insulin"})))
    error = orjson.loads(raw)
    assert (status, error["error_code"], error["status_code"]) == (503, "SLA_TIMEOUT", 503)


texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=200) | st.sampled_from(
    ["insulin treats diabetes", "", "kafka memory leak", "日本語 über ß", "x" * 5000])


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(["/api/v1/workflow", "/api/v1/config/extract"]), text=texts,
       hint=st.sampled_from([None, "finance", "nowhere"]))
def test_the_same_request_twice_differs_only_in_volatile_fields(
        call_graph: Callable, path: str, text: str, hint: str | None) -> None:
    body = {"content": text, "domain_hint": hint}
    first, second = call_graph("POST", path, body), call_graph("POST", path, body)
    assert first[0] == second[0] == 200
    assert _stable(first[1]) == _stable(second[1])
