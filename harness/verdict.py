"""Verdict and Mismatch: what the parity engine says about one pair of answers.

Ignored and mismatched are kept apart (as GitHub Scientist does): a difference that the rules
or the learned noise explain is listed in ``noise``, never in ``mismatches``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Layer(StrEnum):
    """Where a difference is visible; the first layer that differs names a mismatch."""

    PROTOCOL = "protocol"  # status code, content type, headers
    SEMANTIC = "semantic"  # parsed values after normalization
    FORMAT = "format"  # JSON types, key order, number spelling, string escaping


LAYER_ORDER: tuple[Layer, ...] = (Layer.PROTOCOL, Layer.SEMANTIC, Layer.FORMAT)


class Kind(StrEnum):
    STATUS = "status"
    CONTENT_TYPE = "content_type"
    HEADER = "header"
    VALUE_CHANGED = "value_changed"
    TYPE_CHANGED = "type_changed"
    MISSING = "missing"  # present in legacy, absent in graph
    EXTRA = "extra"  # absent in legacy, present in graph
    LIST_ORDER = "list_order"
    LIST_LENGTH = "list_length"
    SHAPE = "shape"  # a noisy field that broke the shape it must keep
    KEY_ORDER = "key_order"
    NUMBER_SPELLING = "number_spelling"
    STRING_ESCAPING = "string_escaping"
    BODY = "body"  # bodies that differ but cannot be parsed on one side


class Outcome(StrEnum):
    MATCH = "match"
    NOISE_ONLY = "noise_only"
    MISMATCH = "mismatch"


@dataclass(frozen=True, slots=True)
class Mismatch:
    """One difference a legacy client could see. ``path`` is dotted with list indices,
    e.g. ``search_results.results[3].score``; protocol paths start with ``@``
    (``@status``, ``@header.content-type``)."""

    path: str
    kind: Kind
    layer: Layer
    legacy: Any = None
    graph: Any = None
    critical: bool = False  # the path is zero-tolerance in harness.toml ([parity] critical)

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "kind": str(self.kind),
            "layer": str(self.layer),
            "legacy": self.legacy,
            "graph": self.graph,
            "critical": self.critical,
        }


@dataclass(frozen=True, slots=True)
class Verdict:
    outcome: Outcome
    mismatches: tuple[Mismatch, ...] = ()
    noise: tuple[str, ...] = field(default=())

    @property
    def critical(self) -> bool:
        """Some mismatch touches a zero-tolerance path."""
        return any(m.critical for m in self.mismatches)

    @property
    def layer(self) -> Layer | None:
        """The first layer (protocol, semantic, format) with a mismatch."""
        present = {m.layer for m in self.mismatches}
        return next((layer for layer in LAYER_ORDER if layer in present), None)

    @classmethod
    def of(cls, mismatches: tuple[Mismatch, ...], noise: tuple[str, ...] = ()) -> Verdict:
        if mismatches:
            return cls(Outcome.MISMATCH, mismatches, noise)
        return cls(Outcome.NOISE_ONLY if noise else Outcome.MATCH, (), noise)


MATCH = Verdict(Outcome.MATCH)
