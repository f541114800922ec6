"""Recorder: what the proxy sees, written as a recording (DESIGN.md's JSON Lines format).

Redaction happens when a request is captured, before its line is even buffered: configured
headers (always ``Authorization`` and ``Cookie``) and configured dotted body fields are replaced
by ``[REDACTED]``, in the request and in the recorded response. Lines are buffered in memory and
appended by a worker thread, so disk I/O never runs on the event loop. Sampling is by a hash of
the request id, so a sample is reproducible for the same ids.
"""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import orjson

from graph_system.routing.settings import RecordSettings
from graph_system.routing.upstream import HOP_BY_HOP, ProxiedRequest
from harness.observation import Observation
from harness.recording import RecordedRequest, RecordedResponse

REDACTED = "[REDACTED]"
_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})


def redact_headers(headers: tuple[tuple[str, str], ...] | list[tuple[str, str]],
                   names: frozenset[str]) -> dict[str, str]:
    kept: dict[str, str] = {}
    for key, value in headers:
        name = key.lower()
        if name in HOP_BY_HOP:
            continue
        kept[name] = REDACTED if name in names or name == "set-cookie" else value
    return kept


def redact_fields(value: Any, paths: list[list[str]]) -> Any:
    """A copy of ``value`` with each dotted path replaced; a ``*`` step walks every list item."""
    for path in paths:
        value = _redact(value, path)
    return value


def _redact(value: Any, path: list[str]) -> Any:
    if not path:
        return REDACTED
    head, rest = path[0], path[1:]
    if isinstance(value, dict) and head in value:
        return {**value, head: _redact(value[head], rest)}
    if isinstance(value, list) and head == "*":
        return [_redact(item, rest) for item in value]
    return value


def secrets_at(value: Any, paths: list[list[str]]) -> set[str]:
    """The string and number values found at the redacted paths (to scrub them elsewhere)."""
    found: set[str] = set()

    def walk(node: Any, path: list[str]) -> None:
        if not path:
            if isinstance(node, str | int | float) and not isinstance(node, bool):
                found.add(str(node))
            elif isinstance(node, list | dict):
                for item in node.values() if isinstance(node, dict) else node:
                    walk(item, [])
            return
        head, rest = path[0], path[1:]
        if isinstance(node, dict) and head in node:
            walk(node[head], rest)
        elif isinstance(node, list) and head == "*":
            for item in node:
                walk(item, rest)

    for path in paths:
        walk(value, path)
    return found


def scrub(value: Any, secrets: set[str]) -> Any:
    """``value`` with every leaf equal to a secret replaced: a response that echoes a redacted
    request field (legacy services do) must not put it on disk either."""
    if not secrets:
        return value
    if isinstance(value, dict):
        return {k: scrub(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, secrets) for v in value]
    if isinstance(value, str | int | float) and not isinstance(value, bool) \
            and str(value) in secrets:
        return REDACTED
    return value


def _scrub_text(text: str, secrets: set[str]) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= 4:  # "1" or "ok" would shred the text and hide nothing
            text = text.replace(secret, REDACTED)
    return text


def _sampled(request_id: str, share: float) -> bool:
    if share >= 1:
        return True
    if share <= 0:
        return False
    digest = hashlib.blake2b(request_id.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64 < share


def _json_or_none(body: bytes) -> tuple[bool, Any]:
    if not body:
        return True, None
    try:
        return True, orjson.loads(body)
    except orjson.JSONDecodeError:
        return False, None


class Recorder:
    def __init__(self, settings: RecordSettings, path: Path) -> None:
        self.settings = settings
        self.path = Path(path)
        self.recorded = 0
        self.skipped = 0
        self._header_names = frozenset(settings.redact_headers)
        self._paths = [p.split(".") for p in settings.redact_fields]
        self._lines: list[bytes] = []
        self._lock = asyncio.Lock()

    def capture(self, request: ProxiedRequest, answer: Observation | None,
                endpoint: str | None = None) -> bool:
        """Buffer one redacted line; False when not sampled or not recordable."""
        if not _sampled(request.id, self.settings.sample):
            return False
        ok, body = _json_or_none(request.body)
        if not ok or request.method not in _METHODS:
            self.skipped += 1  # the format holds JSON bodies only
            return False
        secrets = secrets_at(body, self._paths)
        response = None
        if self.settings.with_response and answer is not None and answer.status is not None:
            ok, answer_body = _json_or_none(answer.body)
            response = RecordedResponse.model_construct(
                status=answer.status,
                headers=redact_headers(answer.headers, self._header_names),
                body=scrub(redact_fields(answer_body, self._paths), secrets) if ok
                else _scrub_text(answer.body.decode("utf-8", "replace"), secrets),
                latency_ms=round(answer.latency_ms, 3),
            )
        query = dict(parse_qsl(request.query_string, keep_blank_values=True))
        recorded = RecordedRequest.model_construct(
            id=request.id, ts=request.arrived_at, method=request.method, path=request.path,
            query=query, headers=redact_headers(request.headers, self._header_names),
            body=redact_fields(body, self._paths), endpoint=endpoint or request.endpoint,
            response=response,
        )
        self._lines.append(orjson.dumps(recorded.model_dump(mode="json", exclude_none=True)))
        self.recorded += 1
        return True

    async def flush(self) -> None:
        async with self._lock:
            lines, self._lines = self._lines, []
            if lines:
                await asyncio.to_thread(self._append, lines)

    def _append(self, lines: list[bytes]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("ab") as handle:
            handle.write(b"\n".join(lines) + b"\n")
