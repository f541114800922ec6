"""Call an ASGI app in-process, without a socket."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import FastAPI

Answer = tuple[int, bytes]


async def asgi_call(app: FastAPI, method: str, path: str, body: bytes = b"",
                    headers: tuple[tuple[bytes, bytes], ...] = ()) -> Answer:
    delivered = False

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # the client never disconnects first
        return {"type": "http.disconnect"}

    status = 0
    chunks: list[bytes] = []

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 80),
        "headers": [(b"content-length", str(len(body)).encode()), *headers],
    }
    await app(scope, receive, send)
    return status, b"".join(chunks)
