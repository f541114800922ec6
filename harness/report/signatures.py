"""Mismatch signatures as the reports show them, from the parity engine's own grouping.

harness.parity.signatures groups mismatches into signatures (endpoint, wildcarded path, kind,
layer) with stable ids, so `mismatches --show ID`, `compare` and the reports name the same
thing. This module only turns a signature's example line of mismatches.jsonl into what a page
shows: the request, the two values and the two bodies. Lines written before the ExampleSink's
format settled (bodies under ``legacy_body``/``graph_body``) are read too.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from harness.parity.signatures import Signature


@dataclass(frozen=True, slots=True)
class Example:
    """One recorded pair that shows a signature, with the differing values."""

    request_id: str
    request: Any
    path: str
    legacy: Any
    graph: Any
    legacy_body: Any  # raw text when the sink kept it, else a parsed value or None
    graph_body: Any
    raw_values: bool  # format-layer values are raw spellings ("1.50"), shown unquoted


def _body(line: dict[str, Any], side: str) -> Any:
    answer = line.get(side)
    if isinstance(answer, dict):
        if "body" in answer:
            return answer["body"]
        if "body_b64" in answer:
            raw = base64.b64decode(answer["body_b64"])
            return raw.decode("utf-8", errors="replace")
    return line.get(f"{side}_body")


def example_of(signature: Signature) -> Example | None:
    line, item = signature.example, signature.example_mismatch
    if line is None or item is None:
        return None
    return Example(
        request_id=str(line.get("id", "?")),
        request=line.get("request"),
        path=str(item.get("path", "")),
        legacy=item.get("legacy"),
        graph=item.get("graph"),
        legacy_body=_body(line, "legacy"),
        graph_body=_body(line, "graph"),
        raw_values=item.get("layer") == "format",
    )


def title(signature: Signature) -> str:
    key = signature.key
    return f"{key.endpoint or '-'} {key.path or '(whole body)'} ({key.kind}, {key.layer})"
