"""Shapes: what a volatile or noisy value must still look like when its value may differ.

A noisy field is excused only for its value, never for its kind: ``"workflow_id": 12`` where
legacy sends a UUID string is a mismatch however often ids differ.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

ShapeName = Literal["uuid", "timestamp", "number", "integer", "string", "boolean", "any"]
SHAPES: tuple[str, ...] = ("uuid", "timestamp", "number", "integer", "string", "boolean", "any")

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# Date, then an optional time: the forms legacy services print (ISO 8601 / RFC 3339).
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?")


def json_type(value: Any) -> str:
    """The JSON type a client sees; int and float are told apart (``1`` is not ``1.0``)."""
    kind = type(value)
    if kind is str:
        return "string"
    if kind is bool:
        return "boolean"
    if kind is int:
        return "integer"
    if kind is float:
        return "float"
    if kind is dict:
        return "object"
    if kind is list:
        return "array"
    if value is None:
        return "null"
    return kind.__name__


# Layouts legacy services print besides ISO 8601 (the legacy stub's is the first one).
_LAYOUTS = ("%d/%m/%Y %H:%M:%S", "%m/%d/%Y %H:%M:%S", "%Y/%m/%d %H:%M:%S",
            "%a, %d %b %Y %H:%M:%S GMT")


def _is_timestamp(value: Any) -> bool:
    if type(value) is not str:
        return False
    if _ISO.fullmatch(value):
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return False
        return True
    for layout in _LAYOUTS:
        try:
            datetime.strptime(value, layout)
        except ValueError:
            continue
        return True
    return False


@dataclass(frozen=True, slots=True)
class Shape:
    """A compiled shape check; ``nullable`` lets a value be null on either side."""

    name: str = "any"
    min: float | None = None
    max: float | None = None
    pattern: re.Pattern[str] | None = None
    nullable: bool = False

    def accepts(self, value: Any) -> bool:
        if value is None:
            return self.nullable or self.name == "any"
        kind = type(value)
        ok = {
            "uuid": kind is str and _UUID.fullmatch(value) is not None,
            "timestamp": _is_timestamp(value),
            "number": kind is int or kind is float,
            "integer": kind is int,
            "string": kind is str,
            "boolean": kind is bool,
            "any": True,
        }[self.name]
        if not ok:
            return False
        if kind is int or kind is float:
            if self.min is not None and value < self.min:
                return False
            if self.max is not None and value > self.max:
                return False
        if self.pattern is not None:
            return kind is str and self.pattern.fullmatch(value) is not None
        return True

    def describe(self) -> str:
        parts = [self.name]
        if self.min is not None or self.max is not None:
            parts.append(f"in [{self.min}, {self.max}]")
        if self.pattern is not None:
            parts.append(f"matching /{self.pattern.pattern}/")
        return " ".join(parts)


def infer_shape(values: list[Any]) -> ShapeName:
    """The narrowest shape every one of ``values`` has (for learned noise); ``any`` if none."""
    present = [v for v in values if v is not None]
    if not present:
        return "any"
    for name in ("uuid", "timestamp", "boolean", "integer", "number", "string"):
        shape = Shape(name)
        if all(shape.accepts(v) for v in present):
            return name  # type: ignore[return-value]
    return "any"
