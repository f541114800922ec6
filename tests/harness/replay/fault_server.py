"""FaultServer: a fault-injecting HTTP/1.1 server on a loopback port, in its own thread and
event loop, so the client under test never shares a loop with it.

It picks its behaviour from the first path segment of the target's base URL (``{url}/500``
makes every request to that base answer 500), or, under ``{url}/body/<side>``, from the
request body's ``fault.<side>`` field, so one recording can mix outcomes per side.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import socket
import struct
import threading
from typing import Any

# Behaviours that the harness must record as an error of that side, and the ErrorKind.
ERROR_MODES = {
    "slow": "timeout",
    "500": "http_5xx",
    "text": "non_json",
    "reset": "connection_reset",
    "truncate": "connection_reset",
    "close": "connection_reset",
    "garbage": "connection_error",
}
ANSWER_MODES = ("ok", "alt", "json404", "counter", "delay")
# Framings a client must read to the same body as "ok": chunked (with an extension and a
# trailer), gzip, a body ended by the close, an interim 103 before the answer.
FRAMING_MODES = ("chunked", "gzip", "eof", "early")


def _chunked(payload: bytes) -> bytes:
    third = max(1, len(payload) // 3)
    parts = [payload[:third], payload[third:2 * third], payload[2 * third:]]
    out = b"".join(b"%x;ext=1\r\n%s\r\n" % (len(p), p) for p in parts if p)
    return out + b"0\r\nX-Trailer: yes\r\n\r\n"


class FaultServer:
    def __init__(self, slow_s: float = 3.0, delay_s: float = 0.05) -> None:
        self.slow_s = slow_s
        self.delay_s = delay_s
        self.requests = 0
        self.connections = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.counter = 0
        self.paths: list[str] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.base_events.Server | None = None
        self.url = ""

    def start(self) -> FaultServer:
        self._thread.start()
        self._stopping = asyncio.run_coroutine_threadsafe(self._event(), self._loop).result(10)
        future = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._handle, "127.0.0.1", 0), self._loop)
        self._server = future.result(10)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    def stop(self) -> None:
        async def close() -> None:
            assert self._server is not None
            self._server.close()
            self._stopping.set()
            # Handlers end on their own once slow answers wake up and clients hang up.
            for _ in range(100):
                if len(asyncio.all_tasks()) <= 1:
                    break
                await asyncio.sleep(0.01)

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    @staticmethod
    async def _event() -> asyncio.Event:
        return asyncio.Event()

    def reset(self) -> None:
        self.requests = self.in_flight = self.max_in_flight = self.counter = 0
        self.paths = []

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        key, value = line.split(":", 1)
                        headers[key.strip().lower()] = value.strip()
                size = int(headers.get("content-length", "0"))
                body = await reader.readexactly(size) if size else b""
                self.requests += 1
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
                try:
                    keep = await self._respond(method, target, headers, body, writer)
                finally:
                    self.in_flight -= 1
                if not keep:
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    async def _framed(self, mode: str, payload: bytes, writer: asyncio.StreamWriter) -> None:
        head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Mode: {}\r\n"
        if mode == "chunked":
            data = (head + "Transfer-Encoding: chunked\r\n\r\n").format(mode).encode() \
                + _chunked(payload)
        elif mode == "gzip":
            body = gzip.compress(payload)
            data = (head + "Content-Encoding: gzip\r\nContent-Length: {}\r\n\r\n").format(
                mode, len(body)).encode() + body
        elif mode == "eof":
            data = (head + "Connection: close\r\n\r\n").format(mode).encode() + payload
        else:
            data = (b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>\r\n\r\n"
                    + (head + "Content-Length: {}\r\n\r\n").format(
                        mode, len(payload)).encode() + payload)
        writer.write(data)
        await writer.drain()
        if mode == "eof":
            writer.close()

    async def _respond(self, method: str, target: str, headers: dict[str, str], body: bytes,
                       writer: asyncio.StreamWriter) -> bool:
        path, _, query = target.partition("?")
        segments = path.strip("/").split("/")
        mode, rest = segments[0], "/" + "/".join(segments[1:])
        if mode == "body":
            side, rest = segments[1], "/" + "/".join(segments[2:])
            try:
                mode = json.loads(body).get("fault", {}).get(side, "ok")
            except (ValueError, AttributeError):
                mode = "ok"
        self.paths.append(path)
        answer: dict[str, Any] = {"path": rest, "method": method, "size": len(body),
                                  "query": query, "type": headers.get("content-type")}
        if mode == "slow":
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.slow_s)
        elif mode == "delay":
            await asyncio.sleep(self.delay_s)
        elif mode == "alt":
            answer["alt"] = True
        elif mode == "counter":
            self.counter += 1
            answer["n"] = self.counter
        elif mode == "reset":
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
            return False
        elif mode == "close":
            writer.close()
            return False
        elif mode in FRAMING_MODES:
            await self._framed(mode, json.dumps(answer).encode(), writer)
            return mode != "eof"
        elif mode == "garbage":
            writer.write(b"SMTP server ready\r\n\r\n")
            await writer.drain()
            writer.close()
            return False
        elif mode == "truncate":
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 100\r\n\r\n{\"partial\":")
            await writer.drain()
            writer.close()
            return False
        status, content_type, payload = 200, "application/json", json.dumps(answer).encode()
        if mode == "500":
            status, payload = 500, b'{"detail": "internal error"}'
        elif mode == "text":
            content_type, payload = "text/plain", b"hello, this is not json"
        elif mode == "json404":
            status, payload = 404, b'{"detail": "not found"}'
        writer.write(
            f"HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(payload)}\r\nX-Mode: {mode}\r\n\r\n".encode() + payload)
        await writer.drain()
        return True


# ------------------------------------------------------------------------------------------
# A static server in a process of its own, for long runs where a server sharing the test's
# interpreter would halve the client's speed.

STATIC_BODY = json.dumps({"status": "completed", "results": list(range(50))}).encode()
STATIC_RESPONSE = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                   + str(len(STATIC_BODY)).encode() + b"\r\n\r\n" + STATIC_BODY)


class _Static(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer + data
        while (end := buffer.find(b"\r\n\r\n")) >= 0:
            head = buffer[:end].lower()
            at = head.find(b"content-length:")
            size = int(head[at + 15:].split(b"\r\n", 1)[0]) if at >= 0 else 0
            if len(buffer) < end + 4 + size:
                break
            buffer = buffer[end + 4 + size:]
            self.transport.write(STATIC_RESPONSE)  # type: ignore[attr-defined]
        self.buffer = buffer


def serve_static(port: int) -> None:
    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(_Static, "127.0.0.1", port)
        async with server:
            await server.serve_forever()

    try:
        import uvloop
    except ImportError:  # pragma: no cover
        asyncio.run(main())
    else:
        uvloop.run(main())


if __name__ == "__main__":
    import sys

    serve_static(int(sys.argv[1]))
