"""Domain intelligence agent: which domain a text belongs to, how sure, and why."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from graph_system.agents.pacing import Pacer
from graph_system.knowledge import CorpusIndex
from graph_system.models import GENERAL_DOMAIN, DomainConfig

KEYWORD_LIMIT = 10
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class AgentRun(Generic[T]):
    """An agent's output and the modelled seconds the call took."""

    output: T
    spent_s: float


class DomainIntelligenceAgent:
    """Initialized once per process: the corpus index is its only knowledge."""

    def __init__(self, index: CorpusIndex, pacer: Pacer) -> None:
        self.index = index
        self.pacer = pacer

    async def run(self, text: str, domain_hint: str | None, size: float
                  ) -> AgentRun[DomainConfig]:
        spent = await self.pacer.spend("domain_intelligence", size)
        return AgentRun(self.analyze(text, domain_hint), spent)

    def analyze(self, text: str, domain_hint: str | None) -> DomainConfig:
        index = self.index
        reading = index.read(text)
        tokens = reading.tokens
        signals = dict.fromkeys(index.domain_names, 0)
        for token in tokens:
            for domain in index.domains_of_keyword.get(token, ()):
                signals[domain] += 1
        for mention in reading.mentions:
            signals[mention.domain] += 1
        total = sum(signals.values())
        hint = (domain_hint or "").strip().lower()
        if hint in signals:
            chosen = hint
        elif total:
            best = max(signals.values())
            chosen = next(d for d in index.domain_names if signals[d] == best)
        else:
            chosen = GENERAL_DOMAIN
        hits = signals.get(chosen, 0)
        return DomainConfig(
            domain=chosen,
            confidence=hits / total if total else 0.0,
            domain_signals=hits,
            total_signals=total,
            keywords=self._keywords(tokens, chosen),
            token_count=len(tokens),
        )

    def _keywords(self, tokens: tuple[str, ...], domain: str) -> list[str]:
        vocabulary = self.index.keywords_of.get(domain)
        if not vocabulary:
            return []
        tally: dict[str, list[int]] = {}  # keyword -> [count, first position]
        for position, token in enumerate(tokens):
            if token in vocabulary:
                entry = tally.setdefault(token, [0, position])
                entry[0] += 1
        ranked = sorted(tally.items(), key=lambda item: (-item[1][0], item[1][1]))
        return [word for word, _ in ranked[:KEYWORD_LIMIT]]
