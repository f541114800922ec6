"""Fixtures for the graph app in-process (an ASGI call without a socket), for logic tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import orjson
import pytest
from asgi_app import Answer, asgi_call
from fastapi import FastAPI

from graph_system.app import create_app


@pytest.fixture(scope="module")
def graph_app() -> FastAPI:
    return create_app("instant")  # logic, not latency: sleeping only costs test time


@pytest.fixture
def call_graph(graph_app: FastAPI) -> Callable[..., Answer]:
    """``call_graph(method, path, json=None, raw=None)`` -> (status, body bytes)."""

    def call(method: str, path: str, json: Any = None, raw: bytes | None = None) -> Answer:
        body = raw if raw is not None else (b"" if json is None else orjson.dumps(json))
        return asyncio.run(asgi_call(graph_app, method, path, body))

    return call
