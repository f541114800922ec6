"""Recording: a validated stream of RecordedRequests from JSON Lines (optionally gzip).

A malformed line stops the stream with ``file:line: what is wrong``; with ``skip_invalid`` it is
counted and kept in :attr:`Recording.skipped` instead, so nothing is silently lost.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

BUNDLED_RECORDING = Path(__file__).resolve().parent.parent / "recordings" / "sample.jsonl.gz"
"""The sample recording shipped with the project (see recordings/README.md)."""

Method = Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


class RecordedResponse(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    status: int = Field(ge=100, le=599)
    headers: dict[str, str] = Field(default_factory=dict)
    body: Any = None
    latency_ms: float | None = Field(default=None, ge=0)


class RecordedRequest(BaseModel):
    """One request as it was seen in production (or generated to look like it)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    ts: float = Field(ge=0, description="recorded send time, epoch seconds")
    method: Method
    path: str
    query: dict[str, str] = Field(default_factory=dict)
    headers: dict[str, str] = Field(default_factory=dict)
    body: Any = None
    endpoint: str = Field(min_length=1, description="canonical endpoint name")
    response: RecordedResponse | None = None

    @field_validator("path")
    @classmethod
    def _path_is_absolute(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError("must start with '/'")
        return value

    @field_validator("headers")
    @classmethod
    def _headers_are_sendable(cls, value: dict[str, str]) -> dict[str, str]:
        # A name that is not a token, or a value with CR/LF, would rewrite the request on the
        # wire (header injection): such a line is invalid, never sent.
        for name, text in value.items():
            if not _TOKEN.fullmatch(name):
                raise ValueError(f"header name {name!r} is not an HTTP token")
            if any(c in text for c in "\r\n\x00"):
                raise ValueError(f"header {name!r} has a CR, LF or NUL in its value")
        return value

    @property
    def body_bytes(self) -> bytes:
        """The body exactly as it is sent (empty for no body)."""
        return b"" if self.body is None else orjson.dumps(self.body)


class RecordingError(ValueError):
    """A recording line that cannot be used; the message names the file and line."""

    def __init__(self, source: str, line: int, problem: str) -> None:
        super().__init__(f"{source}:{line}: {problem}")
        self.source = source
        self.line = line
        self.problem = problem


@dataclass(frozen=True, slots=True)
class SkippedLine:
    source: str
    line: int
    problem: str

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "line": self.line, "problem": self.problem}


def _describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors(include_url=False):
        where = ".".join(str(p) for p in item["loc"]) or "<line>"
        parts.append(f"field '{where}': {item['msg']}")
    return "; ".join(parts)


def parse_line(raw: bytes, source: str, line: int) -> RecordedRequest:
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise RecordingError(source, line, f"not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise RecordingError(source, line, f"expected a JSON object, got {type(data).__name__}")
    try:
        return RecordedRequest.model_validate(data)
    except ValidationError as exc:
        raise RecordingError(source, line, _describe(exc)) from None


@dataclass
class Recording:
    """An iterable over the requests of one recording file, validated line by line.

    Duplicate ids are invalid too: the gate pairs rows by id, so a repeated id would be
    evidence counted twice.
    """

    path: Path
    skip_invalid: bool = False
    limit: int | None = None
    skipped: list[SkippedLine] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.path = Path(self.path)
        if not self.path.is_file():
            raise FileNotFoundError(f"{self.path}: recording not found")

    def _open(self):
        with self.path.open("rb") as probe:
            gzipped = probe.read(2) == b"\x1f\x8b"
        return gzip.open(self.path, "rb") if gzipped else self.path.open("rb")

    def __iter__(self) -> Iterator[RecordedRequest]:
        self.skipped.clear()
        seen: set[str] = set()
        yielded = 0
        source = str(self.path)
        with self._open() as handle:
            for number, raw in enumerate(handle, start=1):
                if self.limit is not None and yielded >= self.limit:
                    return
                if not raw.strip():
                    continue
                try:
                    request = parse_line(raw, source, number)
                    if request.id in seen:
                        raise RecordingError(source, number, f"duplicate id {request.id!r}")
                except RecordingError as exc:
                    if not self.skip_invalid:
                        raise
                    self.skipped.append(SkippedLine(source, number, exc.problem))
                    continue
                seen.add(request.id)
                yielded += 1
                yield request


def count_requests(path: Path, limit: int | None = None) -> int:
    """Lines that hold something, for progress totals; cheap and never validates."""
    recording = Recording(path)
    total = 0
    with recording._open() as handle:
        for raw in handle:
            if raw.strip():
                total += 1
                if limit is not None and total >= limit:
                    break
    return total
