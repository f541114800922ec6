"""The agents' domain logic, called directly (no graph, no latency)."""

from __future__ import annotations

import pytest

from graph_system.agents import Agents, KnowledgeExtractionAgent, Pacer
from graph_system.agents.knowledge_extraction import domain_extraction
from graph_system.knowledge import CorpusIndex
from graph_system.models import MODALITIES
from graph_system.profile import load_graph_profile


@pytest.fixture(scope="module")
def agents() -> Agents:
    pacer = Pacer(load_graph_profile("fast-nofault"))
    pacer.enabled = False
    return Agents.build(CorpusIndex.from_file(), pacer)


@pytest.mark.parametrize(("text", "domain"), [
    ("The patient was given insulin for diabetes", "medical"),
    ("Basel III governs every hedge fund that trades a bond", "finance"),
    ("The district court ruled on negligence and fraud", "legal"),
    ("A memory leak in kafka on kubernetes", "engineering"),
    ("Black friday lifted the conversion rate at checkout", "retail"),
    ("A wind farm and a solar battery on the grid", "energy"),
    ("", "general"),
    ("nothing to see here", "general"),
])
def test_domain_classification(agents: Agents, text: str, domain: str) -> None:
    assert agents.domain_intelligence.analyze(text, None).domain == domain


def test_a_known_hint_wins_and_an_unknown_one_is_ignored(agents: Agents) -> None:
    text = "The patient was given insulin"
    assert agents.domain_intelligence.analyze(text, " Legal ").domain == "legal"
    assert agents.domain_intelligence.analyze(text, "astrology").domain == "medical"


def test_extraction_finds_entities_and_typed_relationships(agents: Agents) -> None:
    found = agents.knowledge_extraction.extract("Insulin treats diabetes; later a biopsy "
                                                "of the kidney")
    assert [(e.name, e.type) for e in found.entities] == [
        ("insulin", "DRUG"), ("diabetes", "CONDITION"), ("biopsy", "PROCEDURE"),
        ("kidney", "ORGAN")]
    assert [(r.source, r.relation, r.target) for r in found.relationships] == [
        ("insulin", "treats", "diabetes"), ("biopsy", "diagnoses", "diabetes"),
        ("biopsy", "examines", "kidney")]


def test_search_filters_by_domain_and_an_unknown_domain_finds_nothing(agents: Agents) -> None:
    search = agents.universal_search
    plan = search.plan("pipeline outage", "energy", 10, MODALITIES)
    results = search.combine(plan, [search.rank(plan, m) for m in MODALITIES])
    assert results.hits and {h.domain for h in results.hits} == {"energy"}
    nowhere = search.plan("pipeline outage", "atlantis", 10, MODALITIES)
    assert search.combine(nowhere, [search.rank(nowhere, m) for m in MODALITIES]).hits == []


def test_search_ranks_fuse_only_the_requested_modalities(agents: Agents) -> None:
    search = agents.universal_search
    plan = search.plan("kafka memory leak", None, 5, ["keyword"])
    results = search.combine(plan, [search.rank(plan, m) for m in plan.modalities])
    assert len(results.hits) == 5
    assert all(h.sources == ["keyword"] for h in results.hits)
    assert [h.score for h in results.hits] == sorted((h.score for h in results.hits),
                                                     reverse=True)
    assert results.counts == {"keyword": 10}


def test_config_for_text_without_entities_leans_on_vectors(agents: Agents) -> None:
    config = agents.domain_intelligence.analyze("weather today", None)
    knowledge = agents.knowledge_extraction.extract("weather today")
    extraction = domain_extraction(config, knowledge)
    assert extraction.weights == {"vector": 0.7, "graph": 0.0, "keyword": 0.3}
    assert (extraction.top_k, extraction.chunk_size) == (5, 256)


def test_a_workflows_agents_read_its_text_once() -> None:
    index = CorpusIndex.from_file()
    pacer = Pacer(load_graph_profile("instant"))
    pacer.enabled = False
    agents = Agents.build(index, pacer)
    text = "Insulin treats diabetes; later a biopsy of the kidney"
    agents.domain_intelligence.analyze(text, None)
    found = agents.knowledge_extraction.extract(text)
    agents.universal_search.plan(text, None, 5, MODALITIES)
    assert (index.read.cache_info().misses, index.read.cache_info().hits) == (1, 2)
    # What is kept is what a fresh reading gives.
    assert [e.name for e in found.entities] == [
        e.name for e in KnowledgeExtractionAgent(CorpusIndex.from_file(), pacer).extract(text)
        .entities]
