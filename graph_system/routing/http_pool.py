"""HttpPool: keep-alive HTTP/1.1 connections to one plain-http origin, for the proxy's hot path.

Measured here, a request through aiohttp's client costs ~250 µs of CPU, about half of all the
proxy spends per request; this pool writes the request in one ``write`` and parses the answer
incrementally (Content-Length, chunked, or until close), for a fraction of that. One request
per connection at a time, no pipelining. Idle connections are dropped before a typical server
keep-alive timeout (uvicorn closes after 5 s), and a request that fails on a reused connection
before any byte of the answer arrived is retried once on a new one: that is the race where the
server closed the idle connection just as the request went out.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass


class ResponseError(Exception):
    """The connection broke or the answer was malformed; ``kind`` is an Observation ErrorKind."""

    def __init__(self, kind: str, detail: str, received: bool = False) -> None:
        super().__init__(detail)
        self.kind = kind
        self.received = received


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    keep_alive: bool


class ResponseParser:
    """Incremental parser of one response; ``feed`` returns True once it is complete."""

    def __init__(self, head_only: bool = False) -> None:
        self.head_only = head_only
        self.buffer = bytearray()
        self.status = 0
        self.headers: tuple[tuple[str, str], ...] = ()
        self.keep_alive = True
        self.done = False
        self._mode = ""  # "", "length", "chunked", "close"
        self._remaining = 0
        self._body = bytearray()

    def _parse_head(self) -> bool:
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return False
        lines = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
        del self.buffer[:end + 4]
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
            raise ResponseError("connection_error", f"malformed status line {lines[0]!r}", True)
        status = int(parts[1])
        headers = []
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep:
                raise ResponseError("connection_error", f"malformed header line {line!r}", True)
            headers.append((name.strip().lower(), value.strip()))
        if 100 <= status < 200:  # an interim answer (100 Continue): the real one follows
            return self._parse_head()
        self.status, self.headers = status, tuple(headers)
        fields = dict(headers)
        connection = fields.get("connection", "").lower()
        self.keep_alive = "close" not in connection and (
            parts[0] == "HTTP/1.1" or "keep-alive" in connection)
        if self.head_only or status in (204, 304):
            self._mode, self._remaining = "length", 0
        elif "chunked" in fields.get("transfer-encoding", "").lower():
            self._mode, self._remaining = "chunked", -1
        elif "content-length" in fields:
            try:
                self._mode, self._remaining = "length", int(fields["content-length"])
            except ValueError:
                raise ResponseError("connection_error", "malformed content-length", True) from None
        else:
            self._mode, self.keep_alive = "close", False
        return True

    def _parse_chunks(self) -> bool:
        while True:
            if self._remaining < 0:  # expecting a size line
                end = self.buffer.find(b"\r\n")
                if end < 0:
                    return False
                size_text = bytes(self.buffer[:end]).split(b";", 1)[0].strip()
                try:
                    size = int(size_text, 16)
                except ValueError:
                    raise ResponseError("connection_error", "malformed chunk size", True) from None
                del self.buffer[:end + 2]
                if size == 0:
                    self._mode = "trailers"
                    return self._parse_trailers()
                self._remaining = size
            if len(self.buffer) < self._remaining + 2:
                return False
            self._body += self.buffer[:self._remaining]
            del self.buffer[:self._remaining + 2]
            self._remaining = -1

    def _parse_trailers(self) -> bool:
        while True:
            end = self.buffer.find(b"\r\n")
            if end < 0:
                return False
            del self.buffer[:end + 2]
            if end == 0:
                return True

    def feed(self, data: bytes) -> bool:
        self.buffer += data
        if not self._mode and not self._parse_head():
            return False
        if self._mode == "length":
            if len(self.buffer) < self._remaining:
                return False
            self._body = self.buffer[:self._remaining]
            del self.buffer[:self._remaining]
            self.done = True
        elif self._mode == "chunked":
            self.done = self._parse_chunks()
        elif self._mode == "trailers":
            self.done = self._parse_trailers()
        return self.done  # "close": complete only at the end of the stream

    def eof(self) -> bool:
        """The server closed the stream: complete if the body ran until close."""
        if self._mode == "close":
            self._body, self.buffer = self.buffer, bytearray()
            self.done = True
        return self.done

    def answer(self) -> Answer:
        return Answer(self.status, self.headers, bytes(self._body), self.keep_alive)


class _Connection(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser: ResponseParser | None = None
        self.waiter: asyncio.Future[Answer] | None = None
        self.closed = False
        self.received = False
        self.idle_since = time.monotonic()
        self.reused = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.received = True
        if self.parser is None or self.waiter is None or self.waiter.done():
            self.close()  # bytes nobody asked for: the connection cannot be trusted
            return
        try:
            complete = self.parser.feed(data)
        except ResponseError as exc:
            self.waiter.set_exception(exc)
            self.close()
            return
        if complete:
            self.waiter.set_result(self.parser.answer())

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.waiter is not None and not self.waiter.done():
            if self.parser is not None and self.parser.eof():
                self.waiter.set_result(self.parser.answer())
            else:
                detail = str(exc) if exc else "server closed the connection mid-answer"
                self.waiter.set_exception(ResponseError("connection_reset", detail,
                                                        self.received))

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class HttpPool:
    def __init__(self, host: str, port: int, limit: int = 256, idle_s: float = 4.0) -> None:
        self.host, self.port = host, port
        self.idle_s = idle_s
        self._host_header = f"{host}:{port}".encode("latin-1")
        self._idle: deque[_Connection] = deque()
        self._slots = asyncio.Semaphore(limit)

    async def _acquire(self) -> _Connection:
        now = time.monotonic()
        while self._idle:
            connection = self._idle.pop()  # most recently used: the least likely to be stale
            if not connection.closed and now - connection.idle_since < self.idle_s:
                connection.reused = True
                return connection
            connection.close()
        loop = asyncio.get_running_loop()
        try:
            _, connection = await loop.create_connection(_Connection, self.host, self.port)
        except ConnectionRefusedError as exc:
            raise ResponseError("connection_refused", str(exc)) from None
        except OSError as exc:
            raise ResponseError("connection_error", str(exc)) from None
        return connection

    def _head(self, method: str, target: str, headers: list[tuple[str, str]],
              body: bytes) -> bytes:
        lines = [f"{method} {target} HTTP/1.1".encode("latin-1"), b"host: " + self._host_header]
        lines.extend(f"{k}: {v}".encode("latin-1") for k, v in headers)
        if body or method in ("POST", "PUT", "PATCH"):
            lines.append(b"content-length: " + str(len(body)).encode())
        return b"\r\n".join(lines) + b"\r\n\r\n" + body

    async def request(self, method: str, target: str, headers: list[tuple[str, str]],
                      body: bytes) -> Answer:
        """One exchange; cancel it (a timeout) and its connection is closed, not reused."""
        payload = self._head(method, target, headers, body)
        async with self._slots:
            for attempt in (1, 2):
                connection = await self._acquire()
                try:
                    return await self._exchange(connection, method, payload)
                except ResponseError as exc:
                    if attempt == 2 or not connection.reused or exc.received:
                        raise
                    # a stale keep-alive connection: once more on a fresh one
        raise AssertionError("unreachable")

    async def _exchange(self, connection: _Connection, method: str, payload: bytes) -> Answer:
        connection.parser = ResponseParser(head_only=method == "HEAD")
        connection.received = False
        connection.waiter = asyncio.get_running_loop().create_future()
        assert connection.transport is not None
        if connection.closed:  # lost between connect and now: nothing was sent
            raise ResponseError("connection_reset", "connection closed before sending")
        try:
            connection.transport.write(payload)
            answer = await connection.waiter
        except BaseException:
            connection.close()
            raise
        finally:
            connection.waiter = None
        if answer.keep_alive and not connection.closed:
            connection.parser = None
            connection.idle_since = time.monotonic()
            self._idle.append(connection)
        else:
            connection.close()
        return answer

    def close(self) -> None:
        while self._idle:
            self._idle.pop().close()
