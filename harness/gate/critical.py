"""Critical paths and mismatch signatures: which field differences a legacy client cannot
tolerate, and the classes of difference that are shown beside a decision.

A pattern is written like a mismatch path (``search_results.results[*].score``): ``[*]`` is
any list index, ``*`` any key, ``["odd key"]`` a quoted key, and ``@status`` /
``@header.x`` the protocol layer. A mismatch touches a critical pattern when one is a prefix
of the other: a difference inside a critical field is critical, and so is a difference at a
parent that replaced the critical field with something else (a missing ``search_results``
loses every score in it).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

_TOKEN = re.compile(
    r"""\.?(?P<key>[A-Za-z_][A-Za-z0-9_\-]*)
      | \.?(?P<star>\*)
      | \[(?P<index>\d+|\*)\]
      | \[(?P<quoted>"(?:[^"\\]|\\.)*")\]
    """,
    re.VERBOSE,
)
_ANY_INDEX = ("index", "*")
_ANY_KEY = ("key", "*")

Segment = tuple[str, str]


def segments(path: str) -> tuple[Segment, ...]:
    """A path as ``(kind, value)`` segments; a path that does not parse is one opaque segment,
    so a strange path can still equal a pattern written the same way."""
    if path.startswith("@"):
        return (("protocol", path),)
    out: list[Segment] = []
    pos = 0
    while pos < len(path):
        match = _TOKEN.match(path, pos)
        if match is None or match.end() == pos:
            return (("raw", path),)
        if match.group("key") is not None:
            out.append(("key", match.group("key")))
        elif match.group("star") is not None:
            out.append(_ANY_KEY)
        elif match.group("index") is not None:
            out.append(("index", match.group("index")))
        else:
            out.append(("key", json.loads(match.group("quoted"))))
        pos = match.end()
    return tuple(out)


def _segment_matches(pattern: Segment, actual: Segment) -> bool:
    if pattern == _ANY_INDEX:
        return actual[0] == "index"
    if pattern == _ANY_KEY:
        return actual[0] == "key"
    return pattern == actual


@dataclass(frozen=True, slots=True)
class CriticalPaths:
    """The zero-tolerance patterns of ``parity.critical``, parsed once."""

    patterns: tuple[str, ...]
    parsed: tuple[tuple[Segment, ...], ...]

    @classmethod
    def of(cls, patterns: Iterable[str]) -> CriticalPaths:
        patterns = tuple(patterns)
        return cls(patterns, tuple(segments(p) for p in patterns))

    def touches(self, path: str) -> str | None:
        """The first pattern that ``path`` touches (equal, inside it, or a parent of it)."""
        actual = segments(path)
        for pattern, parsed in zip(self.patterns, self.parsed, strict=True):
            if _touches(parsed, actual):
                return pattern
        return None


def _touches(pattern: tuple[Segment, ...], actual: tuple[Segment, ...]) -> bool:
    opaque = {"protocol", "raw"}
    if (pattern[:1] and pattern[0][0] in opaque) or (actual[:1] and actual[0][0] in opaque):
        # Protocol paths (and unparsable ones) only ever match themselves or their children.
        if not pattern or not actual or pattern[0][0] != actual[0][0]:
            return False
        whole, part = actual[0][1], pattern[0][1]
        return whole == part or whole.startswith(part + ".")
    common = min(len(pattern), len(actual))
    return all(_segment_matches(p, a) for p, a in zip(pattern[:common], actual[:common],
                                                      strict=True))


_INDEX = re.compile(r"\[\d+\]")


def signature(path: str, kind: str) -> str:
    """A mismatch class: the path with list indices wildcarded, and the kind."""
    return f"{_INDEX.sub('[*]', path) or '<body>'} ({kind})"


def top_signatures(
    mismatches: Iterable[dict[str, str]], limit: int
) -> list[dict[str, object]]:
    counts = Counter(signature(m.get("path", ""), m.get("kind", "?")) for m in mismatches)
    return [{"signature": sig, "count": count} for sig, count in counts.most_common(limit)]
