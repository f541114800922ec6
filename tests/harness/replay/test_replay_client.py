from __future__ import annotations

import asyncio
import errno
import json
import time
from collections.abc import Callable
from typing import Any

import aiohttp
import orjson
import pytest
from fault_server import ERROR_MODES, FRAMING_MODES, FaultServer
from replay_doubles import make_request

from harness.observation import Observation
from harness.recording import RecordedRequest
from harness.replay import TRANSPORTS, Client, Prepared, classify

TIMEOUT_S = 0.5
Send = Callable[..., Observation]


@pytest.fixture(params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> str:
    """Every test here runs on both transports: aiohttp is the reference for the lean one."""
    return request.param


async def _send(transport: str, base: str, request: RecordedRequest,
                intended: float | None = None, timeout_s: float = TIMEOUT_S) -> Observation:
    async with Client(timeout_s=timeout_s, max_connections=4, transport=transport) as client:
        return await client.target("legacy", base).send(Prepared.of(request), intended)


@pytest.fixture
def send(transport: str) -> Callable[..., Observation]:
    def sender(base: str, request: RecordedRequest | None = None, **kw: Any) -> Observation:
        return asyncio.run(_send(transport, base, request or make_request(1), **kw))
    return sender


@pytest.mark.parametrize("mode", FRAMING_MODES)
def test_every_framing_reads_to_the_same_body(server: FaultServer, mode: str, send: Send) -> None:
    plain = send(f"{server.url}/ok")
    framed = send(f"{server.url}/{mode}")
    assert framed.error is None, framed.error_detail
    assert framed.status == 200 and framed.body == plain.body
    assert framed.header("x-mode") == mode


def test_keep_alive_reuses_connections(server: FaultServer, transport: str) -> None:
    async def many() -> list[Observation]:
        async with Client(timeout_s=2, max_connections=4, transport=transport) as client:
            target = client.target("legacy", f"{server.url}/ok")
            return [await target.send(Prepared.of(make_request(i))) for i in range(30)]

    before = server.connections
    assert all(obs.status == 200 for obs in asyncio.run(many()))
    assert server.connections - before == 1



def test_ok_answer_is_kept_byte_for_byte(server: FaultServer, send: Send) -> None:
    obs = send(f"{server.url}/ok")
    assert obs.error is None and obs.status == 200
    assert json.loads(obs.body)["path"] == "/api/v1/workflow"
    assert obs.header("x-mode") == "ok"
    assert all(name == name.lower() for name, _ in obs.headers)
    assert obs.latency_ms > 0
    assert obs.intended_latency_ms == obs.latency_ms  # closed loop: intended is the send
    assert abs(obs.started_at - time.time()) < 60


def test_query_and_body_are_sent_as_recorded(server: FaultServer, send: Send) -> None:
    request = RecordedRequest(id="q", ts=1.0, method="POST", path="/api/v1/search",
                              query={"probe": "lb"}, body={"query": "é 📈", "top_k": 5},
                              endpoint="search")
    answer = json.loads(send(f"{server.url}/ok", request).body)
    assert answer["query"] == "probe=lb"
    assert answer["size"] == len(orjson.dumps(request.body))
    assert answer["type"] == "application/json"


def test_health_get_without_body(server: FaultServer, send: Send) -> None:
    request = make_request(2, method="GET", path="/health", endpoint="health")
    answer = json.loads(send(f"{server.url}/ok", request).body)
    assert answer == {"path": "/health", "method": "GET", "size": 0, "query": "",
                      "type": None}


@pytest.mark.parametrize(("mode", "kind"), sorted(ERROR_MODES.items()))
def test_target_faults_are_observations_never_exceptions(server: FaultServer, mode: str,
                                                          kind: str, send: Send) -> None:
    obs = send(f"{server.url}/{mode}")
    assert obs.error == kind
    assert obs.failed
    assert obs.error_detail
    if kind == "http_5xx":
        assert obs.status == 500 and b"internal error" in obs.body
    if kind == "non_json":
        assert obs.status == 200 and "text/plain" in obs.error_detail


def test_timeout_latency_is_the_timeout(server: FaultServer, send: Send) -> None:
    obs = send(f"{server.url}/slow", timeout_s=0.2)
    assert obs.error == "timeout"
    assert obs.latency_ms == 200.0
    assert obs.status is None and obs.body == b""


def test_refused_connection(refused_url: str, send: Send) -> None:
    obs = send(refused_url)
    assert obs.error == "connection_refused"
    assert obs.status is None


def test_4xx_with_json_body_is_a_normal_answer(server: FaultServer, send: Send) -> None:
    obs = send(f"{server.url}/json404")
    assert obs.error is None
    assert obs.status == 404 and json.loads(obs.body) == {"detail": "not found"}


def test_latency_from_intended_send_includes_the_wait(server: FaultServer,
                                                     transport: str) -> None:
    async def late() -> Observation:
        intended = time.perf_counter()
        await asyncio.sleep(0.05)
        return await _send(transport, f"{server.url}/ok", make_request(3), intended)

    obs = asyncio.run(late())
    assert obs.intended_latency_ms >= obs.latency_ms + 50.0


def test_prepared_drops_connection_headers_and_adds_content_type() -> None:
    request = RecordedRequest(
        id="h", ts=0, method="POST", path="/api/v1/workflow", endpoint="workflow",
        headers={"Host": "prod.example", "Content-Length": "999", "Connection": "close",
                 "user-agent": "web-app/4.12", "Transfer-Encoding": "chunked"},
        body={"content": "x"},
    )
    prepared = Prepared.of(request)
    assert prepared.headers == {"user-agent": "web-app/4.12",
                                "content-type": "application/json"}
    assert prepared.body == b'{"content":"x"}'
    assert Prepared.of(make_request(1, method="GET", path="/health")).body is None


def test_bad_target_url_names_it(transport: str) -> None:
    async def open_bad() -> None:
        async with Client(timeout_s=1, max_connections=2, transport=transport) as client:
            client.target("graph", "localhost:8000")

    with pytest.raises(ValueError, match=r"graph URL .*'localhost:8000'"):
        asyncio.run(open_bad())


def test_bad_timeout_or_transport_is_refused() -> None:
    with pytest.raises(ValueError, match="timeout must be positive"):
        Client(timeout_s=0, max_connections=1)
    with pytest.raises(ValueError, match="transport must be one of lean, aiohttp"):
        Client(timeout_s=1, max_connections=1, transport="curl")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (TimeoutError(), "timeout"),
        (aiohttp.ServerTimeoutError("read"), "timeout"),
        (aiohttp.ServerDisconnectedError(), "connection_reset"),
        (aiohttp.ClientPayloadError("truncated"), "connection_reset"),
        (ConnectionResetError(errno.ECONNRESET, "reset"), "connection_reset"),
        (aiohttp.ClientOSError(errno.ECONNRESET, "reset by peer"), "connection_reset"),
        (aiohttp.ClientOSError(errno.EHOSTUNREACH, "no route"), "connection_error"),
        (aiohttp.ClientError("something else"), "connection_error"),
    ],
)
def test_classify(exc: BaseException, kind: str) -> None:
    assert classify(exc)[0] == kind
