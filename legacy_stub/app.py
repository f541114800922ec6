"""The legacy service's HTTP app: ``create_app()`` for uvicorn."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import orjson
from fastapi import FastAPI, Request
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import Route

from legacy_stub.knowledge import KnowledgeBase
from legacy_stub.latency import LatencyModel
from legacy_stub.legacy_format import LegacyError, error_response, json_response, timestamp
from legacy_stub.models import ConfigExtractionRequest, SearchRequest, WorkflowRequest
from legacy_stub.orchestrators import LegacyService
from legacy_stub.profile import load_profile

MAX_BODY_BYTES = 256 * 1024
SERVICE_NAME = "universal-rag"
VERSION = "2.4.1"

log = logging.getLogger("legacy_stub")
Body = TypeVar("Body", bound=BaseModel)


async def read_body(request: Request, model: type[Body]) -> Body:
    """The request body as ``model``, or a LegacyError with the legacy 4xx for it."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise LegacyError(413, "PAYLOAD_TOO_LARGE",
                          f"Request body exceeds {MAX_BODY_BYTES} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise LegacyError(413, "PAYLOAD_TOO_LARGE",
                              f"Request body exceeds {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
    try:
        data = orjson.loads(b"".join(chunks))
    except orjson.JSONDecodeError:
        raise LegacyError(400, "INVALID_JSON", "Request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise LegacyError(422, "VALIDATION_ERROR", "Request body must be a JSON object",
                          [{"field": "body", "message": "must be a JSON object"}])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        details = [
            {"field": ".".join(str(p) for p in item["loc"]) or "body", "message": item["msg"]}
            for item in exc.errors(include_url=False)
        ]
        first = details[0]
        raise LegacyError(422, "VALIDATION_ERROR",
                          f"Invalid field '{first['field']}': {first['message']}",
                          details) from None


def create_app(profile: str | None = None, corpus_path: Path | None = None) -> FastAPI:
    """The legacy service. ``profile`` defaults to $SHADOW_PROFILE, then ``fast``;
    ``corpus_path`` to $SHADOW_CORPUS, then the bundled corpus/corpus.json."""
    chosen = load_profile(profile)
    knowledge = KnowledgeBase.load(corpus_path)
    service = LegacyService(knowledge, LatencyModel(chosen))
    started = time.monotonic()

    app = FastAPI(title="legacy orchestrator service", docs_url=None, redoc_url=None,
                  openapi_url=None, redirect_slashes=False)
    app.state.service = service
    app.state.profile = chosen

    @app.exception_handler(LegacyError)
    async def _legacy_error(request: Request, exc: LegacyError) -> Response:
        if exc.status >= 500:
            log.warning("%s %s failed: %s", request.method, request.url.path, exc.message)
        return error_response(exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 405:
            error = LegacyError(405, "METHOD_NOT_ALLOWED",
                                f"Method {request.method} not allowed for {request.url.path}")
        elif exc.status_code == 404:
            error = LegacyError(404, "NOT_FOUND",
                                f"No route for {request.method} {request.url.path}")
        else:
            error = LegacyError(exc.status_code, "HTTP_ERROR", str(exc.detail))
        return error_response(error)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(LegacyError(500, "INTERNAL_ERROR", "Internal server error"))

    async def workflow(request: Request) -> Response:
        body = await read_body(request, WorkflowRequest)
        return json_response(await service.workflow(body))

    async def search(request: Request) -> Response:
        body = await read_body(request, SearchRequest)
        return json_response(await service.search(body))

    async def config_extract(request: Request) -> Response:
        body = await read_body(request, ConfigExtractionRequest)
        return json_response(await service.config_extraction(body))

    async def health(_request: Request) -> Response:
        await service.latency.health()
        return json_response(health_body(knowledge, time.monotonic() - started))

    for path, endpoint, method in (("/api/v1/workflow", workflow, "POST"),
                                   ("/api/v1/search", search, "POST"),
                                   ("/api/v1/config/extract", config_extract, "POST"),
                                   ("/health", health, "GET")):
        app.router.routes.append(plain_route(path, endpoint, method))
    return app


def plain_route(path: str, endpoint: Callable[[Request], Awaitable[Response]], method: str
                ) -> Route:
    """A Starlette route: the endpoints parse and validate their bodies themselves, and
    FastAPI's per-request dependency solving would cost more than the domain logic."""
    route = Route(path, endpoint, methods=[method])
    route.methods = {method}  # Starlette adds HEAD to GET; the legacy API answers it 405
    return route


def health_body(knowledge: KnowledgeBase, uptime_s: float) -> dict[str, Any]:
    return {
        "status": "healthy",
        "service": SERVICE_NAME,
        "version": VERSION,
        "documents_indexed": len(knowledge.documents),
        "domains": [d.upper() for d in knowledge.domains],
        "uptime_seconds": int(uptime_s),
        "timestamp": timestamp(),
    }

