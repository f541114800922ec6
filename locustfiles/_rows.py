"""Result rows of a load test, in the RUN_DIR schema of harness.results.

A shadow pair is an Exchange and goes through ``exchange_row`` like a replay's. A single-path
user (legacy.py, graph.py) sends one side only: its row keeps the other side's columns empty
(null status, error and latency) and no verdict, so nothing is claimed about a side that was
never asked. ``outcome`` stays in the contract's values: the sent side's error, else
``compared`` (sent and answered; the empty verdict says no parity was checked).
"""

from __future__ import annotations

from typing import Any

from _feed import Item

from harness.observation import Exchange, Observation
from harness.results import exchange_row, skipped_row
from harness.verdict import Verdict


def pair_row(item: Item, exchange: Exchange, verdict: Verdict | None) -> dict[str, Any]:
    row = exchange_row(exchange, verdict, seq=item.seq,
                       intended_at=min(exchange.legacy.started_at, exchange.graph.started_at))
    row["id"] = item.id
    return row


def single_row(item: Item, observation: Observation) -> dict[str, Any]:
    request = item.request
    row = skipped_row(item.seq, item.id, reason=None, endpoint=request.endpoint,
                      method=request.method, path=request.path)
    side = observation.side
    failed = observation.failed
    row.update({
        "body_size": len(request.body_bytes),
        "outcome": f"{side}_error" if failed else "compared",
        "reason": f"{side}: {observation.error}"
                  + (f" ({observation.error_detail})" if observation.error_detail else "")
                  if failed else None,
        "first_side": side,
        "intended_at": observation.started_at,
        "sent_at": observation.started_at,
        f"{side}_status": observation.status,
        f"{side}_error": observation.error,
        f"{side}_latency_ms": observation.latency_ms,
        f"{side}_intended_latency_ms": observation.intended_latency_ms,
        f"{side}_body_size": len(observation.body),
    })
    return row


def unsent_row(item: Item, why: str) -> dict[str, Any]:
    request = item.request
    return skipped_row(item.seq, item.id, reason=why, endpoint=request.endpoint,
                       method=request.method, path=request.path)
