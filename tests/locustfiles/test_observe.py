"""From Locust's FastHttp responses to Observations, and from recorded requests to what is sent."""

from __future__ import annotations

import errno
from dataclasses import dataclass, field
from typing import Any

import pytest
from _observe import classify_exception, failure_text, observe, request_headers, target_url

from harness.recording import RecordedRequest


@dataclass
class FakeResponse:
    status_code: int
    content: bytes | None = b""
    headers: Any = field(default_factory=dict)
    error: BaseException | None = None


def _request(**overrides: Any) -> RecordedRequest:
    data = {"id": "r1", "ts": 1.0, "method": "POST", "path": "/api/v1/search",
            "endpoint": "search", "body": {"query": "q"}}
    return RecordedRequest.model_validate({**data, **overrides})


def test_an_answer_keeps_status_body_and_lower_cased_headers_in_order() -> None:
    response = FakeResponse(200, b'{"a":1}', {"Content-Type": "application/json", "X-B": "2"})
    observation = observe("legacy", response, started_at=10.0, latency_ms=12.5)
    assert observation.status == 200 and observation.body == b'{"a":1}'
    assert observation.headers == (("content-type", "application/json"), ("x-b", "2"))
    assert not observation.failed
    assert observation.latency_ms == observation.intended_latency_ms == 12.5
    assert observation.started_at == 10.0


def test_4xx_is_an_answer_for_parity_to_judge_and_5xx_is_an_error() -> None:
    rejected = observe("graph", FakeResponse(422, b"{}"), 0.0, 1.0)
    assert not rejected.failed and rejected.status == 422
    broken = observe("graph", FakeResponse(503, b"down"), 0.0, 1.0)
    assert broken.error == "http_5xx" and broken.body == b"down"
    assert failure_text(broken) == "HTTP 503"


@pytest.mark.parametrize(("error", "kind"), [
    (ConnectionRefusedError(errno.ECONNREFUSED, "refused"), "connection_refused"),
    (ConnectionResetError(errno.ECONNRESET, "reset"), "connection_reset"),
    (TimeoutError("timed out"), "timeout"),
    (OSError(errno.EHOSTUNREACH, "unreachable"), "connection_error"),
])
def test_no_answer_is_a_transport_error_of_the_right_kind(error: BaseException,
                                                          kind: str) -> None:
    observation = observe("legacy", FakeResponse(0, None, None, error), 0.0, 5000.0)
    assert observation.status is None and observation.error == kind
    assert observation.headers == () and observation.body == b""
    assert type(error).__name__ in observation.error_detail
    assert failure_text(observation) == kind
    assert classify_exception(error) == kind


def test_a_timeout_class_of_another_library_is_a_timeout() -> None:
    class Timeout(Exception):  # gevent.Timeout's name, without importing gevent here
        pass

    assert classify_exception(Timeout()) == "timeout"


def test_a_body_cut_off_mid_read_is_a_transport_error() -> None:
    class Truncated:
        status_code = 200
        headers: dict[str, str] = {}  # noqa: RUF012

        @property
        def content(self) -> bytes:
            raise ConnectionResetError(errno.ECONNRESET, "reset mid-body")

    observation = observe("graph", Truncated(), 0.0, 1.0)
    assert observation.error == "connection_reset"


def test_query_is_appended_in_recorded_order_and_encoded() -> None:
    request = _request(method="GET", path="/health", body=None,
                       query={"probe": "lb", "q": "a b&c"})
    assert target_url(request) == "/health?probe=lb&q=a+b%26c"
    assert target_url(_request()) == "/api/v1/search"


def test_hop_by_hop_headers_are_not_replayed_and_json_bodies_are_labelled() -> None:
    request = _request(headers={"Host": "prod", "Content-Length": "99", "User-Agent": "app/1",
                                "connection": "close"})
    headers = request_headers(request)
    assert headers == {"User-Agent": "app/1", "content-type": "application/json",
                       "accept-encoding": "identity"}
    no_body = request_headers(_request(method="GET", body=None,
                                       headers={"Accept-Encoding": "gzip"}))
    assert no_body == {"Accept-Encoding": "gzip"}
