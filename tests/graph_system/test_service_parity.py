"""The two services, really running on loopback, answer every request alike: the bundled
sample recording and a few hundred generated requests (every endpoint, bad input too).

Both run the ``fast`` profile with injected faults off (``SHADOW_FAULTS=0``, set by the
session fixtures). Bodies are compared after removing the volatile paths listed in
harness.toml's [parity] section, as orjson bytes without key sorting (so key order, int vs
float and null vs missing count), and as raw bytes with the volatile values masked (so
spacing and string escaping count too).
"""

from __future__ import annotations

import asyncio
import random
import re
import tomllib
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest

ROOT = Path(__file__).resolve().parents[2]
CORPUS = orjson.loads((ROOT / "corpus" / "corpus.json").read_bytes())
WORDS = sorted({w for d in CORPUS["domains"] for w in d["keywords"]}
               | {e["name"] for d in CORPUS["domains"] for e in d["entities"]})
ODD = ["the", "über", "日本語", "naïve", "ß", "😀", "\u2028", "emoji😀mix", "x" * 40, "12345",
       "'quotes'", '"double"', "back\\slash", "tab\tbed", "ẞig"]


def volatile_paths() -> list[str]:
    rules = tomllib.loads((ROOT / "harness.toml").read_text(encoding="utf-8"))["parity"]
    return [v["path"] for v in rules["volatile"]] + list(rules.get("ignore", []))


def without(body: Any, paths: list[str]) -> Any:
    for path in paths:
        *parents, leaf = path.split(".")
        node = body
        for part in parents:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(leaf, None)
    return body


def masker(paths: list[str]) -> re.Pattern[bytes]:
    keys = "|".join(sorted({re.escape(p.split(".")[-1]) for p in paths}))
    return re.compile(rb'"(' + keys.encode() + rb')": ("[^"]*"|-?\d+|true|false|null)')


def text(rng: random.Random, words: int) -> str:
    pool = WORDS if rng.random() < 0.8 else WORDS + ODD
    return " ".join(rng.choice(pool) for _ in range(words))


def generated(count: int, seed: int = 20250803) -> list[tuple[str, str, bytes]]:
    """(method, path, body) covering every endpoint, valid and not."""
    rng = random.Random(seed)
    fixed = [
        ("GET", "/health", b""),
        ("POST", "/api/v1/workflow", orjson.dumps({"content": ""})),
        ("POST", "/api/v1/workflow", orjson.dumps({"content": text(rng, 30000)})),
        ("POST", "/api/v1/workflow", orjson.dumps({"content": " ".join(ODD)})),
        ("POST", "/api/v1/search", orjson.dumps({"query": "bond", "domain": "atlantis"})),
        ("POST", "/api/v1/search", orjson.dumps({"query": "", "modalities": ["graph"]})),
        ("POST", "/api/v1/config/extract", orjson.dumps({"content": "weather today"})),
        ("POST", "/api/v1/workflow", b'{"content": "x", "max_results": 0}'),
        ("POST", "/api/v1/workflow", b'{"content": 12}'),
        ("POST", "/api/v1/search", b'{"query": "x", "modalities": ["sonar"]}'),
        ("POST", "/api/v1/search", b"[1, 2]"),
        ("POST", "/api/v1/config/extract", b"{broken"),
        ("POST", "/api/v1/workflow", b'{"content": "' + b"a" * 300_000 + b'"}'),
        ("GET", "/api/v1/workflow", b""),
        ("GET", "/no/such/route", b""),
        ("PUT", "/health", b""),
    ]
    requests = list(fixed)
    while len(requests) < count:
        kind = rng.random()
        words = rng.choice([0, 1, 3, 8, 20, 60])
        if kind < 0.4:
            body: dict[str, Any] = {"content": text(rng, words),
                                    "max_results": rng.randint(1, 50)}
            if rng.random() < 0.3:
                body["domain_hint"] = rng.choice(["medical", "LEGAL ", "astrology", "", None])
            if rng.random() < 0.2:
                body["user_id"] = f"user-{rng.randint(1, 99)}"
            requests.append(("POST", "/api/v1/workflow", orjson.dumps(body)))
        elif kind < 0.75:
            body = {"query": text(rng, words), "top_k": rng.randint(1, 50)}
            if rng.random() < 0.4:
                body["domain"] = rng.choice(["finance", "Energy", "atlantis", "", None])
            if rng.random() < 0.4:
                body["modalities"] = rng.sample(["vector", "graph", "keyword"],
                                                rng.randint(1, 3))
            requests.append(("POST", "/api/v1/search", orjson.dumps(body)))
        elif kind < 0.95:
            body = {"content": text(rng, words)}
            if rng.random() < 0.3:
                body["domain_hint"] = rng.choice(["retail", "nowhere"])
            requests.append(("POST", "/api/v1/config/extract", orjson.dumps(body)))
        else:
            requests.append(("GET", "/health", b""))
    return requests


async def answers(base: str, requests: list[tuple[str, str, bytes]]
                  ) -> list[tuple[int, bytes]]:
    limit = asyncio.Semaphore(64)  # the fast profile's requests mostly wait: keep many in flight
    async with aiohttp.ClientSession() as session:
        async def one(method: str, path: str, body: bytes) -> tuple[int, bytes]:
            async with limit, session.request(
                    method, base + path, data=body or None,
                    headers={"content-type": "application/json"}) as response:
                return response.status, await response.read()

        return await asyncio.gather(*(one(*r) for r in requests))


def recorded(limit: int) -> list[tuple[str, str, bytes]]:
    from harness.recording import Recording

    sample = ROOT / "recordings" / "sample.jsonl.gz"
    return [(r.method, r.path, r.body_bytes) for r in Recording(sample, limit=limit)]


def compare(requests: list[tuple[str, str, bytes]], legacy_url: str, graph_url: str
            ) -> tuple[list[tuple], set[int]]:
    legacy = asyncio.run(answers(legacy_url, requests))
    graph = asyncio.run(answers(graph_url, requests))
    paths = volatile_paths()
    mask = masker(paths)
    differences = []
    statuses = set()
    for (method, path, body), (ls, lb), (gs, gb) in zip(requests, legacy, graph, strict=True):
        statuses.add(ls)
        same_parsed = orjson.dumps(without(orjson.loads(lb), paths)) == orjson.dumps(
            without(orjson.loads(gb), paths))
        same_raw = mask.sub(rb'"\1": null', lb) == mask.sub(rb'"\1": null', gb)
        if ls != gs or not same_parsed or not same_raw:
            differences.append((method, path, body[:200], ls, gs, lb[:400], gb[:400]))
    return differences, statuses


@pytest.mark.slow
def test_legacy_and_graph_answer_every_generated_request_alike(legacy_url: str,
                                                               graph_url: str) -> None:
    differences, statuses = compare(generated(400), legacy_url, graph_url)
    assert differences == []
    assert statuses == {200, 400, 404, 405, 413, 422}  # every kind of answer was compared


@pytest.mark.slow
def test_legacy_and_graph_answer_the_sample_recording_alike(legacy_url: str,
                                                            graph_url: str) -> None:
    requests = recorded(600)
    differences, statuses = compare(requests, legacy_url, graph_url)
    assert len(requests) == 600
    assert differences == []
    assert 200 in statuses
