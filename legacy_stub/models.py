"""Request bodies of the legacy API. Types are strict (``"5"`` is not a number); unknown
fields are ignored, as the legacy service always did."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Modality = Literal["vector", "graph", "keyword"]
MODALITIES: tuple[Modality, ...] = ("vector", "graph", "keyword")


class _Body(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


class WorkflowRequest(_Body):
    content: str
    user_id: str | None = None
    domain_hint: str | None = None
    max_results: int = Field(default=5, ge=1, le=50)


class SearchRequest(_Body):
    query: str
    domain: str | None = None
    top_k: int = Field(default=10, ge=1, le=50)
    modalities: list[Modality] = Field(default_factory=lambda: list(MODALITIES), min_length=1)


class ConfigExtractionRequest(_Body):
    content: str
    domain_hint: str | None = None
