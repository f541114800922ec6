"""Alert and AlertSink: an alert is a JSON line on disk first, then (optionally) a webhook POST.

The line is written before the webhook is tried, synchronously and flushed, so an alert exists
even when the receiver is down; webhook delivery runs off the request path and its failures are
counted, never raised.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import aiohttp
import orjson

log = logging.getLogger("graph_system.routing")

Severity = Literal["critical", "warning", "info"]


@dataclass(frozen=True, slots=True)
class Alert:
    name: str
    severity: Severity
    message: str
    details: dict[str, Any] = field(default_factory=dict)
    at: float = field(default_factory=time.time)

    def as_dict(self) -> dict[str, Any]:
        return {"ts": self.at, "alert": self.name, "severity": self.severity,
                "message": self.message, "details": self.details}


class AlertSink:
    def __init__(self, path: Path | None, webhook: str | None = None,
                 webhook_timeout_s: float = 2.0) -> None:
        self.path = path
        self.webhook = webhook
        self.webhook_timeout_s = webhook_timeout_s
        self.sent = 0
        self.webhook_delivered = 0
        self.webhook_failed = 0
        self.recent: list[dict[str, Any]] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._session: aiohttp.ClientSession | None = None

    def emit(self, alert: Alert) -> None:
        record = alert.as_dict()
        line = orjson.dumps(record, default=str) + b"\n"
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("ab") as handle:
                handle.write(line)
        self.sent += 1
        self.recent = [*self.recent[-49:], record]
        level = logging.CRITICAL if alert.severity == "critical" else logging.WARNING
        log.log(level, "ALERT %s: %s", alert.name, alert.message)
        if self.webhook is not None:
            try:
                task = asyncio.get_running_loop().create_task(self._post(line))
            except RuntimeError:  # no loop (a synchronous caller): the line is on disk anyway
                return
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _post(self, payload: bytes) -> None:
        assert self.webhook is not None
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.webhook_timeout_s))
        try:
            async with self._session.post(
                self.webhook, data=payload, headers={"content-type": "application/json"},
            ) as response:
                await response.read()
                if response.status >= 300:
                    raise aiohttp.ClientResponseError(
                        response.request_info, (), status=response.status)
            self.webhook_delivered += 1
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            self.webhook_failed += 1
            log.warning("alert webhook %s failed: %s", self.webhook, exc)

    async def drain(self, timeout_s: float = 5.0) -> None:
        """Wait for webhook deliveries in flight (at shutdown and in tests)."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout_s)

    async def close(self) -> None:
        await self.drain()
        if self._session is not None:
            await self._session.close()
            self._session = None
