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


# Layouts legacy services print besides ISO 8601 (the legacy stub's is the first one); matched
# by regex and checked by constructing the datetime, since strptime costs ~50 us a call.
_DMY = re.compile(r"(\d{2})/(\d{2})/(\d{4}) (\d{2}):(\d{2}):(\d{2})")
_YMD = re.compile(r"(\d{4})/(\d{2})/(\d{2}) (\d{2}):(\d{2}):(\d{2})")
_RFC1123 = re.compile(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug"
                      r"|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT")
_MONTHS = {m: i for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}


def _valid(year: int, month: int, day: int, hour: int, minute: int, second: int) -> bool:
    try:
        datetime(year, month, day, hour, minute, second)
    except ValueError:
        return False
    return True


def _is_timestamp(value: Any) -> bool:
    if type(value) is not str:
        return False
    if _ISO.fullmatch(value):
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return False
        return True
    if match := _DMY.fullmatch(value):
        d, m, y, hh, mm, ss = map(int, match.groups())
        return _valid(y, m, d, hh, mm, ss) or _valid(y, d, m, hh, mm, ss)  # or M/D/Y
    if match := _YMD.fullmatch(value):
        y, m, d, hh, mm, ss = map(int, match.groups())
        return _valid(y, m, d, hh, mm, ss)
    if match := _RFC1123.fullmatch(value):
        _, d, mon, y, hh, mm, ss = match.groups()
        return _valid(int(y), _MONTHS[mon], int(d), int(hh), int(mm), int(ss))
    return False


def _is_number(value: Any) -> bool:
    return type(value) is int or type(value) is float


_KIND_CHECKS = {
    "uuid": lambda v: type(v) is str and _UUID.fullmatch(v) is not None,
    "timestamp": _is_timestamp,
    "number": _is_number,
    "integer": lambda v: type(v) is int,
    "string": lambda v: type(v) is str,
    "boolean": lambda v: type(v) is bool,
    "any": lambda v: True,
}


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
        if not _KIND_CHECKS[self.name](value):
            return False
        kind = type(value)
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
