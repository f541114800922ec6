"""Type aliases shared across the harness, kept in one place (as httpx does)."""

from __future__ import annotations

from typing import Any, Literal, TypeAlias

JSON: TypeAlias = Any
"""A parsed JSON value: dict, list, str, int, float, bool or None."""

Headers: TypeAlias = tuple[tuple[str, str], ...]
"""Response headers in the order received, names lower-cased; frozen so values can be hashed."""

Side: TypeAlias = Literal["legacy", "graph", "secondary"]

Outcome: TypeAlias = Literal["compared", "legacy_error", "graph_error", "both_error", "skipped"]
"""How one recorded request ended; every request ends as exactly one of these."""

DecisionName: TypeAlias = Literal["ADVANCE", "HOLD", "ROLLBACK", "INVALID"]

ErrorKind: TypeAlias = Literal[
    "timeout",
    "connection_refused",
    "connection_reset",
    "connection_error",
    "http_5xx",
    "non_json",
]

Transport: TypeAlias = Literal["lean", "aiohttp"]
"""The replay's HTTP client: a lean keep-alive HTTP/1.1 client on asyncio (the default, chosen
by bench/replay_throughput.py), or aiohttp."""
