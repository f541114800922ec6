"""Upstream: one backend (legacy or graph) behind a keep-alive connection pool.

A call never raises for the backend's sake: refused, reset, timed out, 5xx or a body that is
not JSON all come back as an :class:`Observation` with an error kind, as the replay engine
records them, so the proxy decides on fallback from values rather than exceptions. Plain-http
backends go through the lean :class:`HttpPool`; https ones through aiohttp.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import aiohttp
import orjson
from yarl import URL

from graph_system.routing.http_pool import HttpPool, ResponseError
from harness._types import ErrorKind, Side
from harness.observation import Observation

# Hop-by-hop headers (RFC 9110 §7.6.1) and the ones the transport recomputes.
HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
    "trailers", "transfer-encoding", "upgrade", "host", "content-length",
})

ENDPOINTS: dict[str, str] = {
    "/api/v1/workflow": "workflow",
    "/api/v1/search": "search",
    "/api/v1/config/extract": "config_extraction",
    "/health": "health",
}


def endpoint_name(path: str) -> str:
    """The canonical endpoint name of a path; anything else is still proxied, as "other"."""
    return ENDPOINTS.get(path.rstrip("/") or "/", "other")


@dataclass(frozen=True, slots=True)
class ProxiedRequest:
    """A client request as the proxy received it, kept as bytes so it is forwarded unchanged."""

    id: str
    method: str
    path: str
    query_string: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    arrived_at: float

    @property
    def endpoint(self) -> str:
        return endpoint_name(self.path)

    @property
    def target(self) -> str:
        return f"{self.path}?{self.query_string}" if self.query_string else self.path

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key == name:
                return value
        return None


def _header(headers: tuple[tuple[str, str], ...], name: str) -> str | None:
    for key, value in headers:
        if key == name:
            return value
    return None


def _looks_like_json(body: bytes, content_type: str | None) -> bool:
    if not body:
        return True
    if content_type is not None and "json" not in content_type:
        return False
    try:
        orjson.loads(body)
    except orjson.JSONDecodeError:
        return False
    return True


class Upstream:
    """A backend's base URL and its pooled client session (opened in ``start``)."""

    def __init__(self, side: Side, base_url: str, pool_size: int = 256) -> None:
        self.side: Side = side
        self.base_url = base_url.rstrip("/")
        self.pool_size = pool_size
        url = URL(self.base_url)
        self._prefix = url.raw_path.rstrip("/")
        self._pool: HttpPool | None = None
        self._session: aiohttp.ClientSession | None = None
        self._plain = url.scheme == "http"
        self._host, self._port = url.host or "127.0.0.1", url.port or 80

    async def start(self) -> None:
        if self._plain:
            self._pool = HttpPool(self._host, self._port, self.pool_size)
            return
        connector = aiohttp.TCPConnector(
            limit=self.pool_size, limit_per_host=self.pool_size, keepalive_timeout=30,
            ttl_dns_cache=300, enable_cleanup_closed=True,
        )
        # Bodies pass through as bytes (no decompression) and no cookie jar: the proxy must not
        # keep one client's cookies for the next.
        self._session = aiohttp.ClientSession(
            connector=connector, auto_decompress=False, cookie_jar=aiohttp.DummyCookieJar(),
            skip_auto_headers=("User-Agent", "Accept-Encoding", "Accept", "Content-Type"),
        )

    async def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _send(self, request: ProxiedRequest, headers: list[tuple[str, str]]
                    ) -> tuple[int, tuple[tuple[str, str], ...], bytes]:
        if self._pool is not None:
            answer = await self._pool.request(request.method, self._prefix + request.target,
                                              headers, request.body)
            return answer.status, answer.headers, answer.body
        if self._session is None:
            raise RuntimeError(f"{self.side} upstream {self.base_url} used before start()")
        async with self._session.request(
            request.method, self.base_url + request.target, headers=headers,
            data=request.body or None, allow_redirects=False,
        ) as response:
            body = await response.read()
            return (response.status,
                    tuple((k.lower(), v) for k, v in response.headers.items()), body)

    async def call(self, request: ProxiedRequest, timeout_s: float) -> Observation:
        headers = [(k, v) for k, v in request.headers if k not in HOP_BY_HOP]
        started_wall = time.time()
        started = time.perf_counter()
        error: ErrorKind | None = None
        detail: str | None = None
        status: int | None = None
        response_headers: tuple[tuple[str, str], ...] = ()
        body = b""
        try:
            async with asyncio.timeout(timeout_s):
                status, response_headers, body = await self._send(request, headers)
        except TimeoutError:
            error, detail = "timeout", f"no answer within {timeout_s:g} s"
        except ResponseError as exc:
            error, detail = exc.kind, str(exc) or exc.kind  # type: ignore[assignment]
        except aiohttp.ClientConnectorError as exc:
            error, detail = "connection_refused", str(exc)
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError,
                aiohttp.ClientPayloadError) as exc:
            error, detail = "connection_reset", str(exc) or type(exc).__name__
        except aiohttp.ClientError as exc:
            error, detail = "connection_error", str(exc) or type(exc).__name__
        latency_ms = (time.perf_counter() - started) * 1000
        if error == "timeout":
            latency_ms = timeout_s * 1000  # a timeout keeps the timeout as its latency
        elif status is not None and status >= 500:
            error, detail = "http_5xx", f"HTTP {status}"
        elif status is not None and not _looks_like_json(body, _header(response_headers,
                                                                       "content-type")):
            error, detail = "non_json", f"HTTP {status} with a body that is not JSON"
        return Observation(
            side=self.side, status=status, headers=response_headers, body=body,
            latency_ms=latency_ms, intended_latency_ms=latency_ms, started_at=started_wall,
            error=error, error_detail=detail,
        )

    async def healthy(self, timeout_s: float) -> bool:
        """GET /health answers 200 within the timeout."""
        probe = ProxiedRequest("health-probe", "GET", "/health", "", (), b"", time.time())
        observation = await self.call(probe, timeout_s)
        return observation.error is None and observation.status == 200
