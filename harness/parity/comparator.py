"""Comparator: one pair of answers in, one Verdict out, cheapest evidence first.

1. Protocol: status, content type, headers by rule. A different status ends the comparison:
   the bodies of two different outcomes say nothing more about each other.
2. Equal raw bytes: a match at every layer, in about a microsecond.
3. Parse both (orjson), mask ignored and volatile paths, dump canonically (document order).
   Equal dumps: only the volatile sites (shape, type; differing values are noise) and the raw
   spelling remain to be checked. Different dumps: walk only the differing subtrees.
4. Raw spelling (number spelling, string escaping): raw tokens paired in document order when
   the structures agree, a comparison of one-sided tokens otherwise; only a value spelled two
   ways sends the pair to the path-keyed walk of the text that says where.

Insignificant whitespace between tokens is not compared: no JSON client can see it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import orjson

from harness.config import ParityRules
from harness.observation import Observation
from harness.parity.difference import TreeDiff, canon, is_absent_like
from harness.parity.paths import Segments, render
from harness.parity.protocol import protocol_mismatches
from harness.parity.rules import IGNORE, CompiledRules, Site
from harness.parity.shapes import json_type
from harness.parity.tokens import (
    differing_tokens,
    is_long_integer,
    one_sided,
    parse_token,
    same_value,
    spans,
)
from harness.verdict import MATCH, Kind, Layer, Mismatch, Verdict

if TYPE_CHECKING:
    from harness.parity.noise import NoiseModel

_NOT_JSON = object()
_STRUCTURAL = frozenset({Kind.MISSING, Kind.EXTRA, Kind.TYPE_CHANGED, Kind.LIST_ORDER,
                         Kind.LIST_LENGTH, Kind.SHAPE, Kind.BODY})
_SNIPPET = 200


def _is_number(value: Any) -> bool:
    return type(value) is int or type(value) is float


def _load(raw: bytes) -> Any:
    # orjson turns integers past 64 bits into floats silently; the comparator notices (more
    # values differ than the masks explain, or long digit runs) and re-parses exactly.
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return _load_exact(raw)


def _load_exact(raw: bytes) -> Any:
    try:  # also what orjson refuses and legacy services emit: NaN, lone surrogates
        return json.loads(raw.decode("utf-8", "surrogatepass"))
    except (ValueError, UnicodeDecodeError):
        return _NOT_JSON


def _snippet(raw: bytes) -> str:
    text = raw[: _SNIPPET * 4].decode("utf-8", "replace")
    return text if len(text) <= _SNIPPET else text[:_SNIPPET] + "…"


def _value_at(tree: Any, path: Segments) -> Any:
    for segment in path:
        tree = tree[segment]
    return tree


def _scalar(value: Any) -> bool:
    return type(value) not in (dict, list)


class Comparator:
    """Compares a legacy and a graph Observation under ParityRules and learned noise."""

    def __init__(self, rules: ParityRules | None = None, noise: NoiseModel | None = None) -> None:
        self.rules = rules or ParityRules()
        self.noise = noise
        learned = noise.learned() if noise is not None else ()
        self._rules = CompiledRules(self.rules, learned)

    # -- public ---------------------------------------------------------------------------
    def compare(self, legacy: Observation, graph: Observation) -> Verdict:
        found = protocol_mismatches(legacy, graph, self._rules)
        if legacy.status != graph.status or legacy.body == graph.body:
            return Verdict.of(tuple(found)) if found else MATCH
        body, noise = self._body(legacy.body, graph.body)
        found.extend(body)
        if not found and not noise:
            return MATCH
        return Verdict.of(tuple(found), tuple(noise))

    def diff_paths(self, first: Observation, second: Observation) -> list[str]:
        """Paths where two answers differ at all (mismatch or noise), for noise learning:
        the same paths and granularity ``compare`` reports, so the two rates line up."""
        verdict = self.compare(first, second)
        return sorted({m.path for m in verdict.mismatches} | set(verdict.noise))

    # -- body -----------------------------------------------------------------------------
    def _body(self, raw_a: bytes, raw_b: bytes,
              exact: bool = False) -> tuple[list[Mismatch], list[str]]:
        """``exact`` parses with the stdlib: slower, but integers past 64 bits stay exact."""
        load = _load_exact if exact else _load
        tree_a, tree_b = load(raw_a), load(raw_b)
        if tree_a is _NOT_JSON or tree_b is _NOT_JSON:
            return [Mismatch("", Kind.BODY, Layer.SEMANTIC, _snippet(raw_a), _snippet(raw_b),
                             critical=self._rules.is_critical((), True))], []
        rules = self._rules
        tree_a, sites_a, ignored_a = rules.mask(tree_a)
        tree_b, sites_b, ignored_b = rules.mask(tree_b)
        out: list[Mismatch] = []
        noise: list[str] = []
        differing = self._sites(sites_a, sites_b, out, noise)
        # Raw tokens line up one to one when the masked-out values sit at the same places
        # and each is a single token.
        aligned = ([i[:3] for i in ignored_a] == [i[:3] for i in ignored_b]
                   and all(_scalar(s.value) for s in (*sites_a, *sites_b)))
        if canon(tree_a) == canon(tree_b):
            if exact or not aligned:
                out.extend(self._spelling(raw_a, raw_b))
                return out, noise
            differing += sum(canon(x[3]) != canon(y[3])
                             for x, y in zip(ignored_a, ignored_b, strict=True))
            found = self._aligned_spelling(raw_a, raw_b, differing)
            if found is None:  # more values differ than the masks explain: parse exactly
                return self._body(raw_a, raw_b, exact=True)
            out.extend(found)
            return out, noise
        diff = TreeDiff().run(tree_a, tree_b)
        pairs = differing_tokens(raw_a, raw_b) if aligned and not diff.structural else None
        if pairs is not None:
            long_ints = any(is_long_integer(a) or is_long_integer(b) for a, b in pairs)
            respelled = any(same_value(a, b) for a, b in pairs)
        else:
            respelled, long_ints = one_sided(raw_a, raw_b)
        if long_ints and not exact:
            return self._body(raw_a, raw_b, exact=True)
        originals = (load(raw_a), load(raw_b))
        for item in diff.found:
            out.append(self._mismatch(item.path, item.kind, item.layer, item.legacy,
                                      item.graph, originals))
        if respelled:
            out.extend(self._spelling(raw_a, raw_b))
        return out, noise

    def _aligned_spelling(self, raw_a: bytes, raw_b: bytes,
                          expected: int) -> list[Mismatch] | None:
        """Spelling check for bodies whose masked trees are equal: every token pair that
        differs in value must be one of the ``expected`` masked values that differ."""
        pairs = differing_tokens(raw_a, raw_b)
        if pairs is None:
            return self._spelling(raw_a, raw_b)
        values = 0
        for a, b in pairs:
            if same_value(a, b):
                return self._spelling(raw_a, raw_b)
            values += 1
        return [] if values == expected else None

    def _mismatch(self, path: Segments, kind: Kind, layer: Layer | None, legacy: Any,
                  graph: Any, originals: tuple[Any, Any]) -> Mismatch:
        if kind is not Kind.KEY_ORDER:
            legacy = None if kind is Kind.EXTRA else _value_at(originals[0], path)
            graph = None if kind is Kind.MISSING else _value_at(originals[1], path)
        if layer is None:  # a missing or extra key: format when it carried nothing
            present = legacy if kind is Kind.MISSING else graph
            layer = Layer.FORMAT if is_absent_like(present) else Layer.SEMANTIC
        return Mismatch(render(path), kind, layer, legacy, graph,
                        critical=self._rules.is_critical(path, kind in _STRUCTURAL))

    def _sites(self, sites_a: list[Site], sites_b: list[Site], out: list[Mismatch],
               noise: list[str]) -> int:
        """Volatile values: differing values are noise, a broken shape or type is not.
        Returns how many of them differ at all."""
        if not sites_a or not sites_b:
            return 0
        differing = 0
        if len(sites_a) == len(sites_b) and all(
            x.path == y.path for x, y in zip(sites_a, sites_b, strict=True)
        ):
            pairs = zip(sites_a, sites_b, strict=True)
        else:
            by_path = {s.path: s for s in sites_b}
            pairs = ((s, by_path[s.path]) for s in sites_a if s.path in by_path)
        for site_a, site_b in pairs:
            a, b = site_a.value, site_b.value
            if canon(a) == canon(b):
                continue
            differing += 1
            shape = site_a.shape
            ok_a, ok_b = shape.accepts(a), shape.accepts(b)
            path = site_a.path
            if ok_a and ok_b:
                if json_type(a) != json_type(b) and not (
                    shape.nullable and (a is None or b is None)
                ):
                    # The value may differ here, so 2 vs 7.0 is only a type change.
                    if _is_number(a) and _is_number(b):
                        out.append(self._site_mismatch(path, Kind.TYPE_CHANGED, Layer.FORMAT,
                                                       a, b))
                    else:
                        out.append(self._site_mismatch(path, Kind.SHAPE, Layer.SEMANTIC, a, b))
                else:
                    noise.append(render(path))
            elif ok_a != ok_b:
                out.append(self._site_mismatch(path, Kind.SHAPE, Layer.SEMANTIC, a, b))
            else:  # legacy breaks the rule too: the rule is wrong here, compare plainly
                for item in TreeDiff().run(a, b).found:
                    out.append(self._mismatch((*path, *item.path), item.kind, item.layer,
                                              item.legacy, item.graph,
                                              (_nest(path, a), _nest(path, b))))
        return differing

    def _site_mismatch(self, path: Segments, kind: Kind, layer: Layer, a: Any,
                       b: Any) -> Mismatch:
        return Mismatch(render(path), kind, layer, a, b,
                        critical=self._rules.is_critical(path, True))

    # -- raw spelling ---------------------------------------------------------------------
    def _spelling(self, raw_a: bytes, raw_b: bytes) -> list[Mismatch]:
        """Every leaf and key spelled differently for the same value, by path."""
        spans_a, spans_b = spans(raw_a), spans(raw_b)
        out: list[Mismatch] = []
        for path, ra in spans_a.values.items():
            rb = spans_b.values.get(path)
            if rb is None or rb == ra:
                continue
            va, vb = parse_token(ra), parse_token(rb)
            if type(va) is not type(vb) or va != vb or self._rules.covering(path):
                continue
            kind = Kind.STRING_ESCAPING if type(va) is str else Kind.NUMBER_SPELLING
            out.append(self._raw_mismatch(path, kind, ra, rb))
        reported = {m.path for m in out}
        for path, ra in spans_a.keys.items():
            rb = spans_b.keys.get(path)
            if rb is None or rb == ra or self._rules.covering(path) == IGNORE:
                continue
            mismatch = self._raw_mismatch(path, Kind.STRING_ESCAPING, ra, rb)
            if mismatch.path not in reported:
                out.append(mismatch)
        return out

    def _raw_mismatch(self, path: Segments, kind: Kind, ra: bytes, rb: bytes) -> Mismatch:
        return Mismatch(render(path), kind, Layer.FORMAT, ra.decode("utf-8", "replace"),
                        rb.decode("utf-8", "replace"),
                        critical=self._rules.is_critical(path, False))


def _nest(path: Segments, value: Any) -> Any:
    """A tree holding ``value`` at ``path``, so the shared lookup finds it there."""
    for segment in reversed(path):
        if type(segment) is int:
            holder: list[Any] = [None] * (segment + 1)
            holder[segment] = value
            value = holder
        else:
            value = {segment: value}
    return value
