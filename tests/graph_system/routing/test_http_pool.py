"""HttpPool and its ResponseParser: framing, keep-alive, stale connections, broken servers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graph_system.routing.http_pool import HttpPool, ResponseError, ResponseParser


def _chunked(body: bytes, sizes: list[int]) -> bytes:
    out, rest = b"", body
    for size in sizes:
        if not rest:
            break
        piece, rest = rest[:max(1, size)], rest[max(1, size):]
        out += f"{len(piece):x};ext=1\r\n".encode() + piece + b"\r\n"
    if rest:
        out += f"{len(rest):x}\r\n".encode() + rest + b"\r\n"
    return out + b"0\r\nx-trailer: t\r\n\r\n"


@given(body=st.binary(max_size=2000), sizes=st.lists(st.integers(1, 300), max_size=10),
       cuts=st.lists(st.integers(1, 50), max_size=40), chunked=st.booleans())
def test_any_split_of_the_stream_parses_the_same(body: bytes, sizes: list[int],
                                                  cuts: list[int], chunked: bool) -> None:
    if chunked:
        wire = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nX-A: 1\r\n\r\n" + \
            _chunked(body, sizes)
    else:
        wire = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nX-A: 1\r\n\r\n" % len(body) + body
    parser = ResponseParser()
    position, done = 0, False
    for cut in [*cuts, len(wire)]:
        done = parser.feed(wire[position:position + cut])
        position += cut
        if position >= len(wire):
            break
    if position < len(wire):
        done = parser.feed(wire[position:])
    assert done
    answer = parser.answer()
    assert (answer.status, answer.body, answer.keep_alive) == (200, body, True)
    assert ("x-a", "1") in answer.headers


def test_interim_no_body_and_close_delimited_answers() -> None:
    parser = ResponseParser()
    assert parser.feed(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n")
    assert parser.answer().status == 204 and parser.answer().body == b""
    head = ResponseParser(head_only=True)
    assert head.feed(b"HTTP/1.1 200 OK\r\ncontent-length: 99\r\n\r\n")
    assert head.answer().body == b""
    closing = ResponseParser()
    assert not closing.feed(b"HTTP/1.0 200 OK\r\n\r\npart one ")
    assert not closing.feed(b"part two")
    assert closing.eof()
    assert closing.answer().body == b"part one part two"
    assert closing.answer().keep_alive is False
    explicit = ResponseParser()
    assert explicit.feed(b"HTTP/1.1 200 OK\r\nConnection: close\r\ncontent-length: 0\r\n\r\n")
    assert explicit.answer().keep_alive is False


@pytest.mark.parametrize("wire", [
    b"HTTP/2 200 OK\r\n\r\n", b"HTTP/1.1 abc OK\r\n\r\n", b"HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
    b"HTTP/1.1 200 OK\r\ncontent-length: x\r\n\r\n",
    b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n",
])
def test_malformed_answers_are_errors(wire: bytes) -> None:
    with pytest.raises(ResponseError, match="malformed"):
        ResponseParser().feed(wire)


Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], object]


async def _server(handler: Handler) -> tuple[asyncio.Server, int]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def _read_request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return head + await reader.readexactly(length)


@pytest.mark.anyio
async def test_keep_alive_reuses_one_connection() -> None:
    connections = 0
    seen: list[bytes] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        while True:
            try:
                seen.append(await _read_request(reader))
            except asyncio.IncompleteReadError:
                return
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")

    server, port = await _server(handler)
    pool = HttpPool("127.0.0.1", port)
    try:
        for i in range(5):
            answer = await pool.request("POST", f"/x?i={i}", [("x-h", "v")], b'{"a": 1}')
            assert (answer.status, answer.body) == (200, b"ok")
        assert connections == 1
        assert seen[0].startswith(b"POST /x?i=0 HTTP/1.1\r\nhost: 127.0.0.1:")
        assert b"x-h: v\r\ncontent-length: 8\r\n\r\n{\"a\": 1}" in seen[0]
    finally:
        pool.close()
        server.close()


@pytest.mark.anyio
async def test_stale_connection_is_retried_once_on_a_fresh_one() -> None:
    """Each connection answers one request and drops the next one unanswered (the idle-close
    race): every request still succeeds, on a fresh connection."""
    connections = 0

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        await _read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
        await writer.drain()
        await _read_request(reader)
        writer.close()  # the second request on this connection: gone, not a byte sent

    server, port = await _server(handler)
    pool = HttpPool("127.0.0.1", port)
    try:
        for _ in range(3):
            assert (await pool.request("POST", "/", [], b"{}")).body == b"ok"
        assert connections == 3
    finally:
        pool.close()
        server.close()


@pytest.mark.anyio
async def test_refused_reset_and_timeout() -> None:
    server, port = await _server(lambda r, w: None)
    server.close()
    await server.wait_closed()
    with pytest.raises(ResponseError) as refused:
        await HttpPool("127.0.0.1", port).request("GET", "/", [], b"")
    assert refused.value.kind == "connection_refused"

    async def half(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc")
        await writer.drain()
        writer.close()

    server, port = await _server(half)
    with pytest.raises(ResponseError) as reset:
        await HttpPool("127.0.0.1", port).request("GET", "/", [], b"")
    assert reset.value.kind == "connection_reset" and reset.value.received
    server.close()

    release = asyncio.Event()

    async def hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await release.wait()
        writer.close()

    server, port = await _server(hang)
    pool = HttpPool("127.0.0.1", port, limit=1)
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.1):
            await pool.request("GET", "/", [], b"")
    assert not pool._idle  # a timed-out connection is never reused
    release.set()
    server.close()
