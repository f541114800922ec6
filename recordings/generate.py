#!/usr/bin/env python3
"""Generate the bundled sample recording: production-like requests, seeded and reproducible.

    python recordings/generate.py                       # writes recordings/sample.jsonl.gz
    python recordings/generate.py --count 20000 --seed 7 --out /tmp/big.jsonl.gz

Only the standard library is used, so the file can be regenerated anywhere; the same seed and
count give the same bytes (the gzip header carries no time or name). How the traffic is shaped
is described in recordings/README.md.
"""

from __future__ import annotations

import argparse
import bisect
import gzip
import json
import math
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "sample.jsonl.gz"
DEFAULT_SEED = 20250811
DEFAULT_COUNT = 6000
# Day 8 of the plan (Monday 11 August 2025, 00:00 UTC): the day the first 10 % step is judged.
DAY_START = 1754870400.0
DAY_S = 86400.0

ENDPOINT_WEIGHTS = {"workflow": 55, "search": 30, "config_extraction": 12, "health": 3}
PATHS = {
    "workflow": "/api/v1/workflow",
    "search": "/api/v1/search",
    "config_extraction": "/api/v1/config/extract",
    "health": "/health",
}
MODALITIES = ("vector", "graph", "keyword")

CORPUS = HERE.parent / "corpus" / "corpus.json"
# Document kinds per domain of the services' corpus; terms come from the corpus itself so the
# services find what the requests talk about, as production traffic would.
DOC_KINDS: dict[str, list[str]] = {
    "medical": ["clinical note", "lab report", "trial protocol", "claims file", "discharge letter"],
    "finance": ["10-K filing", "earnings call transcript", "loan agreement", "risk report",
                "audit memo"],
    "legal": ["master services agreement", "NDA", "court filing", "lease contract",
              "employment agreement"],
    "engineering": ["incident postmortem", "design doc", "maintenance log", "spec sheet",
                    "runbook"],
    "retail": ["sales dashboard export", "store audit", "promotion plan", "inventory snapshot",
               "customer survey"],
    "energy": ["grid operator report", "plant inspection", "tariff filing", "outage log",
               "capacity plan"],
}
GENERIC_DOCS = ["report", "memo", "case file", "transcript", "ticket"]


def load_domains(path: Path = CORPUS) -> dict[str, dict[str, list[str]]]:
    """Terms (keywords and entity names) and document kinds per corpus domain."""
    try:
        corpus = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SystemExit(f"{path}: corpus not found (its terms feed the recording)") from None
    domains = {}
    for domain in corpus["domains"]:
        terms = list(domain["keywords"]) + [e["name"] for e in domain["entities"]]
        domains[domain["name"]] = {"terms": terms,
                                   "docs": DOC_KINDS.get(domain["name"], GENERIC_DOCS)}
    return domains


# Hints clients really send that no service knows: misspellings, casing, new verticals.
UNKNOWN_DOMAINS = ["astrology", "maritime", "FINANCE", "Health Care", "healthcare", "legal ",
                   "software", "manufacturing", "quantum-biology", "agri_tech", "", "финансы",
                   "医疗"]

TEMPLATES = [
    "Extract the {t1} and the {t2} from the attached {doc}.",
    "Summarize the {doc} focusing on {t1}.",
    "Which sections of the {doc} mention {t1} or {t2}?",
    "Compare {t1} with last quarter and flag any change in {t2}.",
    "Build a configuration for processing {doc} documents about {t1}.",
    "List every {t1} in this {doc} with its page number.",
    "Is the {t2} consistent with the {t1} described in the {doc}?",
]
QUERY_TEMPLATES = ["{t1}", "{t1} {t2}", "what is {t1}", "{t1} in {doc}", "latest {t1} trends",
                   "how to reduce {t1}", "{t1} vs {t2}"]
UNICODE_SAMPLES = [
    "Résumé of the naïve café owner's coöperative — “smart quotes” and ‘apostrophes’",
    "تحليل مخاطر الائتمان للربع الثالث",  # Arabic, right to left
    "בדיקת תאימות של החוזה לתקנות",  # Hebrew, right to left
    "cafe\u0301 vs café: combining acute vs precomposed, Z\u0335a\u0337l\u0334g\u0336o",
    "Revenue up 📈🚀, churn down 📉 — team 👩‍👩‍👧‍👦 celebrates 🎉",
    "数据库迁移计划与回滚步骤",
    "データベース移行計画 🗾 と ロールバック",
    "Ωμέγα κίνδυνος, Δέλτα hedging",
    "mixed LTR and \u202eRTL override\u202c text",
    "tabs\tand\nnewlines\r\nand a backslash \\ and a \"quote\"",
    "zero\u200bwidth\u200cjoiners\u200d and a BOM \ufeff inside",
    "🏳️‍🌈 flag sequences 🇩🇪🇯🇵 and skin tones 👍🏽",
]
CLIENTS = ["web-app/4.12", "mobile-ios/2.3.1", "batch-etl/1.0", "partner-api/2025-06"]


@dataclass(frozen=True, slots=True)
class Zipf:
    """Ranks 0..n-1 drawn with weight 1/(rank+1)^s: a few users and queries dominate."""

    cumulative: tuple[float, ...]

    @classmethod
    def of(cls, n: int, s: float) -> Zipf:
        total, acc = 0.0, []
        for rank in range(n):
            total += 1.0 / (rank + 1) ** s
            acc.append(total)
        return cls(tuple(a / total for a in acc))

    def draw(self, rng: random.Random) -> int:
        return min(bisect.bisect_left(self.cumulative, rng.random()), len(self.cumulative) - 1)


def _rate(t: float) -> float:
    """Relative request rate at second ``t`` of the day: trough near 03:00, peak near 14:00."""
    hour = t / 3600.0
    return 0.15 + 0.85 * (0.5 - 0.5 * math.cos(2 * math.pi * (hour - 3.0) / 24.0)) ** 1.5


def _background_times(rng: random.Random, count: int) -> list[float]:
    # Thinning of a uniform process by the diurnal rate gives a non-homogeneous Poisson process.
    times: list[float] = []
    while len(times) < count:
        t = rng.uniform(0.0, DAY_S)
        if rng.random() < _rate(t):
            times.append(t)
    return times


def _burst_times(rng: random.Random, count: int) -> list[tuple[float, int]]:
    """Bursts (retry storms, batch jobs): tens of requests tens of milliseconds apart.
    Returns (time, burst number) so a burst can share its client and user."""
    out: list[tuple[float, int]] = []
    burst = 0
    while len(out) < count:
        start = _background_times(rng, 1)[0]
        size = min(count - len(out), max(10, int(rng.expovariate(1 / 45))))
        t = start
        for _ in range(size):
            t += rng.expovariate(1 / 0.03)
            out.append((min(t, DAY_S - 0.001), burst))
        burst += 1
    return out


class Vocabulary:
    """Recurring users, queries and contents drawn Zipf-wise from the domain vocabulary."""

    def __init__(self, rng: random.Random, domains: dict[str, dict[str, list[str]]]) -> None:
        self.rng = rng
        self.domains = domains
        self.names = sorted(domains)
        self.users = [f"u-{i:05d}" for i in range(1, 601)]
        self.user_rank = Zipf.of(len(self.users), 1.1)
        self.queries = [self._query() for _ in range(400)]
        self.query_rank = Zipf.of(len(self.queries), 1.05)
        self.contents = [self._content() for _ in range(500)]
        self.content_rank = Zipf.of(len(self.contents), 0.9)

    def domain(self) -> str:
        return self.rng.choice(self.names)

    def _fill(self, template: str, domain: str) -> str:
        words = self.domains[domain]
        t1, t2 = self.rng.sample(words["terms"], 2)
        return template.format(t1=t1, t2=t2, doc=self.rng.choice(words["docs"]))

    def _query(self) -> tuple[str, str]:
        domain = self.domain()
        return domain, self._fill(self.rng.choice(QUERY_TEMPLATES), domain)

    def _content(self) -> tuple[str, str]:
        domain = self.domain()
        sentences = [self._fill(self.rng.choice(TEMPLATES), domain)
                     for _ in range(self.rng.randint(1, 6))]
        return domain, " ".join(sentences)

    def user(self) -> str | None:
        return None if self.rng.random() < 0.15 else self.users[self.user_rank.draw(self.rng)]

    def query(self) -> tuple[str, str]:
        if self.rng.random() < 0.2:
            return self._query()  # a new query, seen once
        return self.queries[self.query_rank.draw(self.rng)]

    def content(self) -> tuple[str, str]:
        if self.rng.random() < 0.35:
            return self._content()
        return self.contents[self.content_rank.draw(self.rng)]

    def long_content(self) -> tuple[str, str]:
        domain = self.domain()
        target = self.rng.randint(50_000, 100_000)
        parts: list[str] = []
        size = 0
        while size < target:
            sentence = self._fill(self.rng.choice(TEMPLATES), domain)
            parts.append(sentence)
            size += len(sentence) + 1
        return domain, " ".join(parts)[:target]

    def hint(self, domain: str) -> str | None:
        roll = self.rng.random()
        if roll < 0.45:
            return None
        if roll < 0.93:
            return domain
        return self.rng.choice(UNKNOWN_DOMAINS)


def _body(endpoint: str, vocab: Vocabulary, rng: random.Random) -> dict[str, Any] | None:
    if endpoint == "health":
        return None
    if endpoint == "search":
        domain, query = vocab.query()
        body: dict[str, Any] = {"query": query}
        # Real clients leave optional fields out as often as they send the defaults.
        if rng.random() < 0.8:
            body["domain"] = vocab.hint(domain)
        if rng.random() < 0.7:
            body["top_k"] = rng.choice([3, 5, 10, 10, 10, 20, 50])
        if rng.random() < 0.6:
            body["modalities"] = sorted(rng.sample(MODALITIES, rng.randint(1, 3)),
                                        key=MODALITIES.index)
        return body
    domain, content = vocab.content()
    if endpoint == "config_extraction":
        return {"content": content, "domain_hint": vocab.hint(domain)}
    body = {"content": content, "user_id": vocab.user(), "domain_hint": vocab.hint(domain)}
    if rng.random() < 0.6:
        body["max_results"] = rng.choice([1, 3, 5, 5, 5, 10, 25, 50])
    return body


# Requests that the services must reject (4xx): still valid recording lines, and their error
# answers must match too.
REJECTED: list[tuple[str, dict[str, Any]]] = [
    ("search", {"query": "basel iii", "top_k": 0}),
    ("search", {"query": "basel iii", "top_k": 51}),
    ("search", {"query": "corrosion", "modalities": ["semantic"]}),
    ("search", {"domain": "finance", "top_k": 5}),
    ("search", {"query": 42}),
    ("workflow", {"content": "Summarize the NDA.", "max_results": 0}),
    ("workflow", {"content": "Summarize the NDA.", "max_results": 100}),
    ("workflow", {"user_id": "u-00001", "domain_hint": "legal"}),
    ("workflow", {"content": 12345, "user_id": "u-00002"}),
    ("workflow", {"content": "List every memory leak.", "max_results": "five"}),
    ("config_extraction", {"content": None, "domain_hint": "software"}),
    ("config_extraction", {"domain_hint": "retail"}),
]


def _edge_case(kind: str, endpoint: str, vocab: Vocabulary, rng: random.Random) -> dict:
    domain = vocab.domain()
    if kind == "long":
        domain, content = vocab.long_content()
        return {"content": content, "domain_hint": domain} | (
            {"user_id": vocab.user()} if endpoint == "workflow" else {})
    if kind == "empty":
        if endpoint == "search":
            return {"query": "", "domain": vocab.hint(domain)}
        return {"content": "", "domain_hint": vocab.hint(domain)} | (
            {"user_id": vocab.user()} if endpoint == "workflow" else {})
    if kind == "unicode":
        text = rng.choice(UNICODE_SAMPLES)
        if endpoint == "search":
            return {"query": text, "domain": vocab.hint(domain), "top_k": 5}
        return {"content": text, "domain_hint": vocab.hint(domain)} | (
            {"user_id": vocab.user()} if endpoint == "workflow" else {})
    assert kind == "unknown_domain"
    hint = rng.choice(UNKNOWN_DOMAINS)
    if endpoint == "search":
        return {"query": vocab.query()[1], "domain": hint}
    return {"content": vocab.content()[1], "domain_hint": hint} | (
        {"user_id": vocab.user()} if endpoint == "workflow" else {})


EDGE_COUNTS = {"long": 8, "empty": 16, "unicode": 60, "unknown_domain": 40}


def generate(count: int = DEFAULT_COUNT, seed: int = DEFAULT_SEED,
             domains: dict[str, dict[str, list[str]]] | None = None) -> Iterator[dict[str, Any]]:
    """The recording's lines, in recorded time order."""
    if count < len(REJECTED) + sum(EDGE_COUNTS.values()) + 10:
        raise ValueError(f"count must leave room for the edge cases, got {count}")
    rng = random.Random(seed)
    vocab = Vocabulary(rng, domains or load_domains())
    n_burst = count * 15 // 100
    stamped = [(t, None) for t in _background_times(rng, count - n_burst)]
    stamped += _burst_times(rng, n_burst)
    stamped.sort(key=lambda item: item[0])

    names = list(ENDPOINT_WEIGHTS)
    weights = list(ENDPOINT_WEIGHTS.values())
    endpoints = rng.choices(names, weights, k=count)
    burst_client: dict[int, tuple[str, str]] = {}
    for index, (_, burst) in enumerate(stamped):
        if burst is not None:
            # A burst is one client hammering one endpoint (a retry storm, a batch job).
            if burst not in burst_client:
                burst_client[burst] = (rng.choice(CLIENTS), rng.choices(names[:3], weights[:3])[0])
            client = burst_client[burst]
            endpoints[index] = client[1]

    special: dict[int, tuple[str, Any]] = {}
    candidates = [i for i, e in enumerate(endpoints) if e != "health"]
    picks = iter(rng.sample(candidates, len(REJECTED) + sum(EDGE_COUNTS.values())))
    for endpoint, body in REJECTED:
        index = next(picks)
        endpoints[index] = endpoint
        special[index] = ("rejected", body)
    for kind, n in EDGE_COUNTS.items():
        for _ in range(n):
            special[next(picks)] = (kind, None)

    for index, ((t, burst), endpoint) in enumerate(zip(stamped, endpoints, strict=True)):
        kind, fixed = special.get(index, (None, None))
        if kind == "rejected":
            body = fixed
        elif kind is not None:
            body = _edge_case(kind, endpoint, vocab, rng)
        else:
            body = _body(endpoint, vocab, rng)
        client = burst_client[burst][0] if burst is not None else rng.choice(CLIENTS)
        headers = {"user-agent": client}
        if body is not None:
            headers["content-type"] = "application/json"
        query = {"probe": "lb"} if endpoint == "health" and rng.random() < 0.5 else {}
        yield {
            "id": f"req-{index + 1:06d}",
            "ts": round(DAY_START + t, 3),
            "method": "GET" if endpoint == "health" else "POST",
            "path": PATHS[endpoint],
            "query": query,
            "headers": headers,
            "body": body,
            "endpoint": endpoint,
        }


def write(path: Path, lines: Iterator[dict[str, Any]]) -> int:
    written = 0
    with path.open("wb") as raw, gzip.GzipFile(
        filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9
    ) as handle:
        for line in lines:
            handle.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")).encode())
            handle.write(b"\n")
            written += 1
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT, help="requests to write")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="output file; gzip-compressed when it ends in .gz")
    args = parser.parse_args(argv)
    lines = generate(args.count, args.seed)
    if args.out.suffix == ".gz":
        written = write(args.out, lines)
    else:
        with args.out.open("w", encoding="utf-8") as handle:
            written = 0
            for line in lines:
                handle.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
                written += 1
    print(f"{args.out}: {written} requests (seed {args.seed})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
