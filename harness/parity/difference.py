"""The structural difference of two masked, parsed bodies, walked only where they differ.

Subtrees are compared by their canonical bytes (orjson in document order: key order and int vs
float survive, unlike ``==`` where ``1 == 1.0`` and dict order is ignored); the walk descends
only into children whose bytes differ, so an unchanged 5 KB body costs one dump per level.

Layer of a difference: *semantic* when the information differs (another value, a missing key
that carried a value, a list in another order); *format* when the same information is spelled
differently for a client (``1`` vs ``1.0``, ``"5"`` vs ``5``, null vs missing vs empty, key
order). List elements are matched after trimming the common prefix and suffix, which finds a
single dropped or inserted element exactly and treats both sides alike (swap them and the same
paths come out, MISSING and EXTRA exchanged).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import orjson

from harness.parity.paths import Segments
from harness.parity.rules import IGNORED, MASK
from harness.verdict import Kind, Layer

_NUMBER_TEXT = re.compile(r"-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?")


def canon(value: Any) -> bytes:
    """Canonical bytes in document order; falls back to the stdlib for what orjson refuses
    (integers past 64 bits, NaN, lone surrogates) so a legacy quirk is compared, not a crash."""
    try:
        return orjson.dumps(value)
    except TypeError:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=True)
        return text.encode("utf-8", "surrogatepass")


def _is_number(value: Any) -> bool:
    kind = type(value)
    return kind is int or kind is float


def is_absent_like(value: Any) -> bool:
    """null, "", [] and {}: one 'nothing here' spelled four ways (and missing is a fifth)."""
    return value is None or (type(value) in (str, list, dict) and not value)


def loosely_equal(a: Any, b: Any) -> bool:
    """Same information in another JSON type: 1 / 1.0, "5" / 5, null / [] / "" / {}."""
    if is_absent_like(a) and is_absent_like(b):
        return True
    if _is_number(a) and _is_number(b):
        return a == b
    for text, number in ((a, b), (b, a)):
        if type(text) is str and _is_number(number) and _NUMBER_TEXT.fullmatch(text):
            return float(text) == number
    return False


@dataclass(frozen=True, slots=True)
class Found:
    """One difference, before values are looked up in the unmasked bodies."""

    path: Segments
    kind: Kind
    layer: Layer | None  # None: decided from the original value (missing/extra)
    legacy: Any = None
    graph: Any = None


class TreeDiff:
    """Walks two masked trees; ``found`` lists differences, ``structural`` tells whether the
    shapes of the trees differ (then raw tokens no longer line up one to one)."""

    __slots__ = ("found", "structural")

    def __init__(self) -> None:
        self.found: list[Found] = []
        self.structural = False

    def run(self, a: Any, b: Any) -> TreeDiff:
        self._walk(a, b, ())
        return self

    def _walk(self, a: Any, b: Any, path: Segments) -> None:
        ta, tb = type(a), type(b)
        if ta is dict and tb is dict:
            self._object(a, b, path)
        elif ta is list and tb is list:
            self._array(a, b, path)
        elif a is MASK or b is MASK or a is IGNORED or b is IGNORED:
            # Sites are checked on their own; both sides reach here only together.
            if (a is MASK) != (b is MASK) or (a is IGNORED) != (b is IGNORED):
                self._add(path, Kind.TYPE_CHANGED, Layer.SEMANTIC, structural=True)
        elif ta is tb:
            if a == b or (ta is float and a != a and b != b):
                return
            self._add(path, Kind.VALUE_CHANGED, Layer.SEMANTIC)
        elif _is_number(a) and _is_number(b) and a != b:
            self._add(path, Kind.VALUE_CHANGED, Layer.SEMANTIC)
        else:
            layer = Layer.FORMAT if loosely_equal(a, b) else Layer.SEMANTIC
            self._add(path, Kind.TYPE_CHANGED, layer,
                      structural=ta in (dict, list) or tb in (dict, list))

    def _add(self, path: Segments, kind: Kind, layer: Layer | None, structural: bool = False,
             legacy: Any = None, graph: Any = None) -> None:
        self.found.append(Found(path, kind, layer, legacy, graph))
        if structural:
            self.structural = True

    def _object(self, a: dict[str, Any], b: dict[str, Any], path: Segments) -> None:
        for key, va in a.items():
            if key not in b:
                self._add((*path, key), Kind.MISSING, None, structural=True)
                continue
            vb = b[key]
            if va is vb and va is not MASK:
                continue
            kind = type(va)
            if kind is type(vb) and (
                (kind is not dict and kind is not list and va == vb and va is not MASK)
                or ((kind is dict or kind is list) and canon(va) == canon(vb))
            ):
                continue
            self._walk(va, vb, (*path, key))
        for key in b:
            if key not in a:
                self._add((*path, key), Kind.EXTRA, None, structural=True)
        order_a = [k for k in a if k in b]
        order_b = [k for k in b if k in a]
        if order_a != order_b:
            self._add(path, Kind.KEY_ORDER, Layer.FORMAT, structural=True,
                      legacy=order_a, graph=order_b)

    def _array(self, a: list[Any], b: list[Any], path: Segments) -> None:
        ca = [canon(x) for x in a]
        cb = [canon(x) for x in b]
        n, m = len(a), len(b)
        if n == m:
            differing = [i for i in range(n) if ca[i] != cb[i]]
            if not differing:
                return
            if len(differing) > 1 and sorted(ca) == sorted(cb):
                self._add(path, Kind.LIST_ORDER, Layer.SEMANTIC, structural=True)
                return
            for i in differing:
                self._walk(a[i], b[i], (*path, i))
            return
        self.structural = True
        prefix = 0
        while prefix < min(n, m) and ca[prefix] == cb[prefix]:
            prefix += 1
        suffix = 0
        limit = min(n, m) - prefix
        while suffix < limit and ca[n - 1 - suffix] == cb[m - 1 - suffix]:
            suffix += 1
        paired = min(n - suffix, m - suffix) - prefix
        for i in range(prefix, prefix + paired):
            self._walk(a[i], b[i], (*path, i))
        for i in range(prefix + paired, n - suffix):
            self._add((*path, i), Kind.MISSING, Layer.SEMANTIC)
        for i in range(prefix + paired, m - suffix):
            self._add((*path, i), Kind.EXTRA, Layer.SEMANTIC)
