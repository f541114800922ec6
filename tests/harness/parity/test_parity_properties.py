"""Properties of the comparator over generated JSON (hypothesis)."""

from __future__ import annotations

import copy
import json
from collections import Counter
from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st
from parity_support import obs

from harness.config import ParityRules, VolatileField
from harness.parity import Comparator
from harness.parity.difference import canon
from harness.parity.paths import render
from harness.parity.rules import CompiledRules
from harness.verdict import Kind, Outcome

keys = st.text(max_size=6).filter(lambda k: k not in ("*", "[*]"))
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=8),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=5),
                            st.dictionaries(keys, inner, max_size=5)),
    max_leaves=25,
)
containers = st.one_of(st.lists(documents, min_size=1, max_size=5),
                       st.dictionaries(keys, documents, min_size=1, max_size=5))

compact = {"separators": (",", ":"), "ensure_ascii": True}
spaced = {"ensure_ascii": True}


def encode(doc: Any, style: dict[str, Any] = spaced) -> bytes:
    return json.dumps(doc, **style).encode("ascii")


def places(doc: Any, path: tuple = ()) -> list[tuple[tuple, Any]]:
    """Every (path, value) below the root, containers and leaves."""
    out = []
    if isinstance(doc, dict):
        items = doc.items()
    elif isinstance(doc, list):
        items = enumerate(doc)
    else:
        return out
    for key, value in items:
        out.append(((*path, key), value))
        out.extend(places(value, (*path, key)))
    return out


def replaced(doc: Any, path: tuple, value: Any) -> Any:
    doc = copy.deepcopy(doc)
    target = doc
    for segment in path[:-1]:
        target = target[segment]
    target[path[-1]] = value
    return doc


def outcome_set(verdict) -> Counter:
    return Counter((m.path, m.kind, m.layer) for m in verdict.mismatches)


swap = {Kind.MISSING: Kind.EXTRA, Kind.EXTRA: Kind.MISSING}


@given(documents)
def test_a_body_compared_with_itself_matches_however_it_is_spaced(doc: Any) -> None:
    c = Comparator()
    assert c.compare(obs(encode(doc)), obs(encode(doc))).outcome is Outcome.MATCH
    assert c.compare(obs(encode(doc)), obs(encode(doc, compact))).outcome is Outcome.MATCH


@given(containers, st.data())
def test_changing_one_leaf_gives_exactly_one_mismatch_at_that_path(doc: Any, data) -> None:
    leaves = [(p, v) for p, v in places(doc) if not isinstance(v, dict | list)]
    assume(leaves)
    path, old = data.draw(st.sampled_from(leaves))
    new = data.draw(scalars)
    assume(canon(new) != canon(old))
    verdict = Comparator().compare(obs(encode(doc)), obs(encode(replaced(doc, path, new))))
    assert verdict.outcome is Outcome.MISMATCH
    assert [m.path for m in verdict.mismatches] == [render(path)]


@given(containers, st.data())
def test_an_ignored_path_never_yields_a_mismatch(doc: Any, data) -> None:
    spots = places(doc)
    path, _ = data.draw(st.sampled_from(spots))
    rules = ParityRules(ignore=[render(path)])
    if isinstance(path[-1], str) and data.draw(st.booleans()):
        other = copy.deepcopy(doc)
        target = other
        for segment in path[:-1]:
            target = target[segment]
        del target[path[-1]]
    else:
        other = replaced(doc, path, data.draw(documents))
    verdict = Comparator(rules).compare(obs(encode(doc)), obs(encode(other)))
    assert verdict.outcome is Outcome.MATCH, verdict.mismatches


def _symmetric(a: bytes, b: bytes, rules: ParityRules | None = None) -> None:
    c = Comparator(rules)
    forward, backward = c.compare(obs(a), obs(b)), c.compare(obs(b), obs(a))
    assert forward.outcome is backward.outcome
    assert outcome_set(forward) == Counter(
        (m.path, swap.get(m.kind, m.kind), m.layer) for m in backward.mismatches)
    assert sorted(forward.noise) == sorted(backward.noise)
    # The values travel with their sides.
    legacy_of = sorted(canon([m.path, m.kind, m.legacy]) for m in forward.mismatches)
    graph_back = sorted(canon([m.path, swap.get(m.kind, m.kind), m.graph])
                        for m in backward.mismatches)
    assert legacy_of == graph_back


@given(documents, documents)
def test_verdicts_are_symmetric_for_unrelated_bodies(a: Any, b: Any) -> None:
    _symmetric(encode(a), encode(b, compact))


@given(containers, st.data())
def test_verdicts_are_symmetric_for_nearby_bodies(doc: Any, data) -> None:
    other = doc
    for _ in range(data.draw(st.integers(1, 3))):
        spots = places(other)
        if not spots:
            break
        path, _ = data.draw(st.sampled_from(spots))
        other = replaced(other, path, data.draw(documents))
    path, _ = data.draw(st.sampled_from(places(doc)))
    rules = ParityRules(volatile=[VolatileField(path=render(path))])
    _symmetric(encode(doc), encode(other), rules)


@given(containers, st.data())
def test_normalization_is_idempotent(doc: Any, data) -> None:
    spots = places(doc)
    chosen = data.draw(st.lists(st.sampled_from(spots), max_size=3))
    ignore = [render(p) for i, (p, _) in enumerate(chosen) if i % 2 == 0]
    volatile = [VolatileField(path=render(p)) for i, (p, _) in enumerate(chosen) if i % 2]
    rules = CompiledRules(ParityRules(ignore=ignore, volatile=volatile))
    once, _, _ = rules.mask(copy.deepcopy(doc))
    twice, sites, _ = rules.mask(copy.deepcopy(once))
    assert canon(twice) == canon(once)
    assert sites == []
