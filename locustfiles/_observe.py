"""From a recorded request to what is sent, and from Locust's FastHttp response to an
Observation: the harness's vocabulary, so parity and results read a load test like a replay.

Responses are duck-typed (``status_code``, ``headers``, ``content``, ``error``) so this module
needs neither locust nor gevent, and the tests use it in the pytest process.
"""

from __future__ import annotations

import errno
from typing import Any, Protocol
from urllib.parse import urlencode

from harness._types import ErrorKind, Side
from harness.observation import Observation
from harness.recording import RecordedRequest

# Set by the client for the connection it opens; replaying the recorded values would lie.
_HOP_BY_HOP = frozenset({"host", "content-length", "connection", "transfer-encoding",
                         "keep-alive", "upgrade", "te", "trailer"})
DETAIL_LIMIT = 300


class Response(Protocol):
    status_code: int
    headers: Any
    content: bytes | None


def target_url(request: RecordedRequest) -> str:
    """The path with the recorded query, in the recorded order."""
    if not request.query:
        return request.path
    return f"{request.path}?{urlencode(request.query)}"


def request_headers(request: RecordedRequest) -> dict[str, str]:
    headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
    if request.body is not None and not any(k.lower() == "content-type" for k in headers):
        headers["content-type"] = "application/json"
    # Locust asks for gzip/br unless told otherwise; the recording's clients did not, and a
    # compressed answer would cost both sides CPU that production does not spend.
    if not any(k.lower() == "accept-encoding" for k in headers):
        headers["accept-encoding"] = "identity"
    return headers


def classify_exception(error: BaseException) -> ErrorKind:
    """The harness's error kind for a transport failure."""
    if isinstance(error, TimeoutError) or "timeout" in type(error).__name__.lower():
        return "timeout"
    if isinstance(error, ConnectionRefusedError) or getattr(error, "errno", None) == \
            errno.ECONNREFUSED:
        return "connection_refused"
    if isinstance(error, ConnectionResetError) or getattr(error, "errno", None) == \
            errno.ECONNRESET:
        return "connection_reset"
    return "connection_error"


def _headers(raw: Any) -> tuple[tuple[str, str], ...]:
    if raw is None:
        return ()
    items = raw.items() if hasattr(raw, "items") else raw
    return tuple((str(name).lower(), str(value)) for name, value in items)


def _detail(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}".strip()
    return text[:DETAIL_LIMIT]


def observe(side: Side, response: Response, started_at: float, latency_ms: float) -> Observation:
    """What ``side`` answered. A status of 0 (no answer) is a transport error; 5xx is an
    error too; any other status, 4xx included, is an answer whose parity is then checked
    (the recording holds requests both services must reject)."""
    status = response.status_code or None
    error = getattr(response, "error", None)
    kind: ErrorKind | None = None
    detail: str | None = None
    body = b""
    if status is None:
        kind = classify_exception(error) if error is not None else "connection_error"
        detail = _detail(error) if error is not None else "no response"
    else:
        try:
            body = response.content or b""
        except Exception as exc:  # a body cut off mid-read is a transport failure
            kind, detail = classify_exception(exc), _detail(exc)
        if kind is None and status >= 500:
            kind, detail = "http_5xx", f"HTTP {status}"
    return Observation(
        side=side,
        status=status,
        headers=_headers(response.headers) if status is not None else (),
        body=body,
        latency_ms=latency_ms,
        intended_latency_ms=latency_ms,  # closed loop: sent when intended
        started_at=started_at,
        error=kind,
        error_detail=detail,
    )


def failure_text(observation: Observation) -> str:
    """A short, stable message for Locust's failures table (grouped by message)."""
    if observation.error == "http_5xx":
        return f"HTTP {observation.status}"
    return str(observation.error)
