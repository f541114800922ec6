"""mismatches.jsonl: example pairs for every mismatch signature, capped, smallest kept.

results.parquet already holds every mismatch of every row (path, kind, layer), so counts and
rates come from there; this file holds what the rows cannot: both values of each mismatch and
the full pair of answers, for a bounded number of examples per signature.
"""

from __future__ import annotations

import base64
import json
import threading
from pathlib import Path
from typing import IO, Any

import orjson

from harness.observation import Exchange, Observation
from harness.parity.signatures import SignatureKey
from harness.verdict import Verdict


def _dumps(item: dict[str, Any]) -> bytes:
    try:
        return orjson.dumps(item)
    except TypeError:  # a huge integer or NaN from a quirky body: keep it, as the stdlib can
        return json.dumps(item, ensure_ascii=False, default=str).encode("utf-8", "replace")


def _side(obs: Observation, with_body: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"status": obs.status, "headers": [list(h) for h in obs.headers],
                           "latency_ms": obs.latency_ms, "body_size": len(obs.body)}
    if with_body:
        try:
            out["body"] = obs.body.decode("utf-8")
        except UnicodeDecodeError:
            out["body_b64"] = base64.b64encode(obs.body).decode("ascii")
    return out


class ExampleSink:
    """Writes example mismatching pairs to ``path`` (JSON Lines), one line per pair kept.

    A pair is kept when, for at least one of its signatures (endpoint, wildcarded path, kind,
    layer), fewer than ``per_path_cap`` examples were kept so far, or its request body is
    smaller than every example kept so far (so the smallest reproducer is always on file).
    With a cap of 0 nothing is written. Each line is one JSON object::

        {"id": "req-17", "endpoint": "search", "body_size": 412,
         "request": {"method": "POST", "path": "/api/v1/search", "query": {}, "body": {...}},
         "layer": "semantic",
         "signatures": ["3f9a0c1e"],              # the signatures this line is an example of
         "mismatches": [{"path": "results[2].score", "signature": "3f9a0c1e",
                         "kind": "value_changed", "layer": "semantic", "critical": false,
                         "legacy": 0.91, "graph": 0.9}],
         "legacy": {"status": 200, "headers": [["content-type", "application/json"]],
                    "latency_ms": 12.5, "body_size": 5120, "body": "<raw text, exactly>"},
         "graph":  {... the same ...}}

    ``body`` is the raw answer text (so spelling and escaping are visible); a body that is not
    UTF-8 is kept as ``body_b64`` instead. For format mismatches ``legacy``/``graph`` are the
    raw spellings (``"1.50"`` vs ``"1.5"``). Safe to call from several threads.
    """

    def __init__(self, path: Path, per_path_cap: int = 5) -> None:
        self.path = Path(path)
        self.per_path_cap = per_path_cap
        self.written = 0
        self._kept: dict[SignatureKey, tuple[int, int]] = {}  # key -> (examples, smallest)
        self._handle: IO[bytes] | None = None
        self._lock = threading.Lock()

    def __enter__(self) -> ExampleSink:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> None:
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self.path.open("wb")

    def close(self) -> None:
        with self._lock:
            if self._handle is not None:
                self._handle.close()
                self._handle = None

    def add(self, exchange: Exchange, verdict: Verdict) -> bool:
        """Consider one mismatching pair; True when it was written as an example."""
        if not verdict.mismatches or self.per_path_cap <= 0:
            return False
        request = exchange.request
        size = len(request.body_bytes)
        keys = [SignatureKey.of(request.endpoint, m) for m in verdict.mismatches]
        with self._lock:
            chosen = []
            for key in dict.fromkeys(keys):
                count, smallest = self._kept.get(key, (0, size + 1))
                if count < self.per_path_cap or size < smallest:
                    chosen.append(key.id)
                    self._kept[key] = (count + 1, min(smallest, size))
            if not chosen:
                return False
            line = {
                "id": request.id,
                "endpoint": request.endpoint,
                "body_size": size,
                "request": {"method": request.method, "path": request.path,
                            "query": request.query, "body": request.body},
                "layer": str(verdict.layer) if verdict.layer else None,
                "signatures": chosen,
                "mismatches": [
                    {"path": m.path, "signature": key.id, "kind": str(m.kind),
                     "layer": str(m.layer), "critical": m.critical,
                     "legacy": m.legacy, "graph": m.graph}
                    for m, key in zip(verdict.mismatches, keys, strict=True)
                ],
                "legacy": _side(exchange.legacy, True),
                "graph": _side(exchange.graph, True),
            }
            self.open()
            assert self._handle is not None
            self._handle.write(_dumps(line) + b"\n")
            self._handle.flush()  # an interrupted run keeps every example it reported
            self.written += 1
            return True
