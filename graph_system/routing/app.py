"""The proxy's HTTP app: the admin API and /metrics, and every other request proxied.

Admin endpoints need ``Authorization: Bearer <token>`` (401 without it, 403 with a wrong one or
when no token was configured) and, unless ``admin_allow_remote``, a loopback client. Everything
that is not /admin/* or /metrics is forwarded as it came (method, path, query, headers, body),
/health included, so clients and recordings see the backends' own answers.

Proxied requests bypass FastAPI's middleware and routing: :class:`ProxyApp` hands them to a raw
ASGI handler, because every microsecond there is latency added to every client request (the
admin API keeps FastAPI's validation and error handling, where speed does not matter).
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import orjson
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from graph_system.routing.migration_controller import Evaluate, MigrationController
from graph_system.routing.proxy import Proxy
from graph_system.routing.rollback import EmergencyRollback, GradualRollback
from graph_system.routing.settings import ProxySettings
from graph_system.routing.upstream import HOP_BY_HOP
from harness.config import HarnessConfig


class PercentageBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    graph_percentage: float = Field(ge=0, le=100)
    step: str | None = None


class ForceLegacyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: bool = True


class RollbackBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = "operator request"


class CheckBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    run_dir: Path | None = None
    step: str | None = None


def _loopback(host: str | None) -> bool:
    if host is None:
        return False
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _admin_guard(settings: ProxySettings):
    token = settings.admin_token

    async def guard(request: Request) -> None:
        client = request.client.host if request.client else None
        if not settings.admin_allow_remote and not _loopback(client):
            raise HTTPException(403, f"admin API is loopback-only (client {client})")
        header = request.headers.get("authorization", "")
        scheme, _, given = header.partition(" ")
        if scheme.lower() != "bearer" or not given:
            raise HTTPException(401, "admin API needs 'Authorization: Bearer <token>'",
                                headers={"WWW-Authenticate": "Bearer"})
        if token is None:
            raise HTTPException(403, "admin API disabled: no admin token configured "
                                     "(--admin-token or SHADOW_ADMIN_TOKEN)")
        if not hmac.compare_digest(given.encode(), token.encode()):
            raise HTTPException(403, "wrong admin token")

    return guard


def _orjson(data: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(data, default=str, option=orjson.OPT_SERIALIZE_NUMPY),
                    status_code=status, media_type="application/json")


def _is_admin(path: str) -> bool:
    return path.startswith("/admin/") or path in ("/admin", "/metrics")


_BAD_GATEWAY_HEADERS = [(b"content-type", b"application/json")]


class ProxyApp(FastAPI):
    """FastAPI for the admin API, with proxied traffic dispatched before FastAPI sees it."""

    proxy: Proxy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not _is_admin(scope["path"]):
            await self.forward(scope, receive, send)
            return
        await super().__call__(scope, receive, send)

    async def forward(self, scope: Scope, receive: Receive, send: Send) -> None:
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        headers = tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"])
        proxied = self.proxy.new_request(scope["method"], scope["path"],
                                         scope["query_string"].decode("latin-1"), headers, body)
        answer = await self.proxy.handle(proxied)
        if answer.status is None:  # legacy itself unreachable: nothing to pass on
            payload = orjson.dumps({"error": "bad_gateway", "detail": answer.error_detail,
                                    "upstream": answer.side})
            await send({"type": "http.response.start", "status": 502,
                        "headers": [*_BAD_GATEWAY_HEADERS,
                                    (b"content-length", str(len(payload)).encode())]})
            await send({"type": "http.response.body", "body": payload})
            return
        raw = [(b"content-length", str(len(answer.body)).encode())]
        raw.extend((k.encode("latin-1"), v.encode("latin-1"))
                   for k, v in answer.headers if k not in HOP_BY_HOP)
        await send({"type": "http.response.start", "status": answer.status, "headers": raw})
        await send({"type": "http.response.body", "body": answer.body})


def create_app(settings: ProxySettings, config: HarnessConfig | None = None,
               evaluate: Evaluate | None = None) -> FastAPI:
    """The proxy app; ``config`` (harness.toml) and ``evaluate`` (the gate) are for tests."""
    proxy = Proxy(settings, config)
    gradual = GradualRollback(proxy)
    emergency = EmergencyRollback(proxy, gradual)
    controller = MigrationController(proxy, gradual, emergency, evaluate)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await proxy.start()
        gradual.resume()
        if settings.controller.interval_s is not None:
            proxy.spawn(asyncio.get_running_loop().create_task(
                controller.run(settings.controller.interval_s), name="controller"))
        try:
            yield
        finally:
            await proxy.stop()

    app = ProxyApp(title="shadow-harness proxy", lifespan=lifespan, docs_url=None,
                   redoc_url=None, openapi_url=None)
    app.proxy = proxy
    app.state.proxy = proxy
    app.state.gradual = gradual
    app.state.emergency = emergency
    app.state.controller = controller
    admin = [Depends(_admin_guard(settings))]

    @app.get("/admin/state", dependencies=admin)
    async def get_state() -> Response:
        return _orjson(proxy.state_view())

    @app.get("/admin/window", dependencies=admin)
    async def get_window() -> Response:
        return _orjson(proxy.window_view())

    @app.post("/admin/percentage", dependencies=admin)
    async def post_percentage(body: PercentageBody) -> Response:
        if body.step is not None:
            try:
                proxy.config.schedule.step(body.step)
            except KeyError as exc:
                raise HTTPException(422, str(exc.args[0])) from None
        gradual.cancel()  # an operator's share overrides a rollback in progress
        proxy.set_percentage(body.graph_percentage, step=body.step, reason="admin")
        return _orjson(proxy.state_view())

    @app.post("/admin/force-legacy", dependencies=admin)
    async def post_force_legacy(body: ForceLegacyBody | None = None) -> Response:
        enabled = True if body is None else body.enabled
        if enabled:
            gradual.cancel()
        proxy.save(force_legacy=enabled)
        if enabled:
            proxy.inflight.cancel_all()
        return _orjson(proxy.state_view())

    @app.post("/admin/rollback/emergency", dependencies=admin)
    async def post_emergency(body: RollbackBody | None = None) -> Response:
        return _orjson(await emergency.execute((body or RollbackBody()).reason))

    @app.post("/admin/rollback/gradual", dependencies=admin)
    async def post_gradual(body: RollbackBody | None = None) -> Response:
        started = gradual.start((body or RollbackBody()).reason)
        return _orjson(started, status=202 if started.get("started") else 200)

    @app.post("/admin/controller/check", dependencies=admin)
    async def post_check(body: CheckBody | None = None) -> Response:
        body = body or CheckBody()
        if body.run_dir is not None and not body.run_dir.is_dir():
            raise HTTPException(422, f"{body.run_dir}: not a RUN_DIR")
        try:
            return _orjson(await controller.check(body.run_dir, body.step))
        except KeyError as exc:
            raise HTTPException(422, str(exc.args[0])) from None
        except (FileNotFoundError, ValueError) as exc:
            raise HTTPException(422, str(exc)) from None
        except ImportError as exc:
            raise HTTPException(503, f"the gate is not available: {exc}") from None

    @app.get("/metrics")
    async def get_metrics() -> PlainTextResponse:
        view = proxy.monitor.metrics()
        gauges = {
            "shadow_proxy_graph_percentage": ("Share of split traffic sent to the graph.",
                                              proxy.state.graph_percentage),
            "shadow_proxy_force_legacy": ("1 when every request goes to legacy.",
                                          float(proxy.state.force_legacy)),
            "shadow_proxy_window_mean_seconds": ("Graph mean over the monitor window.",
                                                 view.mean_s),
            "shadow_proxy_window_error_rate": ("Graph error rate over the monitor window.",
                                               view.error_rate),
            "shadow_proxy_window_samples": ("Graph answers in the monitor window.",
                                            float(view.count)),
            "shadow_proxy_mirror_queue_depth": ("Pairs waiting for a mirror worker.",
                                                float(proxy.mirror.depth)),
        }
        text = proxy.metrics.render(gauges, proxy.mirror_counts())
        return PlainTextResponse(text, media_type="text/plain; version=0.0.4")

    return app


__all__ = ["ProxyApp", "create_app"]
