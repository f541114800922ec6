"""Native models of the graph service: the request bodies it accepts (the same as the
legacy API's) and the typed results its agents produce. Floats are floats and empty is empty
here; the legacy quirks live only in ``compatibility``."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Modality = Literal["vector", "graph", "keyword"]
MODALITIES: tuple[Modality, ...] = ("vector", "graph", "keyword")
GENERAL_DOMAIN = "general"


class _Request(BaseModel):
    # Strict types and ignored extras: the legacy API's contract, which clients rely on.
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


class WorkflowRequest(_Request):
    content: str
    user_id: str | None = None
    domain_hint: str | None = None
    max_results: int = Field(default=5, ge=1, le=50)


class SearchRequest(_Request):
    query: str
    domain: str | None = None
    top_k: int = Field(default=10, ge=1, le=50)
    modalities: list[Modality] = Field(default_factory=lambda: list(MODALITIES), min_length=1)


class ConfigExtractionRequest(_Request):
    content: str
    domain_hint: str | None = None


class DomainConfig(BaseModel):
    """What the domain intelligence agent concluded about a text."""

    domain: str
    confidence: float = Field(ge=0, le=1)
    domain_signals: int = Field(ge=0)
    total_signals: int = Field(ge=0)
    keywords: list[str] = Field(default_factory=list)
    token_count: int = Field(ge=0)


class Entity(BaseModel):
    name: str
    type: str
    count: int = Field(ge=1)


class Relationship(BaseModel):
    source: str
    relation: str
    target: str


class KnowledgeResults(BaseModel):
    entities: list[Entity] = Field(default_factory=list)
    relationships: list[Relationship] = Field(default_factory=list)


class ModalityHits(BaseModel):
    """One modality's ranked documents: (document index, score), best first."""

    modality: Modality
    ranked: list[tuple[int, float]] = Field(default_factory=list)
    skipped: bool = False


class SearchHit(BaseModel):
    doc_id: str
    title: str
    domain: str
    score: float
    sources: list[Modality]
    modality_scores: dict[Modality, float | None]
    snippet: str


class SearchResults(BaseModel):
    query: str
    domain: str | None
    modalities: list[Modality]
    total_found: int = Field(ge=0)
    counts: dict[Modality, int]
    hits: list[SearchHit] = Field(default_factory=list)


class DomainExtraction(BaseModel):
    """The config extraction endpoint's native answer."""

    domain: DomainConfig
    knowledge: KnowledgeResults
    entity_types: list[str]
    relation_types: list[str]
    top_k: int
    chunk_size: int
    weights: dict[Modality, float]
