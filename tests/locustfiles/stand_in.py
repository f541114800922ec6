"""A stand-in for the legacy and graph services: the four endpoints, deterministic answers.

Lets the locustfile tests control what the two sides answer (a parity skew, a fault), which
the real services, tested with the shared fixtures, do not. Run as
``python stand_in.py PORT [--skew ENDPOINT] [--fail-every N]``.
"""

from __future__ import annotations

import argparse
import hashlib
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

ROUTES = {"/api/v1/workflow": "workflow", "/api/v1/search": "search",
          "/api/v1/config/extract": "config_extraction"}


def create_app(skew: str | None = None, fail_every: int = 0) -> FastAPI:
    app = FastAPI()
    seen = {"n": 0}

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    async def answer(request: Request) -> JSONResponse:
        endpoint = ROUTES[request.url.path]
        raw = await request.body()
        seen["n"] += 1
        if fail_every and seen["n"] % fail_every == 0:
            return JSONResponse({"error": "injected"}, status_code=503)
        digest = hashlib.sha256(raw).hexdigest()[:12]
        body: dict[str, Any] = {"endpoint": endpoint, "digest": digest, "score": 0.5}
        if skew == endpoint:
            body["score"] = 0.25
        return JSONResponse(body)

    for path in ROUTES:
        app.add_api_route(path, answer, methods=["POST"])
    return app


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("--skew")
    parser.add_argument("--fail-every", type=int, default=0)
    args = parser.parse_args()
    uvicorn.run(create_app(args.skew, args.fail_every), host="127.0.0.1", port=args.port,
                log_level="warning", access_log=False)
