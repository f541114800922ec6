"""Mismatch signatures as the reports show them: one class of difference, its count and the
smallest example that shows it.

A signature is (endpoint, path with list indices wildcarded, kind, layer), as the parity engine
defines it. Counts come from results.parquet (every mismatch is there); example values come from
mismatches.jsonl, which keeps only a capped sample, so the example is the smallest request among
the recorded examples, and the smallest request overall is named even when it has no example.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson
import pandas as pd

from harness.results import iter_mismatch_records

_INDEX = re.compile(r"\[\d+\]")


def wildcard(path: str) -> str:
    """``results[3].score`` -> ``results[*].score``: one signature for every list position."""
    return _INDEX.sub("[*]", path)


def signature_id(endpoint: str, path: str, kind: str, layer: str) -> str:
    """A short id that stays the same across runs, so `compare` can match signatures."""
    text = "\x1f".join((endpoint, wildcard(path), kind, layer))
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]


@dataclass(frozen=True, slots=True)
class Example:
    """One recorded pair that shows a signature, with the differing values."""

    request_id: str
    request: Any
    path: str
    legacy: Any
    graph: Any
    legacy_body: Any
    graph_body: Any


@dataclass(frozen=True, slots=True)
class Signature:
    id: str
    endpoint: str
    path: str
    kind: str
    layer: str
    requests: int
    occurrences: int
    rate: float
    first_seen_seq: int
    first_seen_id: str
    smallest_id: str
    smallest_body_size: int | None
    example: Example | None

    @property
    def title(self) -> str:
        return f"{self.endpoint} {self.path} ({self.kind}, {self.layer})"

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "endpoint": self.endpoint, "path": self.path, "kind": self.kind,
            "layer": self.layer, "requests": self.requests, "occurrences": self.occurrences,
            "rate": self.rate, "first_seen_id": self.first_seen_id,
            "smallest_id": self.smallest_id,
        }


def _request_size(example: dict[str, Any]) -> int:
    for key in ("request_body_size", "body_size"):
        value = example.get(key)
        if isinstance(value, int):
            return value
    request = example.get("request")
    body = request.get("body") if isinstance(request, dict) else request
    return len(orjson.dumps(body, default=str)) if body is not None else 0


def _example_for(
    endpoint: str, path: str, kind: str, layer: str, examples: Iterable[dict[str, Any]]
) -> Example | None:
    best: tuple[int, Example] | None = None
    for item in examples:
        if item.get("endpoint") != endpoint:
            continue
        for mismatch in item.get("mismatches") or ():
            if not isinstance(mismatch, dict):
                continue
            if (wildcard(str(mismatch.get("path", ""))) == path
                    and mismatch.get("kind") == kind and mismatch.get("layer") == layer):
                size = _request_size(item)
                if best is None or size < best[0]:
                    best = (size, Example(
                        request_id=str(item.get("id", item.get("request_id", "?"))),
                        request=item.get("request"),
                        path=str(mismatch.get("path", "")),
                        legacy=mismatch.get("legacy"),
                        graph=mismatch.get("graph"),
                        legacy_body=item.get("legacy_body"),
                        graph_body=item.get("graph_body"),
                    ))
                break
    return best[1] if best else None


def collect_signatures(
    results: pd.DataFrame, examples: list[dict[str, Any]]
) -> list[Signature]:
    """Signatures of a run, most frequent first. ``rate`` is the share of the endpoint's
    compared requests that show the signature."""
    records = list(iter_mismatch_records(results))
    if not records:
        return []
    mism = pd.DataFrame.from_records(records, columns=["id", "endpoint", "path", "kind", "layer"])
    mism["path"] = mism["path"].astype(str).map(wildcard)
    mism["endpoint"] = mism["endpoint"].fillna("?")
    rows = results[["id", "seq", "body_size"]]
    mism = mism.merge(rows, on="id", how="left")
    compared = results.loc[results["outcome"] == "compared"].groupby("endpoint").size()
    signatures = []
    for (endpoint, path, kind, layer), group in mism.groupby(
        ["endpoint", "path", "kind", "layer"], sort=False
    ):
        first = group.loc[group["seq"].idxmin()]
        sizes = group["body_size"].fillna(-1)
        smallest = group.loc[sizes.idxmin()]
        requests = int(group["id"].nunique())
        denominator = int(compared.get(endpoint, 0)) or requests
        size = smallest["body_size"]
        signatures.append(Signature(
            id=signature_id(endpoint, path, kind, layer),
            endpoint=endpoint, path=path, kind=kind, layer=layer,
            requests=requests,
            occurrences=len(group),
            rate=requests / denominator,
            first_seen_seq=int(first["seq"]),
            first_seen_id=str(first["id"]),
            smallest_id=str(smallest["id"]),
            smallest_body_size=None if pd.isna(size) else int(size),
            example=_example_for(endpoint, path, kind, layer, examples),
        ))
    signatures.sort(key=lambda s: (-s.requests, s.first_seen_seq))
    return signatures
