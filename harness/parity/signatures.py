"""Signatures: mismatches grouped into classes for triage (``shadow-harness mismatches``).

A signature is (endpoint, path with list indices wildcarded, kind, layer): the 40 rows where
``results[3].score`` and ``results[7].score`` changed are one problem, not 40. Counts, rates
and first-seen come from results.parquet (every row); values and the full pair come from the
examples in mismatches.jsonl (see :class:`harness.parity.examples.ExampleSink`).
"""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import orjson
from rich.text import Text

from harness.parity.paths import wildcard
from harness.results import read_results
from harness.verdict import LAYER_ORDER, Mismatch

MISMATCHES_FILE = "mismatches.jsonl"


@dataclass(frozen=True, slots=True)
class SignatureKey:
    endpoint: str
    path: str  # wildcarded
    kind: str
    layer: str

    @classmethod
    def of(cls, endpoint: str | None, mismatch: Mismatch) -> SignatureKey:
        return cls(endpoint or "", wildcard(mismatch.path), str(mismatch.kind),
                   str(mismatch.layer))

    @property
    def id(self) -> str:
        """Stable across runs, so a signature can be followed from one run to the next."""
        text = "\x1f".join((self.endpoint, self.path, self.kind, self.layer))
        return hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]


@dataclass(frozen=True, slots=True)
class Signature:
    key: SignatureKey
    rows: int  # pairs showing it at least once
    occurrences: int  # mismatches of this class, several per pair possible
    compared: int  # compared pairs of the endpoint
    first_seen_id: str
    first_seen_seq: int
    first_seen_at: float | None
    smallest_id: str
    smallest_body_size: int | None
    example: dict[str, Any] | None = field(default=None, repr=False)  # mismatches.jsonl line
    example_mismatch: dict[str, Any] | None = None  # the item of this signature in it
    detailed: bool = False  # as returned by show_signature: to_dict() carries the pair

    @property
    def id(self) -> str:
        return self.key.id

    @property
    def rate(self) -> float:
        return self.rows / self.compared if self.compared else 0.0

    def to_dict(self, full: bool | None = None) -> dict[str, Any]:
        """JSON for ``mismatches --json``; ``full`` (default: ``detailed``) adds the whole
        example pair."""
        full = self.detailed if full is None else full
        out: dict[str, Any] = {
            "id": self.id, "endpoint": self.key.endpoint, "path": self.key.path,
            "kind": self.key.kind, "layer": self.key.layer, "count": self.rows,
            "occurrences": self.occurrences, "rate": self.rate, "compared": self.compared,
            "first_seen": {"id": self.first_seen_id, "seq": self.first_seen_seq,
                           "at": self.first_seen_at},
            "smallest": {"id": self.smallest_id, "body_size": self.smallest_body_size},
            "example": None,
        }
        if self.example_mismatch is not None and self.example is not None:
            out["example"] = {"id": self.example.get("id"), **self.example_mismatch}
            if full:
                out["pair"] = self.example
        return out


def read_example_lines(path: Path) -> list[dict[str, Any]]:
    """mismatches.jsonl as dicts; a bad line is an error naming the file and line."""
    if not path.is_file():
        return []
    lines = []
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                item = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number}: not valid JSON ({exc})") from None
            if not isinstance(item, dict):
                raise ValueError(f"{path}:{number}: expected a JSON object")
            lines.append(item)
    return lines


def _examples_by_signature(lines: list[dict[str, Any]]) -> dict[str, list[tuple[dict, dict]]]:
    found: dict[str, list[tuple[dict, dict]]] = {}
    for line in lines:
        for item in line.get("mismatches") or []:
            sig = item.get("signature")
            if sig is not None:
                found.setdefault(sig, []).append((line, item))
    return found


def list_signatures(run_dir: Path) -> list[Signature]:
    """Every signature of a run, protocol before semantic before format, most frequent first."""
    run_dir = Path(run_dir)
    frame = read_results(run_dir)
    compared = frame.loc[frame["verdict"].notna(), "endpoint"].fillna("").value_counts()
    rows = frame.loc[frame["verdict"] == "mismatch",
                     ["id", "seq", "endpoint", "body_size", "sent_at", "mismatches"]]
    acc: dict[SignatureKey, dict[str, Any]] = {}
    for row in rows.itertuples(index=False):
        seen_here: set[SignatureKey] = set()
        for item in orjson.loads(row.mismatches or "[]"):
            key = SignatureKey(row.endpoint or "", wildcard(item["path"]), item["kind"],
                               item["layer"])
            entry = acc.get(key)
            if entry is None:
                entry = acc[key] = {"rows": 0, "occurrences": 0, "first": None,
                                    "smallest": None}
            entry["occurrences"] += 1
            if key in seen_here:
                continue
            seen_here.add(key)
            entry["rows"] += 1
            seq = int(row.seq)
            if entry["first"] is None or seq < entry["first"][0]:
                entry["first"] = (seq, row.id, row.sent_at)
            size = None if row.body_size is None else int(row.body_size)
            smallest = entry["smallest"]
            if smallest is None or (size is not None and (smallest[0] is None
                                                          or size < smallest[0])):
                entry["smallest"] = (size, row.id)
    examples = _examples_by_signature(read_example_lines(run_dir / MISMATCHES_FILE))
    out = []
    for key, entry in acc.items():
        example = _pick_example(examples.get(key.id, []), entry["smallest"][1])
        first_seq, first_id, first_at = entry["first"]
        out.append(Signature(
            key=key, rows=entry["rows"], occurrences=entry["occurrences"],
            compared=int(compared.get(key.endpoint, 0)),
            first_seen_id=first_id, first_seen_seq=first_seq,
            first_seen_at=None if first_at is None or first_at != first_at else float(first_at),
            smallest_id=entry["smallest"][1], smallest_body_size=entry["smallest"][0],
            example=example[0] if example else None,
            example_mismatch=example[1] if example else None,
        ))
    layer_rank = {str(layer): i for i, layer in enumerate(LAYER_ORDER)}
    out.sort(key=lambda s: (layer_rank.get(s.key.layer, 9), -s.rows, s.key.endpoint,
                            s.key.path, s.key.kind))
    return out


signatures = list_signatures


def _pick_example(candidates: list[tuple[dict, dict]], smallest_id: str
                  ) -> tuple[dict, dict] | None:
    if not candidates:
        return None
    for line, item in candidates:
        if line.get("id") == smallest_id:
            return line, item
    return min(candidates, key=lambda c: c[0].get("body_size") or 0)


def show_signature(run_dir: Path, which: str) -> Signature:
    """One signature by its number in the listing (``3``) or its id (or an id prefix)."""
    found = list_signatures(run_dir)
    if which.isdigit() and 1 <= int(which) <= len(found) and len(which) < 8:
        return replace(found[int(which) - 1], detailed=True)
    matches = [s for s in found if s.id.startswith(which.lower())] if which else []
    if len(matches) == 1:
        return replace(matches[0], detailed=True)
    known = ", ".join(f"{i}={s.id}" for i, s in enumerate(found[:20], start=1)) or "none"
    problem = "is ambiguous" if matches else "is not a signature of this run"
    raise ValueError(f"{run_dir}: --show {which!r} {problem} (known: {known})")


# -- text -----------------------------------------------------------------------------------
def _short(value: Any, width: int = 40) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= width else text[: width - 1] + "…"


def _values(item: dict[str, Any]) -> tuple[Any, Any]:
    """Both values for display; an absent side says so instead of showing null."""
    legacy, graph = item.get("legacy"), item.get("graph")
    if item.get("kind") == "missing":
        graph = _ABSENT
    elif item.get("kind") == "extra":
        legacy = _ABSENT
    return legacy, graph


class _Absent:
    def __repr__(self) -> str:
        return "(absent)"


_ABSENT = _Absent()


def _shown(value: Any, width: int = 40) -> str:
    return repr(value) if value is _ABSENT else _short(value, width)


def render_signatures(found: list[Signature]) -> Text:
    """The listing, two lines per signature (fits 80 columns): what and how often, then where
    with both values of its smallest example."""
    if not found:
        return Text("no mismatches: every compared pair is at parity")
    lines = [f"{'#':>3}  {'id':8}  {'layer':8}  {'kind':15}  {'pairs':>6}  {'rate':>7}  endpoint",
             f"{'':>5}path: legacy → graph (smallest example)"]
    for number, sig in enumerate(found, start=1):
        lines.append(f"{number:>3}  {sig.id:8}  {sig.key.layer:8}  {sig.key.kind[:15]:15}  "
                     f"{sig.rows:>6}  {sig.rate:>7.2%}  {sig.key.endpoint or '-'}")
        where = f"{'':>5}{sig.key.path or '$'}"
        if sig.example_mismatch is not None:
            legacy, graph = _values(sig.example_mismatch)
            where += f": {_shown(legacy, 30)} → {_shown(graph, 30)}"
        lines.append(where)
    return Text("\n".join(lines))


def _body_text(side: dict[str, Any]) -> str:
    if "body" in side:
        return side["body"]
    return f"<{side.get('body_size', '?')} bytes, not UTF-8>"


def _pretty(text: str) -> list[str]:
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False).splitlines()
    except ValueError:
        return text.splitlines()


def render_signature(sig: Signature) -> Text:
    """One signature in full: where, how often, both values side by side, the whole pair."""
    key = sig.key
    lines = [
        f"signature {sig.id}: {key.layer} / {key.kind} at {key.path or '$'} "
        f"(endpoint {key.endpoint or '-'})",
        f"  in {sig.rows} of {sig.compared} compared pairs ({sig.rate:.2%}), "
        f"{sig.occurrences} occurrences",
        f"  first seen: request {sig.first_seen_id} (seq {sig.first_seen_seq})",
        f"  smallest request: {sig.smallest_id} ({sig.smallest_body_size} bytes)",
    ]
    if sig.example is None or sig.example_mismatch is None:
        lines.append("  no example pair on file (mismatches.jsonl has none for it)")
        return Text("\n".join(lines))
    line, item = sig.example, sig.example_mismatch
    request = line.get("request") or {}
    body = json.dumps(request.get("body"), ensure_ascii=False)
    lines += [
        f"example: request {line.get('id')}: {request.get('method')} {request.get('path')} "
        f"{_short(body, 200)}",
        f"  at {item.get('path') or '$'}",
    ]
    legacy_value, graph_value = _values(item)
    left, right = (
        [repr(v)] if v is _ABSENT else json.dumps(v, ensure_ascii=False, indent=2).splitlines()
        for v in (legacy_value, graph_value)
    )
    width = max(10, min(60, max(len(s) for s in left)))
    lines.append(f"  {'legacy':<{width}} | graph")
    for i in range(max(len(left), len(right))):
        a = left[i] if i < len(left) else ""
        b = right[i] if i < len(right) else ""
        lines.append(f"  {a:<{width}} | {b}")
    others = [m for m in line.get("mismatches", []) if m is not item]
    if others:
        lines.append("  other mismatches in this pair: "
                     + ", ".join(f"{m['path'] or '$'} ({m['kind']})" for m in others[:10]))
    legacy, graph = line.get("legacy") or {}, line.get("graph") or {}
    for name, side in (("legacy", legacy), ("graph", graph)):
        lines.append(f"{name} answer: status {side.get('status')}, "
                     f"{side.get('body_size')} bytes")
        lines.append(_body_text(side))
    diff = difflib.unified_diff(_pretty(_body_text(legacy)), _pretty(_body_text(graph)),
                                "legacy", "graph", lineterm="", n=2)
    lines.append("diff (pretty-printed, legacy → graph):")
    lines.extend(diff)
    return Text("\n".join(lines))
