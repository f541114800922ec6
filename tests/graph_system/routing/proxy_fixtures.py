"""Loopback fixtures for the proxy: small aiohttp backends with injectable faults, and the
proxy itself under a real uvicorn server, all on free 127.0.0.1 ports in the test's loop."""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import uvicorn
from aiohttp import web

from graph_system.routing import ProxySettings, create_app
from harness.config import HarnessConfig


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Backend:
    """A legacy or graph stand-in: the same JSON for the same request (so pairs match), with
    faults that tests switch at run time."""

    name: str
    delay_s: float = 0.0
    error_rate: float = 0.0
    healthy: bool = True
    hold: asyncio.Event | None = None  # requests wait for it (health checks do not)
    seed: int = 7
    received: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""
    _runner: web.AppRunner | None = None
    _rng: random.Random = field(default_factory=random.Random)

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.received.append({"method": request.method, "path": request.path,
                              "query": request.rel_url.raw_query_string, "body": body,
                              "headers": {k.lower(): v for k, v in request.headers.items()}})
        if request.path == "/health":
            status = 200 if self.healthy else 503
            return web.json_response({"status": "healthy" if self.healthy else "down"},
                                     status=status)
        if self.hold is not None:
            await self.hold.wait()
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.error_rate and self._rng.random() < self.error_rate:
            return web.json_response({"error": "internal", "backend": self.name}, status=500)
        echo = orjson.loads(body) if body else None
        payload = {"status": "completed", "path": request.path, "echo": echo,
                   "query": request.query_string}
        return web.Response(body=orjson.dumps(payload), content_type="application/json",
                            headers={"x-backend": self.name})

    async def start(self) -> Backend:
        self._rng.seed(self.seed)
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def served(self, path: str = "/api/v1/search") -> int:
        return sum(1 for r in self.received if r["path"] == path)


def fast_settings(tmp_path: Path, legacy: str, graph: str, **changes: Any) -> ProxySettings:
    """Plan-shaped settings scaled to milliseconds."""
    base: dict[str, Any] = {
        "legacy": legacy, "graph": graph, "mode": "split", "port": free_port(),
        "admin_token": "secret", "state_db": tmp_path / "state.sqlite3",
        "run_dir": tmp_path / "run", "sla_budget_s": 0.2, "legacy_timeout_s": 2.0,
        "mirror_timeout_s": 1.0, "rotate_s": 0.05, "split_sample": 0.0,
        "alerts": {"tick_s": 0.02, "health_interval_s": 0.02, "health_timeout_s": 0.2,
                   "bucket_s": 0.05},
        "rollback": {"gradual_interval_s": 0.05},
    }
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    return ProxySettings.model_validate(base)


@dataclass
class RunningProxy:
    url: str
    app: Any
    settings: ProxySettings
    session: aiohttp.ClientSession

    @property
    def proxy(self) -> Any:
        return self.app.state.proxy

    def admin_headers(self, token: str = "secret") -> dict[str, str]:
        return {"authorization": f"Bearer {token}"}

    async def send(self, path: str = "/api/v1/search", body: Any = None,
                   headers: dict[str, str] | None = None) -> tuple[int, Any, dict[str, str]]:
        payload = orjson.dumps(body if body is not None else {"query": "q"})
        async with self.session.post(self.url + path, data=payload, headers={
                "content-type": "application/json", **(headers or {})}) as response:
            raw = await response.read()
            return response.status, orjson.loads(raw) if raw else None, dict(response.headers)

    async def admin(self, method: str, path: str, body: Any = None,
                    token: str | None = "secret") -> tuple[int, Any]:
        headers = self.admin_headers(token) if token is not None else {}
        async with self.session.request(method, self.url + path, headers=headers,
                                        json=body) as response:
            return response.status, await response.json(content_type=None)


@contextlib.asynccontextmanager
async def running_proxy(settings: ProxySettings, config: HarnessConfig | None = None,
                        evaluate: Any = None) -> AsyncIterator[RunningProxy]:
    app = create_app(settings, config=config or HarnessConfig(), evaluate=evaluate)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=settings.port,
                                           log_level="warning", access_log=False,
                                           lifespan="on"))
    task = asyncio.get_running_loop().create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    session = aiohttp.ClientSession()
    try:
        yield RunningProxy(f"http://127.0.0.1:{settings.port}", app, settings, session)
    finally:
        await session.close()
        server.should_exit = True
        await task


async def eventually(predicate: Any, timeout_s: float = 5.0, step_s: float = 0.01) -> None:
    """Poll until ``predicate()`` is true; a deadline, not a timing assertion."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not reached before the deadline")
        await asyncio.sleep(step_s)
