"""The mutation suite: a candidate wrapping the real legacy service, one mutation class at a time.

Legacy answers are fetched once over loopback (the ``legacy_url`` service, fast profile); the
candidate's answer is that same answer with exactly one mutation applied, re-encoded the way
legacy encodes (checked byte for byte on the unmutated answers). Every class must be flagged
with the right layer, kind and path, and nothing else.
"""

from __future__ import annotations

import copy
import gzip
import itertools
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from parity_support import LEGACY_RULES, legacy_encode, workflow_body

from harness.observation import Observation
from harness.parity import Comparator
from harness.parity.paths import render
from harness.parity.rules import CompiledRules
from harness.verdict import Kind, Layer, Outcome

SAMPLE = Path(__file__).resolve().parents[3] / "recordings" / "sample.jsonl.gz"
PLACEHOLDER = "\x00placeholder\x00"
_VOLATILE = CompiledRules(LEGACY_RULES)


@dataclass(frozen=True)
class Answer:
    name: str
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    @property
    def doc(self) -> Any:
        return json.loads(self.body)

    def observation(self, side: str = "legacy", status: int | None = None,
                    headers: tuple[tuple[str, str], ...] | None = None,
                    body: bytes | None = None) -> Observation:
        return Observation(side, self.status if status is None else status,  # type: ignore[arg-type]
                           self.headers if headers is None else headers,
                           self.body if body is None else body, 1.0, 1.0, 0.0)


def _fetch(base: str, method: str, path: str, body: Any) -> Answer:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method,
                                     headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, headers, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        status, headers, raw = exc.code, exc.headers, exc.read()
    pairs = tuple((k.lower(), v) for k, v in headers.items())
    return Answer(f"{method} {path}", status, pairs, raw)


@pytest.fixture(scope="module")
def answers(legacy_url: str) -> list[Answer]:
    """Real legacy answers: the first recorded requests of every endpoint, plus health."""
    with gzip.open(SAMPLE, "rb") as handle:
        records = [json.loads(line) for line in itertools.islice(handle, 300)]
    per_endpoint: dict[str, int] = {}
    out = [_fetch(legacy_url, "GET", "/health", None)]
    for record in records:
        if per_endpoint.get(record["endpoint"], 0) >= 4:
            continue
        per_endpoint[record["endpoint"]] = per_endpoint.get(record["endpoint"], 0) + 1
        out.append(_fetch(legacy_url, record["method"], record["path"], record["body"]))
    for answer in out:  # the candidate re-encodes; that alone must change nothing
        assert legacy_encode(answer.doc) == answer.body, answer.name
    return out


# -- finding places in a body ------------------------------------------------------------------
def _walk(doc: Any, path: tuple = ()):
    yield path, doc
    items = doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(
        doc, list) else ()
    for key, value in items:
        yield from _walk(value, (*path, key))


def _first(doc: Any, test: Callable[[tuple, Any], bool]) -> tuple | None:
    for path, value in _walk(doc):
        if path and not _VOLATILE.covering(path) and test(path, value):
            return path
    return None


def _get(doc: Any, path: tuple) -> Any:
    for segment in path:
        doc = doc[segment]
    return doc


def _set(doc: Any, path: tuple, value: Any) -> Any:
    doc = copy.deepcopy(doc)
    if not path:
        return value
    _get(doc, path[:-1])[path[-1]] = value
    return doc


def _is_int(value: Any) -> bool:
    return type(value) is int


def _distinct_list(value: Any, size: int = 2) -> bool:
    return (isinstance(value, list) and len(value) >= size
            and len({json.dumps(v) for v in value}) == len(value))


def _respell(text: str) -> str:
    """The same string, spelled differently: raw UTF-8 where legacy escapes, else one
    needlessly escaped character."""
    ascii_form = json.dumps(text, ensure_ascii=True)
    if "\\u" in ascii_form:
        return json.dumps(text, ensure_ascii=False)
    return f'"\\u{ord(text[0]):04x}' + ascii_form[2:]


# -- the mutation classes -----------------------------------------------------------------------
Mutated = tuple[Observation, tuple[str, Kind, Layer]]


def body_mutation(find: Callable[[Any], tuple | None], change: Callable[[Any, tuple], Any],
                  kind: Kind, layer: Layer, at: Callable[[tuple], tuple] = lambda p: p):
    def mutate(answer: Answer) -> Mutated | None:
        doc = answer.doc
        path = find(doc)
        if path is None:
            return None
        raw = legacy_encode(change(doc, path))
        return answer.observation("graph", body=raw), (render(at(path)), kind, layer)
    return mutate


def _reorder(doc: Any, path: tuple) -> Any:
    target = _get(doc, path)
    return _set(doc, path, dict(reversed(list(target.items()))))


def _drop_key(doc: Any, path: tuple) -> Any:
    doc = copy.deepcopy(doc)
    del _get(doc, path[:-1])[path[-1]]
    return doc


def _drop_second(doc: Any, path: tuple) -> Any:
    target = _get(doc, path)
    return _set(doc, path, [target[0], *target[2:]])


def _precision(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 1)
    return f"{float(value):.2f}"  # legacy prints scores as 4-decimal strings


def _looks_decimal(value: Any) -> bool:
    if isinstance(value, float):
        return round(value, 1) != value
    if not isinstance(value, str) or "." not in value:
        return False
    try:
        return f"{float(value):.2f}" != value
    except ValueError:
        return False


def unicode_escaping(answer: Answer) -> Mutated | None:
    doc = answer.doc
    path = _first(doc, lambda p, v: isinstance(v, str) and v != "")
    if path is None:
        return None
    original = _get(doc, path)
    raw = legacy_encode(_set(doc, path, PLACEHOLDER)).replace(
        json.dumps(PLACEHOLDER).encode(), _respell(original).encode("utf-8"))
    assert json.loads(raw) == doc
    return (answer.observation("graph", body=raw),
            (render(path), Kind.STRING_ESCAPING, Layer.FORMAT))


def number_spelling(answer: Answer) -> Mutated | None:
    doc = answer.doc
    path = _first(doc, lambda p, v: type(v) is float)
    if path is None:
        return None
    raw = legacy_encode(_set(doc, path, PLACEHOLDER)).replace(
        json.dumps(PLACEHOLDER).encode(), f"{_get(doc, path)!r}0".encode())
    return (answer.observation("graph", body=raw),
            (render(path), Kind.NUMBER_SPELLING, Layer.FORMAT))


def status_code(answer: Answer) -> Mutated:
    return (answer.observation("graph", status=answer.status + 1),
            ("@status", Kind.STATUS, Layer.PROTOCOL))


def content_type(answer: Answer) -> Mutated:
    headers = tuple((k, v + "; charset=utf-8" if k == "content-type" else v)
                    for k, v in answer.headers)
    return (answer.observation("graph", headers=headers),
            ("@header.content-type", Kind.CONTENT_TYPE, Layer.PROTOCOL))


def volatile_shape(answer: Answer) -> Mutated | None:
    doc = answer.doc
    for key in ("workflow_id", "config_id", "search_id", "request_id"):
        if isinstance(doc, dict) and key in doc:
            raw = legacy_encode({**doc, key: 12})
            return answer.observation("graph", body=raw), (key, Kind.SHAPE, Layer.SEMANTIC)
    return None


MUTATIONS: dict[str, Callable[[Answer], Mutated | None]] = {
    "key_reordered": body_mutation(
        lambda d: _first(d, lambda p, v: isinstance(v, dict) and len(v) >= 2),
        _reorder, Kind.KEY_ORDER, Layer.FORMAT),
    "int_to_float": body_mutation(
        lambda d: _first(d, lambda p, v: _is_int(v)),
        lambda d, p: _set(d, p, float(_get(d, p))), Kind.TYPE_CHANGED, Layer.FORMAT),
    "float_precision": body_mutation(
        lambda d: _first(d, lambda p, v: _looks_decimal(v)),
        lambda d, p: _set(d, p, _precision(_get(d, p))), Kind.VALUE_CHANGED, Layer.SEMANTIC),
    "null_to_missing": body_mutation(
        lambda d: _first(d, lambda p, v: v is None and isinstance(p[-1], str)),
        _drop_key, Kind.MISSING, Layer.FORMAT),
    "empty_list_vs_null": body_mutation(
        lambda d: _first(d, lambda p, v: v is None or v == []),
        lambda d, p: _set(d, p, [] if _get(d, p) is None else None),
        Kind.TYPE_CHANGED, Layer.FORMAT),
    "extra_field": body_mutation(
        lambda d: ("graph_only",) if isinstance(d, dict) else None,
        lambda d, p: {**d, "graph_only": "x"}, Kind.EXTRA, Layer.SEMANTIC),
    "list_reordered": body_mutation(
        lambda d: _first(d, lambda p, v: _distinct_list(v)),
        lambda d, p: _set(d, p, list(reversed(_get(d, p)))), Kind.LIST_ORDER, Layer.SEMANTIC),
    "string_case": body_mutation(
        lambda d: _first(d, lambda p, v: isinstance(v, str) and v.swapcase() != v),
        lambda d, p: _set(d, p, _get(d, p).swapcase()), Kind.VALUE_CHANGED, Layer.SEMANTIC),
    "nested_type_change": body_mutation(
        lambda d: _first(d, lambda p, v: isinstance(v, dict) and len(p) >= 2 and v),
        lambda d, p: _set(d, p, list(_get(d, p).values())), Kind.TYPE_CHANGED, Layer.SEMANTIC),
    "number_to_string": body_mutation(
        lambda d: _first(d, lambda p, v: _is_int(v)),
        lambda d, p: _set(d, p, str(_get(d, p))), Kind.TYPE_CHANGED, Layer.FORMAT),
    "status_code": status_code,
    "content_type": content_type,
    "dropped_list_element": body_mutation(
        lambda d: _first(d, lambda p, v: _distinct_list(v, 3)),
        _drop_second, Kind.MISSING, Layer.SEMANTIC, at=lambda p: (*p, 1)),
    "unicode_escaping": unicode_escaping,
    "number_spelling": number_spelling,
    "missing_value": body_mutation(
        lambda d: _first(d, lambda p, v: isinstance(p[-1], str) and v is not None
                         and v != [] and v != "" and v != {}),
        _drop_key, Kind.MISSING, Layer.SEMANTIC),
    "volatile_shape": volatile_shape,
}
# Classes the real legacy answers may not offer (legacy prints no JSON floats).
SYNTHETIC_ONLY = {"number_spelling"}


def _synthetic() -> list[Answer]:
    body = workflow_body()
    body["search_results"]["results"][0]["relevance"] = 0.8125
    return [Answer("in-process workflow", 200, (("content-type", "application/json"),),
                   legacy_encode(body))]


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_every_mutation_class_is_flagged_at_the_right_layer_kind_and_path(
    name: str, answers: list[Answer]
) -> None:
    comparator = Comparator(LEGACY_RULES)
    applied = 0
    for answer in [*answers, *_synthetic()]:
        mutated = MUTATIONS[name](answer)
        if mutated is None:
            continue
        graph, expected = mutated
        verdict = comparator.compare(answer.observation(), graph)
        assert verdict.outcome is Outcome.MISMATCH, (name, answer.name)
        assert verdict.layer is expected[2], (name, answer.name, verdict.mismatches)
        found = [(m.path, m.kind, m.layer) for m in verdict.mismatches]
        assert found == [expected], (name, answer.name)
        applied += 1
    real = sum(MUTATIONS[name](a) is not None for a in answers)
    assert applied >= 1
    assert name in SYNTHETIC_ONLY or real >= 1, f"{name} never applied to a real answer"


def test_there_are_at_least_twelve_mutation_classes() -> None:
    assert len(MUTATIONS) >= 12
