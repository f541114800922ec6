"""Pool: keep-alive HTTP/1.1 connections to one origin, for the lean transport.

One request at a time per connection (no pipelining), idle connections reused in LIFO order
and dropped after ``KEEPALIVE_S`` (below uvicorn's 5 s, so a request is never written to a
socket the server is closing: POSTs are not retried). The timeout covers connecting, sending
and the whole response, as aiohttp's ``total`` does.
"""

from __future__ import annotations

import asyncio
import ssl as ssl_module
import time

from harness.replay.http11 import ProtocolError, RawResponse, ResponseParser

KEEPALIVE_S = 4.0


class _Connection(asyncio.Protocol):
    __slots__ = ("closed", "idle_since", "parser", "transport", "waiter")

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser: ResponseParser | None = None
        self.waiter: asyncio.Future[RawResponse] | None = None
        self.closed = False
        self.idle_since = 0.0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        waiter = self.waiter
        if waiter is None or waiter.done() or self.parser is None:
            self.close()  # bytes nobody asked for: the connection is out of step
            return
        try:
            response = self.parser.feed(data)
        except ProtocolError as exc:
            waiter.set_exception(exc)
            self.close()
            return
        if response is not None:
            self.waiter = None
            waiter.set_result(response)

    def eof_received(self) -> bool:
        waiter = self.waiter
        if waiter is not None and not waiter.done() and self.parser is not None:
            self.waiter = None
            try:
                waiter.set_result(self.parser.eof())
            except (ConnectionResetError, ProtocolError) as exc:
                waiter.set_exception(exc)
        self.closed = True
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            self.waiter = None
            waiter.set_exception(exc if exc is not None else ConnectionResetError(
                "connection closed before the response was complete"))

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    def abort(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.abort()


def _expire(waiter: asyncio.Future[RawResponse]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError("no complete response within the timeout"))


class Pool:
    """Connections to ``host:port`` (TLS when ``tls``)."""

    def __init__(self, host: str, port: int, tls: bool = False, max_idle: int = 256) -> None:
        self.host = host
        self.port = port
        self.max_idle = max_idle
        self._ssl = ssl_module.create_default_context() if tls else None
        self._idle: list[_Connection] = []
        self._open: set[_Connection] = set()

    def _checkout(self, now: float) -> _Connection | None:
        idle = self._idle
        while idle:
            connection = idle.pop()
            if not connection.closed and now - connection.idle_since < KEEPALIVE_S:
                return connection
            connection.close()
            self._open.discard(connection)
        return None

    async def _connect(self) -> _Connection:
        loop = asyncio.get_running_loop()
        _, connection = await loop.create_connection(
            _Connection, self.host, self.port, ssl=self._ssl,
            server_hostname=self.host if self._ssl else None)
        return connection

    async def request(self, data: bytes, head_only: bool, timeout_s: float) -> RawResponse:
        """Send ``data`` (a whole request) and return the complete response; raises
        TimeoutError, OSError (refused, reset) or ProtocolError."""
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        connection = self._checkout(started)
        if connection is None:
            connection = await asyncio.wait_for(self._connect(), timeout_s)
            self._open.add(connection)
        waiter: asyncio.Future[RawResponse] = loop.create_future()
        connection.waiter = waiter
        connection.parser = parser = ResponseParser(head_only)
        remaining = timeout_s - (time.perf_counter() - started)
        timer = loop.call_later(max(remaining, 0.0), _expire, waiter)
        try:
            connection.transport.write(data)  # type: ignore[union-attr]
            response = await waiter
        except BaseException:
            # Timed out, reset or cancelled mid-response: the connection's state is unknown.
            connection.abort()
            self._open.discard(connection)
            raise
        finally:
            timer.cancel()
        if response.keep_alive and not connection.closed and not parser.leftover \
                and len(self._idle) < self.max_idle:
            connection.idle_since = time.perf_counter()
            connection.parser = None
            self._idle.append(connection)
        else:
            connection.close()
            self._open.discard(connection)
        return response

    def close(self) -> None:
        for connection in list(self._open):
            connection.close()
        self._open.clear()
        self._idle.clear()
