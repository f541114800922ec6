"""The proxy's tests run their loopback servers in one asyncio loop per test (anyio plugin)."""

from __future__ import annotations

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
