"""Fixtures for the legacy app in-process (an ASGI call without a socket), for logic tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import orjson
import pytest
from asgi_app import Answer, asgi_call
from fastapi import FastAPI

from legacy_stub.app import create_app


@pytest.fixture(scope="module")
def legacy_app() -> FastAPI:
    return create_app("instant")  # logic, not latency: sleeping only costs test time


@pytest.fixture
def call_legacy(legacy_app: FastAPI) -> Callable[..., Answer]:
    """``call_legacy(method, path, json=None, raw=None)`` -> (status, body bytes)."""

    def call(method: str, path: str, json: Any = None, raw: bytes | None = None) -> Answer:
        body = raw if raw is not None else (b"" if json is None else orjson.dumps(json))
        return asyncio.run(asgi_call(legacy_app, method, path, body))

    return call
