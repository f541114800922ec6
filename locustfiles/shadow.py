"""Shadow load test: every recorded request goes to legacy and graph at once, and each pair's
parity is checked with the harness's engine.

    locust -f locustfiles/shadow.py --headless -u 50 -r 10 -t 1m \
        --legacy-host http://127.0.0.1:8001 --graph-host http://127.0.0.1:8002

Locust's statistics show ``<METHOD> legacy <endpoint>``, ``<METHOD> graph <endpoint>`` and
``PARITY <endpoint>``: one PARITY sample per pair both sides answered, its time the cost of
the comparison, a failure when the answers differ as a legacy client would see (noise the
rules explain is not a failure). When Locust quits, the day-8 gate (``--gate-step``) decides
its exit code: 0 ADVANCE, 2 HOLD, 3 ROLLBACK, 4 INVALID.
"""

from __future__ import annotations

import re
import time

import gevent
from _replay_user import ReplayUser
from _rows import pair_row
from locust import task

from harness.observation import Exchange
from harness.verdict import Outcome, Verdict

SHOWN_MISMATCHES = 3
_INDEX = re.compile(r"\[\d+\]")


class ParityMismatch(Exception):
    """Locust's failure for a pair whose answers differ."""


def mismatch_text(verdict: Verdict) -> str:
    """Stable across requests, so Locust's failures table groups a signature in one row
    (list indices are folded: ``results[3].score`` -> ``results[*].score``)."""
    shown = [f"{m.kind} at {_INDEX.sub('[*]', m.path) or '<body>'}"
             for m in verdict.mismatches[:SHOWN_MISMATCHES]]
    more = len(verdict.mismatches) - SHOWN_MISMATCHES
    return "; ".join(shown) + (f" (+{more} more)" if more > 0 else "")


class ShadowUser(ReplayUser):
    sides = ("legacy", "graph")
    gated = True

    def on_start(self) -> None:
        self.graph_client = self.session("graph")

    @task
    def replay(self) -> None:
        item = self.next_item()
        run = self.process_run
        if item is None or run is None:
            return
        # Both at once, the first alternated, so neither side is always served second.
        order = ("legacy", "graph") if item.seq % 2 == 0 else ("graph", "legacy")
        clients = {"legacy": self.client, "graph": self.graph_client}
        sends = {side: gevent.spawn(self.send, clients[side], side, item) for side in order}
        try:
            gevent.joinall(list(sends.values()), raise_error=True)
        finally:
            # Stopped mid-pair: the other side must not report after the test has ended.
            gevent.killall([g for g in sends.values() if not g.dead], block=False)
        exchange = Exchange(item.request, sends["legacy"].value, sends["graph"].value,
                            first_side=order[0])
        verdict = self._check(exchange) if exchange.outcome == "compared" else None
        if verdict is not None and verdict.mismatches:
            run.examples.add(exchange, verdict)
        run.record(item, pair_row(item, exchange, verdict))

    def _check(self, exchange: Exchange) -> Verdict:
        assert self.process_run is not None
        started_at = time.time()
        began = time.perf_counter()
        verdict = self.process_run.comparator.compare(exchange.legacy, exchange.graph)
        self.environment.events.request.fire(
            request_type="PARITY",
            name=exchange.request.endpoint,
            response_time=(time.perf_counter() - began) * 1000.0,
            response_length=len(exchange.graph.body),
            exception=ParityMismatch(mismatch_text(verdict))
            if verdict.outcome == Outcome.MISMATCH else None,
            context={"verdict": str(verdict.outcome), "noise": list(verdict.noise)},
            start_time=started_at,
            url=None,
        )
        return verdict
