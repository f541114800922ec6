"""Every quirk in legacy_stub/README.md, pinned on a real answer."""

from __future__ import annotations

import re
from collections.abc import Callable

import orjson
import pytest

MEDICAL = "Insulin treats diabetes; the patient's kidney biopsy. Café naïve"


@pytest.fixture
def workflow(call_legacy: Callable) -> tuple[bytes, dict]:
    status, raw = call_legacy("POST", "/api/v1/workflow",
                              {"content": MEDICAL, "max_results": 2})
    assert status == 200
    return raw, orjson.loads(raw)


def test_scores_are_strings_with_four_decimals(workflow: tuple[bytes, dict]) -> None:
    results = workflow[1]["search_results"]["results"]
    assert results
    for item in results:
        assert re.fullmatch(r"\d\.\d{4}", item["score"])
        for value in item["modality_scores"].values():
            assert value is None or re.fullmatch(r"\d\.\d{4}", value)


def test_config_weights_are_strings_with_two_decimals(call_legacy: Callable) -> None:
    _, raw = call_legacy("POST", "/api/v1/config/extract", {"content": "weather today"})
    assert orjson.loads(raw)["config"]["search"]["weights"] == {
        "vector": "0.70", "graph": "0.00", "keyword": "0.30"}


def test_nothing_found_is_null_not_an_empty_list(call_legacy: Callable) -> None:
    _, raw = call_legacy("POST", "/api/v1/workflow", {"content": ""})
    body = orjson.loads(raw)
    assert body["domain_analysis"]["keywords"] is None
    assert body["extracted_knowledge"] == {"entities": None, "relationships": None,
                                           "entity_count": 0, "relationship_count": 0}
    assert body["search_results"] == {"query": "", "total_found": 0, "results": None}
    _, raw = call_legacy("POST", "/api/v1/config/extract", {"content": "weather today"})
    config = orjson.loads(raw)["config"]
    assert (config["keywords"], config["entity_types"], config["relation_types"]) == (
        None, None, None)


def test_modalities_not_asked_for_are_null(call_legacy: Callable) -> None:
    _, raw = call_legacy("POST", "/api/v1/search",
                         {"query": "kafka memory leak", "modalities": ["keyword", "vector"]})
    body = orjson.loads(raw)
    assert body["modality_counts"]["graph"] is None
    assert isinstance(body["modality_counts"]["vector"], int)
    assert all(r["modality_scores"]["graph"] is None for r in body["results"])


def test_key_order_is_fixed_and_not_alphabetical(workflow: tuple[bytes, dict]) -> None:
    body = workflow[1]
    keys = list(body)
    assert keys == ["workflow_id", "status", "domain_analysis", "extracted_knowledge",
                    "search_results", "performance_metrics", "timestamp"]
    assert keys != sorted(keys)
    assert list(body["search_results"]["results"][0]) == [
        "rank", "doc_id", "title", "domain", "score", "sources", "modality_scores", "snippet"]
    assert list(body["performance_metrics"]) == ["total_time", "sla_compliance"]


def test_timestamps_use_the_old_layout(workflow: tuple[bytes, dict],
                                       call_legacy: Callable) -> None:
    layout = re.compile(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}")
    assert layout.fullmatch(workflow[1]["timestamp"])
    _, raw = call_legacy("GET", "/health")
    assert layout.fullmatch(orjson.loads(raw)["timestamp"])


def test_times_are_integer_milliseconds_and_confidence_an_integer_percent(
        workflow: tuple[bytes, dict], call_legacy: Callable) -> None:
    body = workflow[1]
    assert type(body["performance_metrics"]["total_time"]) is int
    assert type(body["performance_metrics"]["sla_compliance"]) is bool
    assert type(body["domain_analysis"]["confidence"]) is int
    assert 0 <= body["domain_analysis"]["confidence"] <= 100
    _, raw = call_legacy("POST", "/api/v1/search", {"query": "bond"})
    assert type(orjson.loads(raw)["search_time"]) is int


def test_confidence_rounds_half_up(call_legacy: Callable) -> None:
    # 7 medical signals of 8 (one retail keyword): 87.5 % prints as 88.
    text = "patient clinical dose symptom therapy hospital insulin customer"
    _, raw = call_legacy("POST", "/api/v1/config/extract", {"content": text})
    body = orjson.loads(raw)
    assert body["domain"] == "MEDICAL"
    assert body["confidence"] == 88


def test_domains_are_upper_case_and_unknown_is_general(workflow: tuple[bytes, dict],
                                                       call_legacy: Callable) -> None:
    assert workflow[1]["domain_analysis"]["domain"] == "MEDICAL"
    assert all(r["domain"].isupper() for r in workflow[1]["search_results"]["results"])
    _, raw = call_legacy("POST", "/api/v1/workflow", {"content": "nothing to see here"})
    analysis = orjson.loads(raw)["domain_analysis"]
    assert (analysis["domain"], analysis["confidence"]) == ("GENERAL", 0)


def test_lists_are_joined_into_strings_in_a_fixed_order(call_legacy: Callable) -> None:
    _, raw = call_legacy("POST", "/api/v1/search",
                         {"query": "kafka memory leak", "modalities": ["keyword", "vector"]})
    body = orjson.loads(raw)
    assert body["modalities"] == "vector,keyword"
    assert all(set(r["sources"].split(",")) <= {"vector", "keyword"} for r in body["results"])


def test_encoding_is_python_json_with_ascii_escapes(workflow: tuple[bytes, dict]) -> None:
    raw = workflow[0]
    assert raw.isascii()
    assert b'Caf\\u00e9 na\\u00efve"' in raw
    assert raw.startswith(b'{"workflow_id": "')
    assert b'", "status": "completed", ' in raw


@pytest.mark.parametrize(("method", "path", "raw", "status", "code"), [
    ("POST", "/api/v1/workflow", b"{not json", 400, "INVALID_JSON"),
    ("GET", "/nowhere", b"", 404, "NOT_FOUND"),
    ("GET", "/health/", b"", 404, "NOT_FOUND"),
    ("GET", "/api/v1/search", b"", 405, "METHOD_NOT_ALLOWED"),
    ("POST", "/api/v1/search", b'{"query": "x", "top_k": 51}', 422, "VALIDATION_ERROR"),
    ("POST", "/api/v1/search", b"[]", 422, "VALIDATION_ERROR"),
])
def test_one_error_body_for_every_failure(call_legacy: Callable, method: str, path: str,
                                          raw: bytes, status: int, code: str) -> None:
    got, body = call_legacy(method, path, raw=raw)
    assert got == status
    error = orjson.loads(body)
    assert list(error) == ["status", "error_code", "message", "status_code", "details",
                           "request_id", "timestamp"]
    assert (error["status"], error["error_code"], error["status_code"]) == (
        "error", code, status)
    assert (error["details"] is None) == (status != 422)


def test_echoes_are_cut_to_a_hundred_characters(call_legacy: Callable) -> None:
    long = "insulin " * 40
    _, raw = call_legacy("POST", "/api/v1/search", {"query": long})
    assert orjson.loads(raw)["query"] == long[:100]
    _, raw = call_legacy("POST", "/api/v1/workflow", {"content": long})
    assert orjson.loads(raw)["search_results"]["query"] == long[:100]
