"""ReplayUser: a FastHttpUser that replays this process's shard of the recording, and
SinglePathUser, which sends each request to one side only (legacy.py, graph.py).

Users are closed loop: each sends its next request as soon as the previous one is answered,
so ``--users`` is the concurrency. Requests show in Locust's statistics as
``<METHOD> <side> <endpoint>``; a side counts as failed on a transport error or a 5xx, the
harness's definition of an error (4xx answers are answers; parity judges them).
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

from _feed import Item
from _observe import failure_text, observe, request_headers, target_url
from _options import LoadSettings, OptionError
from _rows import single_row
from _run import ProcessRun, context, report_drained
from locust import task
from locust.contrib.fasthttp import FastHttpSession, FastHttpUser

from harness._types import Side
from harness.observation import Observation

IDLE_WAIT_S = 0.25


class ReplayUser(FastHttpUser):
    abstract = True
    sides: ClassVar[tuple[Side, ...]] = ()
    gated: ClassVar[bool] = False
    # Each user has one request in flight per side; a larger pool would only hold sockets.
    concurrency = 1

    @classmethod
    def targets(cls, settings: LoadSettings, host: str | None) -> dict[str, str]:
        """The URL of each side this user sends to; raises OptionError naming the option."""
        found: dict[str, str] = {}
        for side in cls.sides:
            url = settings.legacy if side == "legacy" else settings.graph
            if url is None and len(cls.sides) == 1 and host:
                url = host.rstrip("/")
            if url is None:
                flag = f"--{side}-host"
                alt = " (or --host)" if len(cls.sides) == 1 else ""
                raise OptionError(f"{cls.__name__} needs the {side} URL: give {flag}{alt} "
                                  f"or SHADOW_{side.upper()}_URL")
            found[side] = url
        return found

    def __init__(self, environment: Any) -> None:
        shared = context()
        self.process_run: ProcessRun | None = shared.run
        self.urls = dict(shared.targets)
        timeout = self.process_run.timeout_s if self.process_run else 10.0
        self.network_timeout = self.connection_timeout = timeout
        # Set before FastHttpUser reads it; Locust's --host must not redirect a side.
        self.host = self.urls.get(self.sides[0]) if self.sides else None
        self._idle = False
        super().__init__(environment)

    def wait_time(self) -> float:
        return IDLE_WAIT_S if self._idle else 0.0

    def session(self, side: Side) -> FastHttpSession:
        """A client of its own for a second side (the first is ``self.client``)."""
        return FastHttpSession(
            base_url=self.urls[side], request_event=self.environment.events.request,
            user=self, network_timeout=self.network_timeout,
            connection_timeout=self.connection_timeout, max_retries=0, insecure=True,
            concurrency=self.concurrency)

    def next_item(self) -> Item | None:
        run = self.process_run
        item = run.take() if run is not None else None
        self._idle = item is None
        if item is None:
            report_drained(self.environment)
        return item

    def send(self, client: FastHttpSession, side: Side, item: Item) -> Observation:
        request = item.request
        started_at = time.time()
        began = time.perf_counter()
        with client.request(request.method, target_url(request),
                            name=f"{side} {request.endpoint}",
                            data=request.body_bytes or None,
                            headers=request_headers(request),
                            catch_response=True) as response:
            observation = observe(side, response, started_at,
                                  (time.perf_counter() - began) * 1000.0)
            if observation.failed:
                response.failure(failure_text(observation))
            else:
                response.success()
        return observation


class SinglePathUser(ReplayUser):
    """Replays the recording against one side; rows keep the other side's columns empty."""

    abstract = True

    @task
    def replay(self) -> None:
        item = self.next_item()
        if item is None or self.process_run is None:
            return
        observation = self.send(self.client, self.sides[0], item)
        self.process_run.record(item, single_row(item, observation))
        if self.process_run.drained:
            report_drained(self.environment)
