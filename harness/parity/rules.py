"""Rules compiled for the comparison: ignored, volatile, learned and critical paths, header rules.

Rule paths are compiled into a trie walked together with a parsed body, so masking costs in
proportion to the rules, not to the body. Masking happens in place on a freshly parsed tree:
an ignored key is deleted (its presence does not matter either), an ignored list element and a
volatile value are replaced by a sentinel string, and every volatile value is kept as a
:class:`Site` so its shape can still be checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from harness.config import LearnedNoise, ParityRules, VolatileField
from harness.parity.paths import ANY_INDEX, ANY_KEY, Pattern, Segment, Segments, parse
from harness.parity.shapes import Shape

MASK = "\x00masked\x00"
"""Stands in for a volatile value; never a value a real service sends."""
IGNORED = "\x00ignored\x00"
"""Stands in for an ignored list element (deleting it would shift the indices after it)."""

IGNORE = "ignore"
MASKED = "masked"

Ignored = tuple[Segments, int, bool, Any]
"""An ignored value taken out: path, position among its siblings, scalar?, the value."""


@dataclass(frozen=True, slots=True)
class Site:
    """A volatile value found while masking: where, what it was, what it must look like."""

    path: Segments
    value: Any
    shape: Shape
    source: str  # "volatile" or "learned": only learned noise may be overruled by critical


@dataclass(slots=True)
class _Node:
    keys: dict[str, _Node] = field(default_factory=dict)
    indices: dict[int, _Node] = field(default_factory=dict)
    any_key: _Node | None = None
    any_index: _Node | None = None
    ignore: bool = False
    shape: Shape | None = None
    source: str = ""

    def child(self, segment: Segment) -> _Node:
        if segment == ANY_INDEX:
            self.any_index = self.any_index or _Node()
            return self.any_index
        if segment == ANY_KEY:
            self.any_key = self.any_key or _Node()
            return self.any_key
        table: dict[Any, _Node] = self.indices if type(segment) is int else self.keys
        return table.setdefault(segment, _Node())

    def children(self, segment: Segment) -> list[_Node]:
        if type(segment) is int:
            found = [self.indices.get(segment), self.any_index]
        else:
            found = [self.keys.get(segment), self.any_key]
        return [n for n in found if n is not None]

    @property
    def has_children(self) -> bool:
        return bool(self.keys or self.indices or self.any_key or self.any_index)


def _shape_of(rule: VolatileField | LearnedNoise) -> Shape:
    if isinstance(rule, LearnedNoise):
        return Shape(rule.shape, nullable=True)
    pattern = re.compile(rule.pattern) if rule.pattern is not None else None
    return Shape(rule.shape, rule.min, rule.max, pattern, rule.nullable)


class CompiledRules:
    """ParityRules (plus learned noise) ready for the comparator."""

    def __init__(self, rules: ParityRules, learned: tuple[LearnedNoise, ...] = ()) -> None:
        self.rules = rules
        self.critical = tuple(Pattern.of(p) for p in rules.critical if not p.startswith("@"))
        self.critical_headers = frozenset(p for p in rules.critical if p.startswith("@"))
        self.headers: dict[str, str] = dict(rules.headers)
        self._root = _Node()
        for text in rules.ignore:
            if text.startswith("@header."):
                self.headers[text.removeprefix("@header.").lower()] = IGNORE
            elif not text.startswith("@"):
                self._node(text).ignore = True
        for rule in rules.volatile:
            self._add_shape(rule, "volatile")
        for rule in (*rules.learned, *learned):
            self._add_learned(rule)

    def _node(self, text: str) -> _Node:
        node = self._root
        for segment in parse(text):
            node = node.child(segment)
        return node

    def _add_shape(self, rule: VolatileField | LearnedNoise, source: str) -> None:
        node = self._node(rule.path)
        if node.shape is None or node.source == "learned":
            node.shape, node.source = _shape_of(rule), source

    def _add_learned(self, rule: LearnedNoise) -> None:
        # Zero tolerance wins over anything the data suggested.
        if rule.path in self.critical_headers or rule.path == "@status":
            return
        if rule.path.startswith("@header."):
            name = rule.path.removeprefix("@header.").lower()
            if self.headers.get(name) != IGNORE and name != "content-type":
                self.headers[name] = IGNORE
            return
        segments = parse(rule.path)
        if any(p.covers(segments) or _is_prefix(segments, p.segments) for p in self.critical):
            return
        self._add_shape(rule, "learned")

    # -- masking --------------------------------------------------------------------------
    def mask(self, tree: Any) -> tuple[Any, list[Site], list[Ignored]]:
        """Mask ``tree`` in place (it must be a fresh parse). Returns it, its volatile sites,
        and where ignored values were taken out (path, position among siblings, scalar?,
        value): equal places on both sides mean the raw tokens of two bodies still line up."""
        sites: list[Site] = []
        ignored: list[Ignored] = []
        holder = [tree]
        _visit(holder, 0, self._root, (), sites, ignored)
        return holder[0], sites, ignored

    @property
    def masks_anything(self) -> bool:
        return self._root.has_children or self._root.ignore or self._root.shape is not None

    # -- questions about one concrete path -----------------------------------------------
    def covering(self, segments: Segments) -> str | None:
        """``ignore`` or ``masked`` when a rule covers the path (or one above it), else None."""
        frontier = [self._root]
        found = _verdict_of(self._root)
        if found == IGNORE:
            return IGNORE
        for segment in segments:
            frontier = [c for node in frontier for c in node.children(segment)]
            for node in frontier:
                here = _verdict_of(node)
                if here == IGNORE:
                    return IGNORE
                found = found or here
            if not frontier:
                break
        return found

    def is_critical(self, segments: Segments, structural: bool) -> bool:
        """A mismatch at ``segments`` touches a critical path: at or below it, or (for a
        structural change such as a missing parent) above it."""
        return any(
            p.covers(segments) or (structural and _is_prefix(segments, p.segments))
            for p in self.critical
        )


def _verdict_of(node: _Node) -> str | None:
    if node.ignore:
        return IGNORE
    return MASKED if node.shape is not None else None


def _is_prefix(short: Segments, pattern: Segments) -> bool:
    return len(short) < len(pattern) and Pattern("", pattern[: len(short)]).matches(short)


def _visit(container: Any, key: Any, node: _Node, path: Segments, sites: list[Site],
           ignored: list[Ignored]) -> None:
    try:
        value = container[key]
    except (KeyError, IndexError):
        return  # an earlier rule deleted it
    if value is MASK or value is IGNORED:
        return  # two patterns reach the same place
    if node.ignore:
        scalar = type(value) not in (dict, list)
        if type(container) is dict:
            ignored.append((path, list(container).index(key), scalar, value))
            del container[key]
        else:
            ignored.append((path, key, scalar, value))
            container[key] = IGNORED
        return
    if node.shape is not None:
        sites.append(Site(path, value, node.shape, node.source))
        container[key] = MASK
        return
    kind = type(value)
    if kind is dict:
        for name, child in node.keys.items():
            if name in value:
                _visit(value, name, child, (*path, name), sites, ignored)
        if node.any_key is not None:
            for name in list(value):
                _visit(value, name, node.any_key, (*path, name), sites, ignored)
    elif kind is list:
        size = len(value)
        for index, child in node.indices.items():
            if index < size:
                _visit(value, index, child, (*path, index), sites, ignored)
        if node.any_index is not None:
            for index in range(size):
                _visit(value, index, node.any_index, (*path, index), sites,
                       ignored)
