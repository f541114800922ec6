"""Raw JSON text: the spelling a parser throws away (``1.0`` vs ``1.00``, ``é`` vs ``\\u00e9``).

Two levels, cheap first. When two bodies have the same structure their leaf tokens (strings,
keys too, numbers and literals) line up one to one in document order, so
:func:`differing_tokens` finds the pairs that differ without giving them paths. Only when one
of those pairs spells one value two ways, or the structures differ, :func:`spans` walks the
text token by token to give every leaf and key its path.
"""

from __future__ import annotations

import re
from itertools import compress, count
from operator import ne
from typing import Any

import orjson

from harness.parity.paths import Segment, Segments

_STRING = rb'"[^"\\]*(?:\\.[^"\\]*)*"'
_LEAF = re.compile(_STRING + rb"|[^\s{}\[\],:\"]+")
_TOKEN = re.compile(rb"(" + _STRING + rb")|([{}\[\],:])|([^\s{}\[\],:\"]+)")


def leaf_tokens(raw: bytes) -> list[bytes]:
    """Strings (keys included), numbers and literals of ``raw``, in document order."""
    return _LEAF.findall(raw)


_INTEGER = re.compile(rb"-?\d+")


def parse_token(token: bytes) -> Any:
    """The value of one raw token; numbers exactly as Python reads them (orjson would make
    integers past 64 bits floats), anything unreadable as itself."""
    first = token[:1]
    try:
        if first == b'"':
            return orjson.loads(token)
        if _INTEGER.fullmatch(token):
            return int(token)
        if first.isdigit() or first == b"-":
            return float(token)
        return orjson.loads(token)
    except (orjson.JSONDecodeError, ValueError):
        return _Unparsable(token)


class _Unparsable:
    """A token orjson refuses (a NaN, a huge integer): equal only to the same bytes."""

    __slots__ = ("token",)

    def __init__(self, token: bytes) -> None:
        self.token = token

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Unparsable) and other.token == self.token

    def __hash__(self) -> int:
        return hash(self.token)


def same_value(a: bytes, b: bytes) -> bool:
    """Two raw tokens that a parser reads as the same value of the same JSON type."""
    va, vb = parse_token(a), parse_token(b)
    return type(va) is type(vb) and va == vb


_BARE = re.compile(rb"[^\s{}\[\],:]+")


def differing_tokens(raw_a: bytes, raw_b: bytes) -> list[tuple[bytes, bytes]] | None:
    """The leaf tokens (keys included) that differ between two bodies of the same structure,
    pairwise in document order; None when the token sequences do not line up.

    Splitting at quotes is a C-level call and far cheaper than a tokenizing regex: parts then
    alternate between text outside strings (numbers, literals, punctuation, whitespace) and
    string contents. A body with an escaped quote takes the regex path instead.
    """
    if b'\\"' in raw_a or b'\\"' in raw_b:
        tokens_a, tokens_b = leaf_tokens(raw_a), leaf_tokens(raw_b)
        if len(tokens_a) != len(tokens_b):
            return None
        return [(a, b) for a, b in zip(tokens_a, tokens_b, strict=True) if a != b]
    parts_a, parts_b = raw_a.split(b'"'), raw_b.split(b'"')
    if len(parts_a) != len(parts_b):
        return None
    out: list[tuple[bytes, bytes]] = []
    # compress/map/ne run in C: no Python bytecode per part.
    for i in compress(count(), map(ne, parts_a, parts_b)):
        if i % 2:
            out.append((b'"' + parts_a[i] + b'"', b'"' + parts_b[i] + b'"'))
            continue
        bare_a, bare_b = _BARE.findall(parts_a[i]), _BARE.findall(parts_b[i])
        if len(bare_a) != len(bare_b):
            return None
        out.extend((a, b) for a, b in zip(bare_a, bare_b, strict=True) if a != b)
    return out


_LONG_INTEGER = re.compile(rb"-?\d{19,}")


def is_long_integer(token: bytes) -> bool:
    """An integer orjson would read as a float (past 64 bits) or nearly so."""
    return len(token) >= 19 and _LONG_INTEGER.fullmatch(token) is not None


def _token_set(raw: bytes) -> set[bytes]:
    if b'\\"' in raw:
        return set(leaf_tokens(raw))
    parts = raw.split(b'"')
    strings = {b'"' + part + b'"' for part in parts[1::2]}
    return strings.union(_BARE.findall(b" ".join(parts[0::2])))


def one_sided(raw_a: bytes, raw_b: bytes) -> tuple[bool, bool]:
    """For bodies whose structures differ, where tokens cannot be paired: (some value is
    spelled one way only in ``raw_a`` and another way only in ``raw_b``; some token found on
    one side only is an integer past 64 bits). Both are cheap set operations; a True sends
    the comparator to the path-keyed walk or to exact parsing. A body that spells one value
    both ways itself can hide a respelling from this check, never invent one."""
    only_a, only_b = _token_set(raw_a), _token_set(raw_b)
    only_a, only_b = only_a - only_b, only_b - only_a
    long_ints = any(is_long_integer(t) for t in (*only_a, *only_b))
    if not only_a or not only_b:
        return False, long_ints
    values_a = {_value_key(parse_token(t)) for t in only_a}
    return any(_value_key(parse_token(t)) in values_a for t in only_b), long_ints


def _value_key(value: Any) -> tuple[type, Any]:
    return type(value), value


class Spans:
    """Raw text of every leaf value and every key of one body, by path."""

    __slots__ = ("keys", "values")

    def __init__(self) -> None:
        self.values: dict[Segments, bytes] = {}
        self.keys: dict[Segments, bytes] = {}


def spans(raw: bytes) -> Spans:
    """Walk ``raw`` once, recording the exact bytes of each leaf and key under its path."""
    out = Spans()
    # Each open container: [its path, is_object, current key or next index, expecting a key].
    stack: list[list[Any]] = []
    for match in _TOKEN.finditer(raw):
        string, punct, literal = match.groups()
        if punct is not None:
            if punct in b"{[":
                stack.append([_here(stack), punct == b"{", 0, punct == b"{"])
            elif punct in b"}]":
                if stack:
                    stack.pop()
            elif punct == b"," and stack:
                top = stack[-1]
                if top[1]:
                    top[3] = True
                else:
                    top[2] += 1
            elif punct == b":" and stack:
                stack[-1][3] = False
            continue
        token = string if string is not None else literal
        if string is not None and stack and stack[-1][1] and stack[-1][3]:
            key = parse_token(token)
            top = stack[-1]
            top[2] = key if type(key) is str else token.decode("utf-8", "replace")
            out.keys[(*top[0], top[2])] = token
        else:
            out.values[_here(stack)] = token
    return out


def _here(stack: list[list[Any]]) -> Segments:
    if not stack:
        return ()
    path, _is_object, where, _expecting = stack[-1]
    segment: Segment = where
    return (*path, segment)
