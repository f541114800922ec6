"""universal_search/orchestrator: vector, graph and keyword search, one after the other,
fused by reciprocal rank."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import numpy as np

from legacy_stub.knowledge import MAX_QUERY_TERMS, KnowledgeBase, tokenize
from legacy_stub.models import MODALITIES
from legacy_stub.orchestrators.base import Orchestrator

RRF_K = 60


class UniversalSearchOrchestrator(Orchestrator):
    name = "universal_search"

    async def search(self, query: str, domain: str | None, top_k: int,
                     modalities: list[str]) -> dict[str, Any]:
        self.ctx.work("search")
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


def _top(kb: KnowledgeBase, candidates: np.ndarray, scores: np.ndarray, depth: int
         ) -> list[tuple[int, float]]:
    """The ``depth`` best candidates, best first, ties by document id."""
    best = np.lexsort((kb.id_order_array[candidates], -scores))[:depth]
    return list(zip(candidates[best].tolist(), scores[best].tolist(), strict=True))


def _row_sum(matrix: np.ndarray, rows: list[int], weights: list[int] | None = None
             ) -> np.ndarray:
    if not rows:
        return np.zeros(matrix.shape[1], dtype=np.int64)
    if weights is None:
        return matrix[rows].sum(axis=0)
    return np.array(weights, dtype=np.int64) @ matrix[rows]


def run_search(kb: KnowledgeBase, query: str, domain: str | None, top_k: int,
               modalities: list[str]) -> dict[str, Any]:
    tokens = tokenize(query)
    wanted = (domain or "").strip().lower() or None
    docs = kb.documents
    if wanted is None:
        allowed = np.ones(len(docs), dtype=bool)
    else:
        allowed = kb.in_domain.get(wanted, np.zeros(len(docs), dtype=bool))

    selected = [m for m in MODALITIES if m in modalities]
    depth = top_k * 2
    q_tf = _query_terms(kb, tokens)
    known = [t for t in q_tf if t in kb.term_row]
    rows = [kb.term_row[t] for t in known]
    lists: dict[str, list[tuple[int, float]]] = {}

    if "vector" in selected:
        dots = _row_sum(kb.term_counts, rows, [q_tf[t] for t in known])
        hit = np.flatnonzero((dots > 0) & allowed)
        q_norm = math.sqrt(sum(c * c for c in q_tf.values()))
        lists["vector"] = _top(kb, hit, dots[hit] / (q_norm * kb.norms[hit]), depth)

    if "keyword" in selected:
        idf_total = sum(kb.idf_milli[t] for t in known)
        sums = _row_sum(kb.term_present, rows, [kb.idf_milli[t] for t in known])
        hit = np.flatnonzero((sums > 0) & allowed)
        lists["keyword"] = _top(kb, hit, sums[hit] / max(idf_total, 1), depth)

    if "graph" in selected:
        names = {m[0] for m in kb.mentions(tokens)}
        around: set[str] = set()
        for name in names:
            around |= kb.neighbours.get(name, set())
        around -= names
        denominator = 2 * len(names) + len(around)
        direct = _row_sum(kb.entity_docs, [kb.entity_row[n] for n in names
                                           if n in kb.entity_row])
        indirect = _row_sum(kb.entity_docs, [kb.entity_row[n] for n in around
                                             if n in kb.entity_row])
        hit = np.flatnonzero((direct > 0) & allowed)
        lists["graph"] = _top(kb, hit, (2 * direct[hit] + indirect[hit]) / max(denominator, 1),
                              depth)

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
