from __future__ import annotations

import gzip
import itertools
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.replay.http11 import (
    IncompleteResponse,
    ProtocolError,
    ResponseParser,
    header_block,
    request_target,
)


def feed_in_pieces(data: bytes, cuts: list[int], head_only: bool = False):
    """Feed ``data`` split at ``cuts``; the response must appear exactly at the last piece."""
    parser = ResponseParser(head_only)
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    result = None
    for start, end in itertools.pairwise(points):
        assert result is None, "response complete before all its bytes arrived"
        result = parser.feed(data[start:end])
    return parser, result


def chunked(body: bytes, sizes: list[int]) -> bytes:
    out, at = b"", 0
    for size in sizes:
        part = body[at:at + size]
        if not part:
            break
        out += b"%X\r\n%s\r\n" % (len(part), part)
        at += len(part)
    if at < len(body):
        out += b"%x\r\n%s\r\n" % (len(body) - at, body[at:])
    return out + b"0\r\n\r\n"


bodies = st.binary(max_size=3000)
cuts = st.lists(st.integers(min_value=0, max_value=10_000), max_size=12)


@given(bodies, cuts)
def test_content_length_body_whatever_the_tcp_segments(body: bytes, where: list[int]) -> None:
    data = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" \
        % len(body) + body
    parser, response = feed_in_pieces(data, where)
    assert response is not None
    assert response.status == 200 and response.body == body and response.keep_alive
    assert response.headers[0] == ("content-type", "application/json")
    assert not parser.leftover


@given(bodies, st.lists(st.integers(min_value=1, max_value=700), max_size=8), cuts)
def test_chunked_body_is_reassembled(body: bytes, sizes: list[int], where: list[int]) -> None:
    data = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(body, sizes)
    _, response = feed_in_pieces(data, where)
    assert response is not None and response.body == body and response.keep_alive


@given(bodies, cuts)
def test_body_until_close(body: bytes, where: list[int]) -> None:
    data = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n" + body
    parser, response = feed_in_pieces(data, where)
    assert response is None  # only the close ends such a body
    final = parser.eof()
    assert final.body == body and not final.keep_alive


def test_interim_answers_are_skipped() -> None:
    data = (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
            b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}")
    response = ResponseParser().feed(data)
    assert response is not None and response.status == 201 and response.body == b"{}"
    assert [name for name, _ in response.headers] == ["content-length"]


@pytest.mark.parametrize("status", [204, 304])
def test_no_body_statuses(status: int) -> None:
    response = ResponseParser().feed(b"HTTP/1.1 %d X\r\nContent-Length: 10\r\n\r\n" % status)
    assert response is not None and response.body == b""


def test_head_answers_have_no_body() -> None:
    response = ResponseParser(head_only=True).feed(
        b"HTTP/1.1 200 OK\r\nContent-Length: 512\r\n\r\n")
    assert response is not None and response.body == b"" and response.keep_alive


@pytest.mark.parametrize(
    ("head", "keep_alive"),
    [
        (b"HTTP/1.1 200 OK\r\nConnection: close\r\n", False),
        (b"HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n", True),
        (b"HTTP/1.0 200 OK\r\n", False),
        (b"HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\n", True),
    ],
)
def test_connection_reuse_follows_the_answer(head: bytes, keep_alive: bool) -> None:
    response = ResponseParser().feed(head + b"Content-Length: 0\r\n\r\n")
    assert response is not None and response.keep_alive is keep_alive


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "raw-deflate"])
def test_compressed_bodies_are_decoded_headers_kept(encoding: str) -> None:
    payload = b'{"results": [1, 2, 3]}' * 20
    if encoding == "gzip":
        body = gzip.compress(payload)
    elif encoding == "deflate":
        body = zlib.compress(payload)
    else:
        compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        body = compressor.compress(payload) + compressor.flush()
        encoding = "deflate"
    response = ResponseParser().feed(
        b"HTTP/1.1 200 OK\r\nContent-Encoding: %s\r\nContent-Length: %d\r\n\r\n"
        % (encoding.encode(), len(body)) + body)
    assert response is not None and response.body == payload
    assert ("content-encoding", encoding) in response.headers


def test_folded_header_lines_are_joined() -> None:
    response = ResponseParser().feed(
        b"HTTP/1.1 200 OK\r\nX-Long: one\r\n  two\r\nContent-Length: 0\r\n\r\n")
    assert response is not None and ("x-long", "one two") in response.headers


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"SMTP ready\r\n\r\n", "not an HTTP/1.x status line"),
        (b"HTTP/1.1 abc OK\r\n\r\n", "bad status"),
        (b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "bad header line"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", "conflicting"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "bad Content-Length"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "bad chunk size"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabcd", "CRLF"),
        (b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 3\r\n\r\nabc",
         "cannot decode gzip"),
    ],
)
def test_malformed_answers_are_protocol_errors(data: bytes, message: str) -> None:
    with pytest.raises(ProtocolError, match=message):
        ResponseParser().feed(data)


def test_a_close_mid_response_is_incomplete() -> None:
    parser = ResponseParser()
    assert parser.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n12345") is None
    with pytest.raises(IncompleteResponse, match="in the middle of the response"):
        parser.eof()
    with pytest.raises(IncompleteResponse, match="before a response"):
        ResponseParser().eof()


def test_an_endless_head_is_refused() -> None:
    with pytest.raises(ProtocolError, match="longer than"):
        ResponseParser().feed(b"HTTP/1.1 200 OK\r\nX: " + b"a" * 70_000)


def test_request_bytes() -> None:
    assert request_target("/prefix/", "/api/v1/search", (("q", "a b"), ("n", "é"))) == \
        "/prefix/api/v1/search?q=a+b&n=%C3%A9"
    assert request_target("", "/health", ()) == "/health"
    assert header_block({"user-agent": "x"}, b'{"a":1}', "POST") == (
        b'user-agent: x\r\nContent-Length: 7\r\n\r\n{"a":1}')
    assert header_block({}, None, "GET") == b"\r\n"
    assert header_block({}, None, "POST") == b"Content-Length: 0\r\n\r\n"
