"""The HTTP client of a replay: a Client for the whole run, and a Target per side that turns
a recorded request into an Observation, whatever the target does.

Two transports, chosen by measurement (bench/replay_throughput.py):

- ``lean`` (default): HTTP/1.1 over asyncio protocols (``http11`` + ``pool``), keep-alive,
  one write per request. On this machine it costs about an eighth of the CPU per request of
  an aiohttp ClientSession, which is what lets a replay check thousands of pairs per second.
- ``aiohttp``: one ClientSession (TCPConnector sized to the concurrency, keep-alive, no cookie
  jar, auto-decompression), the reference the lean transport is tested against.

Every failure becomes an Observation error: a failing target is an outcome to record, never
a crash. A timeout's latency is the timeout.
"""

from __future__ import annotations

import errno
import resource
import time
from dataclasses import dataclass, replace
from typing import get_args

import aiohttp
import orjson
from yarl import URL

from harness._types import ErrorKind, Headers, Side, Transport
from harness.observation import Observation
from harness.recording import RecordedRequest
from harness.replay.http11 import ProtocolError, header_block, request_target
from harness.replay.pool import KEEPALIVE_S, Pool

TRANSPORTS: tuple[Transport, ...] = get_args(Transport)

# Hop-by-hop and framing headers belong to the recorded connection, not to the request.
_NOT_REPLAYED = frozenset({"host", "content-length", "connection", "keep-alive",
                           "transfer-encoding", "te", "trailer", "upgrade",
                           "proxy-connection"})
# Answers that have no body by definition; any other answer must carry JSON.
_NO_BODY_STATUS = frozenset({204, 304})
_DETAIL_CHARS = 200


@dataclass(frozen=True, slots=True)
class Prepared:
    """A recorded request ready to send: computed once, sent to every side. ``block`` is
    the request's bytes after the Host line (headers, framing, body)."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    headers: dict[str, str]
    body: bytes | None
    block: bytes

    @classmethod
    def of(cls, request: RecordedRequest) -> Prepared:
        headers = {}
        typed = False
        for name, value in request.headers.items():
            lower = name.lower()
            if lower not in _NOT_REPLAYED:
                headers[name] = value
                typed = typed or lower == "content-type"
        body = None if request.body is None else orjson.dumps(request.body)
        if body is not None and not typed:
            headers["content-type"] = "application/json"
        query = tuple(request.query.items()) if request.query else ()
        return cls(request.method, request.path, query, headers, body,
                   header_block(headers, body, request.method))

    @property
    def body_size(self) -> int:
        return 0 if self.body is None else len(self.body)


def _clock_offset() -> float:
    """Epoch seconds minus perf_counter: latencies use the monotonic perf_counter, rows keep
    epoch times, and one offset converts without a second clock read per request."""
    return time.time() - time.perf_counter()


EPOCH_OFFSET = _clock_offset()


def classify(exc: BaseException) -> tuple[ErrorKind, str]:
    """The ErrorKind of a failed request (either transport), with a short detail."""
    detail = f"{type(exc).__name__}: {exc}"[:_DETAIL_CHARS]
    if isinstance(exc, TimeoutError):
        return "timeout", detail
    if isinstance(exc, ConnectionRefusedError):
        return "connection_refused", detail
    if isinstance(exc, aiohttp.ClientConnectorError):
        if isinstance(exc.os_error, ConnectionRefusedError):
            return "connection_refused", detail
        return "connection_error", detail
    if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError
                  | ConnectionResetError | BrokenPipeError):
        return "connection_reset", detail
    if isinstance(exc, OSError) and exc.errno in (errno.ECONNRESET, errno.EPIPE):
        return "connection_reset", detail
    if isinstance(exc, ProtocolError):
        return "connection_error", f"malformed response: {exc}"[:_DETAIL_CHARS]
    return "connection_error", detail


def _raise_file_limit(wanted: int) -> None:
    # Each pair in flight holds a socket per side; the default soft limit (often 1024) would
    # turn a large open-loop cap into "too many open files" errors that are ours, not theirs.
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft != resource.RLIM_INFINITY and soft < wanted:
            limit = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
            resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))
    except (ValueError, OSError):  # pragma: no cover - not permitted: keep the default
        pass


class Client:
    """The connections of a whole replay; use as an async context manager."""

    def __init__(self, *, timeout_s: float, max_connections: int,
                 transport: Transport = "lean") -> None:
        if timeout_s <= 0:
            raise ValueError(f"timeout must be positive, got {timeout_s}")
        if transport not in TRANSPORTS:
            raise ValueError(f"transport must be one of {', '.join(TRANSPORTS)}, "
                             f"got {transport!r}")
        self.timeout_s = timeout_s
        self.max_connections = max_connections
        self.transport = transport
        self.session: aiohttp.ClientSession | None = None
        self._pools: dict[tuple[str, int, bool], Pool] = {}
        self._open = False

    async def __aenter__(self) -> Client:
        _raise_file_limit(self.max_connections + 256)
        if self.transport == "aiohttp":
            connector = aiohttp.TCPConnector(
                limit=self.max_connections, limit_per_host=0, keepalive_timeout=KEEPALIVE_S,
                use_dns_cache=True, ttl_dns_cache=None,
            )
            self.session = aiohttp.ClientSession(
                connector=connector,
                cookie_jar=aiohttp.DummyCookieJar(),
                timeout=aiohttp.ClientTimeout(total=self.timeout_s),
                auto_decompress=True,
                raise_for_status=False,
            )
        self._open = True
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._open = False
        for pool in self._pools.values():
            pool.close()
        self._pools.clear()
        if self.session is not None:
            await self.session.close()
            self.session = None

    def _pool(self, url: URL) -> Pool:
        key = (url.host or "", url.port or 80, url.scheme == "https")
        pool = self._pools.get(key)
        if pool is None:
            pool = self._pools[key] = Pool(key[0], key[1], key[2],
                                           max_idle=self.max_connections)
        return pool

    def target(self, side: Side, base_url: str) -> Target:
        if not self._open:
            raise RuntimeError("Client is not open: use 'async with Client(...)'")
        return Target(side, base_url, self)


def _host_header(url: URL) -> str:
    host = url.raw_host or ""
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    return f"{host}:{url.port}" if url.explicit_port else host


class Target:
    """One side of the comparison (legacy, graph or a second legacy) at ``base_url``; a path
    in the base URL prefixes every recorded path."""

    __slots__ = ("_base", "_host", "_lines", "_pool", "_prefix", "_session", "_timeout_ms",
                 "_timeout_s", "_urls", "base_url", "side")

    def __init__(self, side: Side, base_url: str, client: Client) -> None:
        url = URL(base_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(f"{side} URL must be http(s)://host[:port], got {base_url!r}")
        self.side = side
        self.base_url = base_url
        self._base = base_url.rstrip("/")
        self._prefix = url.path.rstrip("/")
        self._host = _host_header(url)
        self._session = client.session
        self._pool = client._pool(url) if client.transport == "lean" else None
        self._timeout_s = client.timeout_s
        self._timeout_ms = client.timeout_s * 1000.0
        self._urls: dict[str, URL] = {}
        self._lines: dict[tuple[str, str, tuple[tuple[str, str], ...]], bytes] = {}

    def url(self, prepared: Prepared) -> URL:
        # yarl parsing costs microseconds; recordings reuse a handful of paths.
        url = self._urls.get(prepared.path)
        if url is None:
            url = URL(self._base + prepared.path)
            if len(self._urls) < 4096:
                self._urls[prepared.path] = url
        return url.with_query(prepared.query) if prepared.query else url

    def _request_line(self, prepared: Prepared) -> bytes:
        key = (prepared.method, prepared.path, prepared.query)
        line = self._lines.get(key)
        if line is None:
            target = request_target(self._prefix, prepared.path, prepared.query)
            line = f"{prepared.method} {target} HTTP/1.1\r\nHost: {self._host}\r\n".encode()
            if len(self._lines) < 4096:
                self._lines[key] = line
        return line

    async def _fetch(self, prepared: Prepared) -> tuple[int, Headers, bytes]:
        if self._pool is not None:
            response = await self._pool.request(self._request_line(prepared) + prepared.block,
                                                prepared.method == "HEAD", self._timeout_s)
            return response.status, response.headers, response.body
        async with self._session.request(  # type: ignore[union-attr]
            prepared.method, self.url(prepared), data=prepared.body,
            headers=prepared.headers, allow_redirects=False,
        ) as response:
            body = await response.read()
            return response.status, _headers(response.raw_headers), body

    async def send(self, prepared: Prepared, intended: float | None = None,
                   check_json: bool = True) -> Observation:
        """Send ``prepared``; ``intended`` is the perf_counter time the pacing meant to send
        it (None: now). Never raises for anything the target does. ``check_json=False``
        leaves the body check to the caller (:func:`check_bodies` does it once per pair when
        both bodies are the same bytes)."""
        started = time.perf_counter()
        if intended is None:
            intended = started
        try:
            status, headers, body = await self._fetch(prepared)
        except Exception as exc:
            kind, detail = classify(exc)
            latency = self._timeout_ms if kind == "timeout" else \
                (time.perf_counter() - started) * 1000.0
            return Observation(self.side, None, (), b"", latency,
                               latency + (started - intended) * 1000.0,
                               started + EPOCH_OFFSET, kind, detail)
        ended = time.perf_counter()
        obs = Observation(self.side, status, headers, body, (ended - started) * 1000.0,
                          (ended - intended) * 1000.0, started + EPOCH_OFFSET)
        if status >= 500:
            return replace(obs, error="http_5xx", error_detail=_snippet(body))
        if check_json and not _is_json(obs, prepared.method):
            return _non_json(obs)
        return obs


_HEADER_NAMES: dict[bytes, str] = {}


def _headers(raw: tuple[tuple[bytes, bytes], ...]) -> Headers:
    names = _HEADER_NAMES
    out = []
    for key, value in raw:
        name = names.get(key)
        if name is None:
            name = key.decode("latin-1").lower()
            if len(names) < 1024:
                names[key] = name
        out.append((name, value.decode("latin-1")))
    return tuple(out)


def _is_json(obs: Observation, method: str) -> bool:
    """Any answer but 204/304 (or to HEAD) must carry JSON; a 4xx with a JSON body is a
    normal answer, compared like any other."""
    if obs.status in _NO_BODY_STATUS or method == "HEAD":
        return True
    try:
        orjson.loads(obs.body)
    except orjson.JSONDecodeError:
        return False
    return True


def _non_json(obs: Observation) -> Observation:
    detail = f"status {obs.status}, content-type {obs.content_type}: {_snippet(obs.body)}"
    return replace(obs, error="non_json", error_detail=detail)


def check_bodies(first: Observation, second: Observation,
                 method: str) -> tuple[Observation, Observation]:
    """The non-JSON check of two answers, parsing once when both bodies are the same bytes
    (the common case of a matching pair)."""
    if (first.error is None and second.error is None and first.status == second.status
            and first.body == second.body):
        if _is_json(first, method):
            return first, second
        return _non_json(first), _non_json(second)
    if first.error is None and not _is_json(first, method):
        first = _non_json(first)
    if second.error is None and not _is_json(second, method):
        second = _non_json(second)
    return first, second


def _snippet(body: bytes) -> str:
    return body[:_DETAIL_CHARS].decode("utf-8", "replace")
