"""Field paths: how a place in a JSON body is written, parsed back, wildcarded and matched.

A concrete path is dotted with list indices (``search_results.results[3].score``); a key that
is not a plain name is written as a JSON string in brackets (``meta["x.y"]``) so every path
parses back unambiguously. The root is the empty path ``""``. Patterns (rule paths, signature
paths) may use ``[*]`` for any list index and ``*`` for any key.

Inside the engine a path is a tuple of segments (``str`` key, ``int`` index); rendering to text
happens only for what is reported, so the comparison itself never formats strings.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TypeAlias

Segment: TypeAlias = str | int
Segments: TypeAlias = tuple[Segment, ...]

ANY_INDEX = "[*]"
"""Pattern segment for any list index (never a real key: real keys are plain str)."""
ANY_KEY = "*"
"""Pattern segment for any object key; a real key ``*`` is written ``["*"]``."""

_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")
_INDEX_RUN = re.compile(r"\[\d+\]")
_TOKEN = re.compile(
    r"""\.?(?P<key>[A-Za-z_][A-Za-z0-9_\-]*)   # .name or a leading name
      | \.?(?P<star>\*)(?![\w\]])               # .* any key
      | \[(?P<index>\d+|\*)\]                   # [3] or [*]
      | \[(?P<quoted>"(?:[^"\\]|\\.)*")\]       # ["odd key"]
    """,
    re.VERBOSE,
)


class PathSyntaxError(ValueError):
    """A rule or signature path that cannot be parsed; the message quotes it."""


def render(segments: Segments) -> str:
    """Segments as text; the inverse of :func:`parse`."""
    out: list[str] = []
    for seg in segments:
        if type(seg) is int:
            out.append(f"[{seg}]")
        elif seg == ANY_INDEX:
            out.append(ANY_INDEX)
        elif _PLAIN_KEY.fullmatch(seg) or seg == ANY_KEY:
            out.append(f".{seg}" if out else seg)
        else:
            out.append(f"[{json.dumps(seg, ensure_ascii=False)}]")
    return "".join(out)


def parse(text: str) -> Segments:
    """Text to segments. ``*`` and ``[*]`` come back as :data:`ANY_KEY` and :data:`ANY_INDEX`."""
    if text in ("", "$"):
        return ()
    segments: list[Segment] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or (pos == 0 and text.startswith(".")):
            raise PathSyntaxError(f"path {text!r}: cannot parse at character {pos + 1}")
        if match.group("key") is not None:
            segments.append(match.group("key"))
        elif match.group("star") is not None:
            segments.append(ANY_KEY)
        elif match.group("index") is not None:
            index = match.group("index")
            segments.append(ANY_INDEX if index == "*" else int(index))
        else:
            segments.append(json.loads(match.group("quoted")))
        pos = match.end()
    return tuple(segments)


def wildcard(path: str) -> str:
    """The signature form of a concrete path: every list index becomes ``[*]``."""
    if '"' not in path:
        return _INDEX_RUN.sub(ANY_INDEX, path)
    return render(tuple(ANY_INDEX if type(s) is int else s for s in parse(path)))


def segment_matches(pattern: Segment, segment: Segment) -> bool:
    if pattern == ANY_INDEX:
        return type(segment) is int or segment == ANY_INDEX
    if pattern == ANY_KEY:
        return type(segment) is str and segment != ANY_INDEX
    return pattern == segment and type(pattern) is type(segment)


@dataclass(frozen=True, slots=True)
class Pattern:
    """A parsed rule path; ``covers`` is true for the path itself and everything below it."""

    text: str
    segments: Segments

    @classmethod
    def of(cls, text: str) -> Pattern:
        return cls(text, parse(text))

    def matches(self, segments: Segments) -> bool:
        return len(segments) == len(self.segments) and all(
            segment_matches(p, s) for p, s in zip(self.segments, segments, strict=True)
        )

    def covers(self, segments: Segments) -> bool:
        n = len(self.segments)
        return len(segments) >= n and all(
            segment_matches(p, s) for p, s in zip(self.segments, segments[:n], strict=True)
        )
