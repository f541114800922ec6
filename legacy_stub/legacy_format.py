"""The legacy wire format: how bodies are encoded and what an error looks like.

Clients were written against Python's ``json.dumps`` defaults (``", "`` and ``": "``
separators, non-ASCII escaped as ``\\uXXXX``), timestamps as ``DD/MM/YYYY HH:MM:SS`` UTC, and
one error shape for every failure. See README.md for every quirk.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from starlette.responses import Response

MEDIA_TYPE = "application/json"


def encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=True).encode("ascii")


def timestamp(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).strftime("%d/%m/%Y %H:%M:%S")


def score(value: float) -> str:
    return f"{value:.4f}"


def listing(items: list[Any]) -> list[Any] | None:
    """Legacy clients test ``if x is None``, never for an empty list."""
    return items or None


def elapsed_ms(seconds: float) -> int:
    return int(seconds * 1000)


def json_response(body: dict[str, Any], status: int = 200) -> Response:
    return Response(encode(body), status_code=status, media_type=MEDIA_TYPE)


class LegacyError(Exception):
    """Anything that ends a request with the legacy error body."""

    def __init__(self, status: int, code: str, message: str,
                 details: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


def error_body(error: LegacyError) -> dict[str, Any]:
    return {
        "status": "error",
        "error_code": error.code,
        "message": error.message,
        "status_code": error.status,
        "details": error.details,
        "request_id": str(uuid.uuid4()),
        "timestamp": timestamp(),
    }


def error_response(error: LegacyError) -> Response:
    return json_response(error_body(error), error.status)
