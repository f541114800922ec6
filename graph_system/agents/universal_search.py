"""Universal search agent: vector, graph and keyword retrieval over the corpus index, and the
reciprocal-rank fusion of whichever of them ran. Each modality is its own call so that the
search graph can run them in parallel."""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass

import numpy as np

from graph_system.agents.domain_intelligence import AgentRun
from graph_system.agents.pacing import Pacer
from graph_system.knowledge import QUERY_TERM_LIMIT, CorpusIndex
from graph_system.models import MODALITIES, Modality, ModalityHits, SearchHit, SearchResults

FUSION_K = 60  # the usual reciprocal-rank-fusion constant


@dataclass(frozen=True, slots=True)
class QueryPlan:
    """A search request, analyzed once and shared by the three modalities."""

    query: str
    domain: str | None
    top_k: int
    modalities: tuple[Modality, ...]
    term_counts: dict[str, int]
    entity_names: frozenset[str]

    @property
    def depth(self) -> int:
        return self.top_k * 2


class UniversalSearchAgent:
    def __init__(self, index: CorpusIndex, pacer: Pacer) -> None:
        self.index = index
        self.pacer = pacer
        self._id_rank: list[int] = index.id_rank.tolist()  # fusion sorts plain tuples

    def plan(self, query: str, domain: str | None, top_k: int,
             modalities: list[Modality] | tuple[Modality, ...]) -> QueryPlan:
        reading = self.index.read(query)
        tokens = reading.tokens
        counts: dict[str, int] = {}
        for token in tokens:
            if token in self.index.stopwords:
                continue
            if token in counts:
                counts[token] += 1
            elif len(counts) < QUERY_TERM_LIMIT:
                counts[token] = 1
        return QueryPlan(
            query=query,
            domain=(domain or "").strip().lower() or None,
            top_k=top_k,
            modalities=tuple(m for m in MODALITIES if m in modalities),
            term_counts=counts,
            entity_names=frozenset(m.name for m in reading.mentions),
        )

    async def understand(self, query: str, domain: str | None, top_k: int,
                         modalities: list[Modality] | tuple[Modality, ...], size: float
                         ) -> AgentRun[QueryPlan]:
        """Query understanding for a standalone search (embedding, entity linking): in a
        workflow the earlier nodes have already done this work."""
        spent = await self.pacer.spend("query_analysis", size)
        return AgentRun(self.plan(query, domain, top_k, modalities), spent)

    async def retrieve(self, plan: QueryPlan, modality: Modality, size: float
                       ) -> AgentRun[ModalityHits]:
        if modality not in plan.modalities:
            return AgentRun(ModalityHits(modality=modality, skipped=True), 0.0)
        spent = await self.pacer.spend(f"{modality}_search", size)
        return AgentRun(self.rank(plan, modality), spent)

    async def fuse(self, plan: QueryPlan, hits: list[ModalityHits], size: float
                   ) -> AgentRun[SearchResults]:
        spent = await self.pacer.spend("fusion", size)
        return AgentRun(self.combine(plan, hits), spent)

    async def search(self, plan: QueryPlan, size: float) -> AgentRun[SearchResults]:
        """All selected modalities side by side, then fusion: what the workflow's SearchData
        node asks for. (The search endpoint runs the same calls as SearchWorkflowGraph.)"""
        runs = await asyncio.gather(*(self.retrieve(plan, m, size) for m in MODALITIES))
        fused = await self.fuse(plan, [r.output for r in runs], size)
        return AgentRun(fused.output, max(r.spent_s for r in runs) + fused.spent_s)

    # -- retrieval ------------------------------------------------------------------------

    def rank(self, plan: QueryPlan, modality: Modality) -> ModalityHits:
        scorer = {"vector": self._vector, "graph": self._graph, "keyword": self._keyword}
        numbers, scores = scorer[modality](plan)
        return ModalityHits(modality=modality, ranked=self._top(numbers, scores, plan.depth))

    def _allowed(self, plan: QueryPlan) -> np.ndarray:
        if plan.domain is None:
            return self.index.everyone
        return self.index.domain_members.get(plan.domain, self.index.no_one)  # unknown: none

    def _top(self, numbers: np.ndarray, scores: np.ndarray, limit: int
             ) -> list[tuple[int, float]]:
        """Best first, ties by document id."""
        best = np.lexsort((self.index.id_rank[numbers], -scores))[:limit]
        return list(zip(numbers[best].tolist(), scores[best].tolist(), strict=True))

    @staticmethod
    def _rows_sum(matrix: np.ndarray, rows: list[int], weights: list[int]) -> np.ndarray:
        if not rows:
            return np.zeros(matrix.shape[1], dtype=np.int64)
        return np.asarray(weights, dtype=np.int64) @ matrix[rows]

    def _known_terms(self, plan: QueryPlan) -> list[str]:
        index = self.index.term_index
        return [term for term in plan.term_counts if term in index]

    def _vector(self, plan: QueryPlan) -> tuple[np.ndarray, np.ndarray]:
        terms = self._known_terms(plan)
        products = self._rows_sum(self.index.term_matrix,
                                  [self.index.term_index[t] for t in terms],
                                  [plan.term_counts[t] for t in terms])
        numbers = np.flatnonzero((products > 0) & self._allowed(plan))
        query_norm = math.sqrt(sum(w * w for w in plan.term_counts.values()))
        return numbers, products[numbers] / (query_norm * self.index.norm_vector[numbers])

    def _keyword(self, plan: QueryPlan) -> tuple[np.ndarray, np.ndarray]:
        """Share of the query's idf mass (integer thousandths) that a document contains."""
        terms = self._known_terms(plan)
        weights = [self.index.idf_milli[t] for t in terms]
        matched = self._rows_sum(self.index.term_presence,
                                 [self.index.term_index[t] for t in terms], weights)
        numbers = np.flatnonzero((matched > 0) & self._allowed(plan))
        return numbers, matched[numbers] / max(sum(weights), 1)

    def _graph(self, plan: QueryPlan) -> tuple[np.ndarray, np.ndarray]:
        names = plan.entity_names
        nearby: set[str] = set()
        for name in names:
            nearby.update(self.index.related.get(name, ()))
        nearby -= names
        denominator = max(2 * len(names) + len(nearby), 1)
        rows = self.index.entity_index
        wanted = [rows[n] for n in names if n in rows]
        around = [rows[n] for n in nearby if n in rows]
        matrix = self.index.entity_matrix
        direct = self._rows_sum(matrix, wanted, [1] * len(wanted))
        indirect = self._rows_sum(matrix, around, [1] * len(around))
        numbers = np.flatnonzero((direct > 0) & self._allowed(plan))
        return numbers, (2 * direct[numbers] + indirect[numbers]) / denominator

    # -- fusion ---------------------------------------------------------------------------

    def combine(self, plan: QueryPlan, hits: list[ModalityHits]) -> SearchResults:
        by_modality = {h.modality: h for h in hits if not h.skipped}
        used = [m for m in plan.modalities if m in by_modality]
        positions = {m: {n: r for r, (n, _s) in enumerate(by_modality[m].ranked, start=1)}
                     for m in used}
        scores = {m: dict(by_modality[m].ranked) for m in used}
        pool: set[int] = set()
        for m in used:
            pool.update(positions[m])
        fused: dict[int, float] = {}
        for number in pool:
            value = 0.0
            for m in used:
                rank = positions[m].get(number)
                if rank is not None:
                    value += 1.0 / (FUSION_K + rank)
            fused[number] = value / (len(used) / (FUSION_K + 1.0))
        documents = self.index.documents
        results = []
        id_rank = self._id_rank
        ordered = sorted([(-value, id_rank[n], n) for n, value in fused.items()])
        for negated, _rank, number in ordered[:plan.top_k]:
            value = -negated
            document = documents[number]
            results.append(SearchHit(
                doc_id=document.doc_id, title=document.title, domain=document.domain,
                score=value,
                sources=[m for m in used if number in positions[m]],
                modality_scores={m: scores[m].get(number) if m in scores else None
                                 for m in MODALITIES},
                snippet=document.snippet,
            ))
        return SearchResults(
            query=plan.query, domain=plan.domain, modalities=list(plan.modalities),
            total_found=len(pool), counts={m: len(by_modality[m].ranked) for m in used},
            hits=results,
        )
