"""The protocol layer: status code, content type and headers by rule.

Header rules (``[parity.headers]``): ``ignore``, ``compare`` (exact text) or ``normalize``
(case, spacing and parameter order do not matter: ``application/json;charset=UTF-8`` equals
``application/json; charset=utf-8``). The content type is compared unless a rule says otherwise;
other headers only when named, or all of them with ``compare_headers = true``.
"""

from __future__ import annotations

from harness.observation import Observation
from harness.parity.rules import IGNORE, CompiledRules
from harness.verdict import Kind, Layer, Mismatch

STATUS_PATH = "@status"
HEADER_PREFIX = "@header."


def normalize_header(value: str) -> str:
    head, *params = (part.strip() for part in value.split(";"))
    cleaned = sorted(" ".join(p.split()).lower().replace(" =", "=").replace("= ", "=")
                     for p in params if p)
    return ";".join([" ".join(head.split()).lower(), *cleaned])


def _values(obs: Observation, name: str) -> str | None:
    found = [v for k, v in obs.headers if k == name]
    return ", ".join(found) if found else None


def _header_names(legacy: Observation, graph: Observation, rules: CompiledRules) -> list[str]:
    names = [n for n, rule in rules.headers.items() if rule != IGNORE and n != "content-type"]
    if rules.rules.compare_headers:
        seen = set(names)
        for obs in (legacy, graph):
            for name, _ in obs.headers:
                if name not in seen and name not in rules.headers and name != "content-type":
                    seen.add(name)
                    names.append(name)
    return names


def protocol_mismatches(
    legacy: Observation, graph: Observation, rules: CompiledRules
) -> list[Mismatch]:
    out: list[Mismatch] = []
    critical = rules.critical_headers
    if legacy.status != graph.status:
        out.append(Mismatch(STATUS_PATH, Kind.STATUS, Layer.PROTOCOL, legacy.status,
                            graph.status, critical=STATUS_PATH in critical))
    checks = [("content-type", Kind.CONTENT_TYPE)]
    checks += [(name, Kind.HEADER) for name in _header_names(legacy, graph, rules)]
    for name, kind in checks:
        rule = rules.headers.get(name, "compare")
        if rule == IGNORE:
            continue
        a, b = _values(legacy, name), _values(graph, name)
        if a == b or (rule == "normalize" and a is not None and b is not None
                       and normalize_header(a) == normalize_header(b)):
            continue
        path = HEADER_PREFIX + name
        out.append(Mismatch(path, kind, Layer.PROTOCOL, a, b, critical=path in critical))
    return out
