"""Universal search agent: vector, graph and keyword retrieval over the corpus index, and the
reciprocal-rank fusion of whichever of them ran. Each modality is its own call so that the
search graph can run them in parallel."""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass

from graph_system.agents.domain_intelligence import AgentRun
from graph_system.agents.pacing import Pacer
from graph_system.knowledge import QUERY_TERM_LIMIT, CorpusIndex, tokens_of
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

    def plan(self, query: str, domain: str | None, top_k: int,
             modalities: list[Modality] | tuple[Modality, ...]) -> QueryPlan:
        tokens = tokens_of(query)
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
            entity_names=frozenset(m.name for m in self.index.find_mentions(tokens)),
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
        scores = scorer[modality](plan)
        return ModalityHits(modality=modality, ranked=self._top(scores, plan.depth))

    def _postings(self, plan: QueryPlan) -> dict[str, tuple[tuple[int, int], ...]]:
        if plan.domain is None:
            return self.index.postings
        return self.index.domain_postings.get(plan.domain, {})  # unknown domain: nothing

    def _top(self, scores: dict[int, float], limit: int) -> list[tuple[int, float]]:
        """Best first, ties by document id; tuples sort in C, a key function would not."""
        id_rank = self.index.id_rank
        ordered = sorted([(-value, id_rank[n], n) for n, value in scores.items()])
        return [(n, -negated) for negated, _rank, n in ordered[:limit]]

    def _vector(self, plan: QueryPlan) -> dict[int, float]:
        postings = self._postings(plan)
        products: dict[int, int] = {}
        for term, weight in plan.term_counts.items():
            for number, count in postings.get(term, ()):
                products[number] = products.get(number, 0) + weight * count
        if not products:
            return {}
        query_norm = math.sqrt(sum(w * w for w in plan.term_counts.values()))
        documents = self.index.documents
        return {n: dot / (query_norm * documents[n].norm) for n, dot in products.items()}

    def _keyword(self, plan: QueryPlan) -> dict[int, float]:
        """Share of the query's idf mass (integer thousandths) that a document contains."""
        postings = self._postings(plan)
        idf = self.index.idf_milli
        mass = 0
        matched: dict[int, int] = {}
        for term in plan.term_counts:
            weight = idf.get(term)
            if weight is None:
                continue
            mass += weight
            for number, _count in postings.get(term, ()):
                matched[number] = matched.get(number, 0) + weight
        return {n: value / mass for n, value in matched.items()}

    def _graph(self, plan: QueryPlan) -> dict[int, float]:
        names = plan.entity_names
        if not names:
            return {}
        nearby: set[str] = set()
        for name in names:
            nearby.update(self.index.related.get(name, ()))
        nearby -= names
        denominator = 2 * len(names) + len(nearby)
        bit = self.index.entity_bit
        wanted = 0
        candidates: set[int] = set()
        for name in names:
            wanted |= bit[name]
            candidates.update(self.index.entity_postings.get(name, ()))
        around = 0
        for name in nearby:
            around |= bit[name]
        documents = self.index.documents
        scores: dict[int, float] = {}
        for number in candidates:
            document = documents[number]
            if plan.domain is not None and document.domain != plan.domain:
                continue
            mask = document.entity_mask
            scores[number] = (2 * (mask & wanted).bit_count() + (mask & around).bit_count()
                              ) / denominator
        return scores

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
        for number, value in self._top(fused, plan.top_k):
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
