"""The graph service's HTTP app: ``create_app()`` for uvicorn.

Same endpoints, request models and legacy response format as the legacy service, plus
``GET /workflows/{id}`` (a run's persisted state and node timings) and
``POST /workflows/{id}/resume``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import orjson
from fastapi import FastAPI, Request
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import Route

from graph_system.agents import Agents, Pacer
from graph_system.compatibility import (
    MAX_BODY_BYTES,
    LegacyAPIAdapter,
    LegacyAPIError,
    ResponseFormatter,
    parse_request,
    too_large,
)
from graph_system.knowledge import CorpusIndex
from graph_system.models import ConfigExtractionRequest, SearchRequest, WorkflowRequest
from graph_system.profile import load_graph_profile
from graph_system.workflows import StateStore, WorkflowRunner, state_db_path

SERVICE = "universal-rag"  # clients see one service, whichever path answers
VERSION = "2.4.1"
JSON = "application/json"
Model = TypeVar("Model", bound=BaseModel)
log = logging.getLogger("graph_system")


async def _body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise too_large()
    received = bytearray()
    async for chunk in request.stream():
        received += chunk
        if len(received) > MAX_BODY_BYTES:
            raise too_large()
    return bytes(received)


def create_app(profile: str | None = None, corpus_path: Path | None = None,
               state_db: Path | None = None) -> FastAPI:
    """The graph service. Defaults: ``profile`` $SHADOW_PROFILE then ``fast``; ``corpus_path``
    $SHADOW_CORPUS then the bundled corpus; ``state_db`` $SHADOW_STATE_DB then in-memory."""
    chosen = load_graph_profile(profile)
    index = CorpusIndex.from_file(corpus_path)
    store = StateStore(state_db_path(state_db), keep_runs=chosen.keep_runs)
    agents = Agents.build(index, Pacer(chosen))  # once per process, not per request
    runner = WorkflowRunner(agents, chosen, store)
    formatter = ResponseFormatter()
    adapter = LegacyAPIAdapter(runner, formatter)
    started = time.monotonic()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        store.close()

    app = FastAPI(title="graph workflow service", docs_url=None, redoc_url=None,
                  openapi_url=None, redirect_slashes=False, lifespan=lifespan)
    app.state.adapter = adapter
    app.state.runner = runner
    app.state.profile = chosen

    def legacy(body: dict[str, Any], status: int = 200) -> Response:
        return Response(formatter.encode(body), status_code=status, media_type=JSON)

    def failure(error: LegacyAPIError) -> Response:
        return legacy(formatter.error(error.status, error.code, error.message, error.details),
                      error.status)

    async def parsed(request: Request, model: type[Model]) -> Model:
        return parse_request(await _body(request), model)

    @app.exception_handler(LegacyAPIError)
    async def _api_error(_request: Request, exc: LegacyAPIError) -> Response:
        return failure(exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        path = request.url.path
        if exc.status_code == 404:
            return failure(LegacyAPIError(404, "NOT_FOUND",
                                          f"No route for {request.method} {path}"))
        if exc.status_code == 405:
            return failure(LegacyAPIError(405, "METHOD_NOT_ALLOWED",
                                          f"Method {request.method} not allowed for {path}"))
        return failure(LegacyAPIError(exc.status_code, "HTTP_ERROR", str(exc.detail)))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return failure(LegacyAPIError(500, "INTERNAL_ERROR", "Internal server error"))

    async def workflow(request: Request) -> Response:
        return legacy(await adapter.workflow(await parsed(request, WorkflowRequest)))

    async def search(request: Request) -> Response:
        return legacy(await adapter.search(await parsed(request, SearchRequest)))

    async def config_extract(request: Request) -> Response:
        return legacy(await adapter.config_extraction(
            await parsed(request, ConfigExtractionRequest)))

    async def health(_request: Request) -> Response:
        await agents.pacer.stall(chosen.health_s)
        return legacy(formatter.health(len(index.documents), index.domain_names,
                                       time.monotonic() - started, SERVICE, VERSION))

    async def workflow_state(request: Request) -> Response:
        view = adapter.run_view(request.path_params["workflow_id"])
        return Response(orjson.dumps(view), media_type=JSON)

    async def resume(request: Request) -> Response:
        return legacy(await adapter.resume(request.path_params["workflow_id"]))

    for path, endpoint, method in (("/api/v1/workflow", workflow, "POST"),
                                   ("/api/v1/search", search, "POST"),
                                   ("/api/v1/config/extract", config_extract, "POST"),
                                   ("/health", health, "GET"),
                                   ("/workflows/{workflow_id}", workflow_state, "GET"),
                                   ("/workflows/{workflow_id}/resume", resume, "POST")):
        app.router.routes.append(_route(path, endpoint, method))
    return app


def _route(path: str, endpoint: Callable[[Request], Awaitable[Response]], method: str
           ) -> Route:
    """A Starlette route: the endpoints parse and validate their bodies themselves, and
    FastAPI's per-request dependency solving would cost more than a graph node."""
    route = Route(path, endpoint, methods=[method])
    route.methods = {method}  # Starlette adds HEAD to GET; the legacy API answers it 405
    return route
