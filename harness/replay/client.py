"""The HTTP client of a replay: one aiohttp session, and a Target per side that turns a
RecordedRequest into an Observation, whatever the target does.

aiohttp was chosen by measurement (about 15k requests/s at 60-80 µs CPU each on loopback;
httpx about 15x slower). Every failure becomes an Observation error: a failing target is an
outcome to record, never a crash.
"""

from __future__ import annotations

import errno
import resource
import time
from dataclasses import dataclass, replace

import aiohttp
import orjson
from yarl import URL

from harness._types import ErrorKind, Side
from harness.observation import Observation
from harness.recording import RecordedRequest

# Hop-by-hop and framing headers belong to the recorded connection, not to the request.
_NOT_REPLAYED = frozenset({"host", "content-length", "connection", "keep-alive",
                           "transfer-encoding", "te", "trailer", "upgrade",
                           "proxy-connection"})
# Answers that have no body by definition; any other answer must carry JSON.
_NO_BODY_STATUS = frozenset({204, 304})
_DETAIL_CHARS = 200
# Below uvicorn's 5 s keep-alive: an idle connection is dropped by us before the server closes
# it, so a POST is never written to a socket the server is closing (POSTs are not retried).
_KEEPALIVE_S = 4.0


@dataclass(frozen=True, slots=True)
class Prepared:
    """A recorded request ready to send: computed once, sent to every side."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    headers: dict[str, str]
    body: bytes | None

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
        return cls(request.method, request.path, query, headers, body)

    @property
    def body_size(self) -> int:
        return 0 if self.body is None else len(self.body)


def _clock_offset() -> float:
    """Epoch seconds minus perf_counter: latencies use the monotonic perf_counter, rows keep
    epoch times, and one offset converts without a second clock read per request."""
    return time.time() - time.perf_counter()


EPOCH_OFFSET = _clock_offset()


def classify(exc: BaseException) -> tuple[ErrorKind, str]:
    """The ErrorKind of a failed request, with a short detail."""
    detail = f"{type(exc).__name__}: {exc}"[:_DETAIL_CHARS]
    if isinstance(exc, TimeoutError):
        return "timeout", detail
    if isinstance(exc, aiohttp.ClientConnectorError):
        if isinstance(exc.os_error, ConnectionRefusedError):
            return "connection_refused", detail
        return "connection_error", detail
    if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError
                  | ConnectionResetError):
        return "connection_reset", detail
    if isinstance(exc, aiohttp.ClientOSError) and exc.errno in (errno.ECONNRESET, errno.EPIPE):
        return "connection_reset", detail
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
    """One aiohttp session for a whole replay; use as an async context manager."""

    def __init__(self, *, timeout_s: float, max_connections: int) -> None:
        if timeout_s <= 0:
            raise ValueError(f"timeout must be positive, got {timeout_s}")
        self.timeout_s = timeout_s
        self.max_connections = max_connections
        self.session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Client:
        _raise_file_limit(self.max_connections + 256)
        connector = aiohttp.TCPConnector(
            limit=self.max_connections, limit_per_host=0, keepalive_timeout=_KEEPALIVE_S,
            use_dns_cache=True, ttl_dns_cache=None,
        )
        self.session = aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            timeout=aiohttp.ClientTimeout(total=self.timeout_s),
            auto_decompress=True,
            raise_for_status=False,
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.session is not None:
            await self.session.close()
            self.session = None

    def target(self, side: Side, base_url: str) -> Target:
        if self.session is None:
            raise RuntimeError("Client is not open: use 'async with Client(...)'")
        return Target(side, base_url, self.session, self.timeout_s)


class Target:
    """One side of the comparison (legacy, graph or a second legacy) at ``base_url``."""

    __slots__ = ("_base", "_session", "_timeout_ms", "_urls", "base_url", "side")

    def __init__(self, side: Side, base_url: str, session: aiohttp.ClientSession,
                 timeout_s: float) -> None:
        url = URL(base_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(f"{side} URL must be http(s)://host[:port], got {base_url!r}")
        self.side = side
        self.base_url = base_url
        self._base = base_url.rstrip("/")
        self._session = session
        self._timeout_ms = timeout_s * 1000.0
        self._urls: dict[str, URL] = {}

    def url(self, prepared: Prepared) -> URL:
        # yarl parsing costs microseconds; recordings reuse a handful of paths.
        url = self._urls.get(prepared.path)
        if url is None:
            url = URL(self._base + prepared.path)
            if len(self._urls) < 4096:
                self._urls[prepared.path] = url
        return url.with_query(prepared.query) if prepared.query else url

    async def send(self, prepared: Prepared, intended: float | None = None,
                   check_json: bool = True) -> Observation:
        """Send ``prepared``; ``intended`` is the perf_counter time the pacing meant to send
        it (None: now). Never raises for anything the target does. ``check_json=False``
        leaves the body check to the caller (:func:`check_bodies` does it once per pair when
        both bodies are the same bytes)."""
        started = time.perf_counter()
        if intended is None:
            intended = started
        side = self.side
        try:
            async with self._session.request(
                prepared.method, self.url(prepared), data=prepared.body,
                headers=prepared.headers, allow_redirects=False,
            ) as response:
                body = await response.read()
                status = response.status
                raw_headers = response.raw_headers
        except Exception as exc:
            kind, detail = classify(exc)
            ended = time.perf_counter()
            latency = self._timeout_ms if kind == "timeout" else (ended - started) * 1000.0
            return Observation(side, None, (), b"", latency,
                               latency + (started - intended) * 1000.0,
                               started + EPOCH_OFFSET, kind, detail)
        ended = time.perf_counter()
        headers = _headers(raw_headers)
        obs = Observation(side, status, headers, body, (ended - started) * 1000.0,
                          (ended - intended) * 1000.0, started + EPOCH_OFFSET)
        if status >= 500:
            return replace(obs, error="http_5xx", error_detail=_snippet(body))
        if check_json and not _is_json(obs, prepared.method):
            return _non_json(obs)
        return obs


def _headers(raw: tuple[tuple[bytes, bytes], ...]) -> tuple[tuple[str, str], ...]:
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


_HEADER_NAMES: dict[bytes, str] = {}


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


