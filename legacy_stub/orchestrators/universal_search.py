"""universal_search/orchestrator: vector, graph and keyword search, one after the other,
fused by reciprocal rank."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from legacy_stub.knowledge import MAX_QUERY_TERMS, KnowledgeBase, tokenize
from legacy_stub.models import MODALITIES
from legacy_stub.orchestrators.base import Orchestrator

RRF_K = 60


class UniversalSearchOrchestrator(Orchestrator):
    name = "universal_search"

    async def search(self, query: str, domain: str | None, top_k: int,
                     modalities: list[str]) -> dict[str, Any]:
        await self.ctx.latency.work("search", self.ctx.size)
        return run_search(self.ctx.knowledge, query, domain, top_k, modalities)


def _query_terms(kb: KnowledgeBase, tokens: list[str]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for token in tokens:
        if token in kb.stopwords:
            continue
        if token in counts or len(counts) < MAX_QUERY_TERMS:
            counts[token] += 1
    return counts


def _ranked(kb: KnowledgeBase, scored: dict[int, float], depth: int) -> list[tuple[int, float]]:
    order = kb.id_order
    best = sorted([(-score, order[index], index) for index, score in scored.items()])[:depth]
    return [(index, -negated) for negated, _rank, index in best]


def run_search(kb: KnowledgeBase, query: str, domain: str | None, top_k: int,
               modalities: list[str]) -> dict[str, Any]:
    tokens = tokenize(query)
    wanted = (domain or "").strip().lower() or None
    docs = kb.documents

    def allowed(index: int) -> bool:
        return docs[index]["domain"] == wanted

    if wanted is None:
        def allowed(index: int) -> bool:
            return True

    selected = [m for m in MODALITIES if m in modalities]
    depth = top_k * 2
    q_tf = _query_terms(kb, tokens)
    lists: dict[str, list[tuple[int, float]]] = {}

    if "vector" in selected:
        dots: dict[int, int] = {}
        for term, count in q_tf.items():
            for index, tf in kb.postings.get(term, ()):
                if allowed(index):
                    dots[index] = dots.get(index, 0) + count * tf
        q_norm = math.sqrt(sum(c * c for c in q_tf.values()))
        lists["vector"] = _ranked(
            kb, {i: dot / (q_norm * docs[i]["norm"]) for i, dot in dots.items()}, depth)

    if "keyword" in selected:
        idf_total = 0
        sums: dict[int, int] = {}
        for term in q_tf:
            if term not in kb.idf_milli:
                continue
            idf_total += kb.idf_milli[term]
            for index, _tf in kb.postings.get(term, ()):
                if allowed(index):
                    sums[index] = sums.get(index, 0) + kb.idf_milli[term]
        lists["keyword"] = _ranked(kb, {i: s / idf_total for i, s in sums.items()}, depth)

    if "graph" in selected:
        names = {m[0] for m in kb.mentions(tokens)}
        scores: dict[int, float] = {}
        if names:
            around: set[str] = set()
            for name in names:
                around |= kb.neighbours.get(name, set())
            around -= names
            denominator = 2 * len(names) + len(around)
            for index, doc in enumerate(docs):
                direct = len(doc["entities"] & names)
                if direct and allowed(index):
                    indirect = len(doc["entities"] & around)
                    scores[index] = (2 * direct + indirect) / denominator
        lists["graph"] = _ranked(kb, scores, depth)

    ranks = {m: {index: rank for rank, (index, _s) in enumerate(lists[m], start=1)}
             for m in selected}
    found: set[int] = set()
    for m in selected:
        found.update(ranks[m])
    fused: dict[int, float] = {}
    for index in found:
        total = 0.0
        for m in selected:
            if index in ranks[m]:
                total += 1.0 / (RRF_K + ranks[m][index])
        fused[index] = total / (len(selected) / (RRF_K + 1.0))
    by_modality = {m: dict(lists[m]) for m in selected}
    results = []
    for index, value in _ranked(kb, fused, top_k):
        per_modality = {m: by_modality[m].get(index) if m in by_modality else None
                        for m in MODALITIES}
        results.append({
            "doc_id": docs[index]["id"], "title": docs[index]["title"],
            "domain": docs[index]["domain"], "score": value,
            "sources": [m for m in selected if index in ranks[m]],
            "modality_scores": per_modality, "snippet": docs[index]["snippet"],
        })
    return {"query": query, "domain": wanted, "total_found": len(found), "results": results,
            "modalities": selected, "counts": {m: len(lists[m]) for m in selected}}
