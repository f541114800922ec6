"""HTTP/1.1 on the wire, for the lean transport: request bytes out, incremental response
parsing in (RFC 9112 message framing).

Framing, in the RFC's order: no body for a HEAD request or a 1xx/204/304 answer (1xx interim
answers are skipped); ``Transfer-Encoding: chunked`` (trailers read and dropped); a valid
``Content-Length``; otherwise the body runs until the server closes the connection. gzip and
deflate bodies are decoded, as aiohttp's ``auto_decompress`` does, so parity sees what a
client's JSON parser sees; the headers stay as received.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from yarl import URL

MAX_HEAD = 64 * 1024
_CRLF = b"\r\n"
_HEAD_END = b"\r\n\r\n"
_NO_BODY_STATUS = frozenset({204, 304})
_NAMES: dict[bytes, str] = {}


class ProtocolError(ValueError):
    """The server's bytes are not an HTTP/1.1 response."""


class IncompleteResponse(ConnectionResetError):
    """The connection closed before the response was complete."""


@dataclass(frozen=True, slots=True)
class RawResponse:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    keep_alive: bool


def request_target(base_path: str, path: str, query: tuple[tuple[str, str], ...]) -> str:
    """The request-target (origin form) of ``path`` under a base URL's path prefix, percent-
    encoded as yarl (and so aiohttp) would."""
    url = URL.build(path=base_path.rstrip("/") + path)
    if query:
        url = url.with_query(query)
    return url.raw_path_qs


def header_block(headers: dict[str, str], body: bytes | None, method: str) -> bytes:
    """Everything after the Host line: the recorded headers, the framing, the body."""
    lines = [f"{name}: {value}\r\n" for name, value in headers.items()]
    if body is not None or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {0 if body is None else len(body)}\r\n")
    block = ("".join(lines) + "\r\n").encode("utf-8")
    return block + body if body else block


def _name(raw: bytes) -> str:
    name = _NAMES.get(raw)
    if name is None:
        name = raw.decode("latin-1").strip().lower()
        if len(_NAMES) < 1024:
            _NAMES[raw] = name
    return name


def _decode(body: bytes, encoding: str | None) -> bytes:
    if not encoding or not body:
        return body
    encoding = encoding.strip().lower()
    try:
        if encoding in ("gzip", "x-gzip"):
            return zlib.decompress(body, 16 + zlib.MAX_WBITS)
        if encoding == "deflate":
            try:
                return zlib.decompress(body)
            except zlib.error:  # raw deflate, as some servers send it
                return zlib.decompress(body, -zlib.MAX_WBITS)
    except zlib.error as exc:
        raise ProtocolError(f"cannot decode {encoding} body: {exc}") from None
    return body  # unknown coding (e.g. br): kept as sent, the JSON check will say so


class ResponseParser:
    """Feeds on the bytes of one connection and returns the response once it is complete."""

    __slots__ = ("_buffer", "_chunks", "_close", "_encoding", "_head_only", "_headers",
                 "_need", "_state", "_status")

    def __init__(self, head_only: bool = False) -> None:
        self._head_only = head_only
        self._buffer = b""
        self._state = "head"
        self._status = 0
        self._headers: tuple[tuple[str, str], ...] = ()
        self._need = 0
        self._chunks: list[bytes] = []
        self._close = False
        self._encoding: str | None = None

    def feed(self, data: bytes) -> RawResponse | None:
        self._buffer += data
        while True:
            state = self._state
            if state == "head":
                if not self._parse_head():
                    return None
            elif state == "length":
                if len(self._buffer) < self._need:
                    return None
                body, self._buffer = self._buffer[:self._need], self._buffer[self._need:]
                return self._done(body)
            elif state == "chunk_size":
                end = self._buffer.find(_CRLF)
                if end < 0:
                    if len(self._buffer) > MAX_HEAD:
                        raise ProtocolError("chunk size line too long")
                    return None
                size_text = self._buffer[:end].split(b";", 1)[0].strip()
                try:
                    size = int(size_text, 16)
                except ValueError:
                    raise ProtocolError(f"bad chunk size {size_text[:20]!r}") from None
                self._buffer = self._buffer[end + 2:]
                if size == 0:
                    self._state = "trailers"
                else:
                    self._need, self._state = size, "chunk_data"
            elif state == "chunk_data":
                if len(self._buffer) < self._need + 2:
                    return None
                if self._buffer[self._need:self._need + 2] != _CRLF:
                    raise ProtocolError("chunk not followed by CRLF")
                self._chunks.append(self._buffer[:self._need])
                self._buffer = self._buffer[self._need + 2:]
                self._state = "chunk_size"
            elif state == "trailers":
                end = self._buffer.find(_CRLF)
                if end < 0:
                    return None
                line, self._buffer = self._buffer[:end], self._buffer[end + 2:]
                if not line:
                    return self._done(b"".join(self._chunks))
            else:  # until close
                return None

    def eof(self) -> RawResponse:
        """The server closed the connection: a body framed by the close is now complete."""
        if self._state == "close":
            body, self._buffer = self._buffer, b""
            return self._done(body)
        where = "before a response" if self._state == "head" and not self._buffer else \
            f"in the middle of the response ({self._state})"
        raise IncompleteResponse(f"server closed the connection {where}")

    @property
    def leftover(self) -> bool:
        """Bytes after the response: the connection cannot be trusted for another request."""
        return bool(self._buffer)

    def _parse_head(self) -> bool:
        end = self._buffer.find(_HEAD_END)
        if end < 0:
            if len(self._buffer) > MAX_HEAD:
                raise ProtocolError(f"response head longer than {MAX_HEAD} bytes")
            return False
        head, self._buffer = self._buffer[:end], self._buffer[end + 4:]
        lines = head.split(_CRLF)
        status_line = lines[0]
        if not status_line.startswith(b"HTTP/1.") or len(status_line) < 12:
            raise ProtocolError(f"not an HTTP/1.x status line: {status_line[:40]!r}")
        try:
            status = int(status_line[9:12])
        except ValueError:
            raise ProtocolError(f"bad status in {status_line[:40]!r}") from None
        headers: list[tuple[str, str]] = []
        length = chunked = connection = encoding = None
        for line in lines[1:]:
            if line[:1] in (b" ", b"\t") and headers:  # obsolete line folding
                name, value = headers[-1]
                headers[-1] = (name, value + " " + line.strip().decode("latin-1"))
                continue
            colon = line.find(b":")
            if colon <= 0:
                raise ProtocolError(f"bad header line {line[:40]!r}")
            name = _name(line[:colon])
            value = line[colon + 1:].strip().decode("latin-1")
            headers.append((name, value))
            if name == "content-length":
                if length is not None and length != value:
                    raise ProtocolError("conflicting Content-Length headers")
                length = value
            elif name == "transfer-encoding":
                chunked = value
            elif name == "connection":
                connection = value.lower()
            elif name == "content-encoding":
                encoding = value
        if 100 <= status < 200:
            return True  # interim answer: the real one follows
        self._status, self._headers, self._encoding = status, tuple(headers), encoding
        http10 = status_line.startswith(b"HTTP/1.0")
        self._close = (connection is not None and "close" in connection) or (
            http10 and (connection is None or "keep-alive" not in connection))
        if self._head_only or status in _NO_BODY_STATUS:
            self._state, self._need = "length", 0
        elif chunked is not None:
            if chunked.lower().rsplit(",", 1)[-1].strip() == "chunked":
                self._state = "chunk_size"
            else:
                self._state, self._close = "close", True
        elif length is not None:
            if not length.isdigit():
                raise ProtocolError(f"bad Content-Length {length[:20]!r}")
            self._state, self._need = "length", int(length)
        else:
            self._state, self._close = "close", True
        return True

    def _done(self, body: bytes) -> RawResponse:
        self._state = "done"
        return RawResponse(self._status, self._headers, _decode(body, self._encoding),
                           not self._close)
