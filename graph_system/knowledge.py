"""CorpusIndex: the shared knowledge corpus, indexed once when the graph service starts.

The corpus file is the one both services load (path from the app factory, $SHADOW_CORPUS,
or the bundled ``corpus/corpus.json``); this module is the graph service's own reading of it.
Retrieval reads dense integer matrices (terms x documents, entities x documents): a query's
scores are sums of a few rows, a handful of array operations instead of a Python loop per
posting, and integers up to the final division, so the numbers are exact.
"""

from __future__ import annotations

import math
import os
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import orjson

BUNDLED_CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "corpus.json"
ANALYZED_CHARS = 4096  # the legacy contract: only the head of a text is analyzed
QUERY_TERM_LIMIT = 64
_TOKEN = re.compile(r"\w+")


def tokens_of(text: str) -> list[str]:
    return _TOKEN.findall(text[:ANALYZED_CHARS].lower())


@dataclass(frozen=True, slots=True)
class Mention:
    name: str
    type: str
    domain: str
    position: int


@dataclass(frozen=True, slots=True)
class Document:
    doc_id: str
    title: str
    domain: str
    snippet: str
    term_counts: dict[str, int]
    norm: float
    entities: frozenset[str]


@dataclass(frozen=True, slots=True)
class Reading:
    """A text as the agents read it: its tokens and the entity mentions among them."""

    tokens: tuple[str, ...]
    mentions: tuple[Mention, ...]


class CorpusLoadError(ValueError):
    """The corpus cannot be used; the message names the file."""


def resolve_corpus(path: Path | None) -> Path:
    if path is not None:
        return Path(path)
    configured = os.environ.get("SHADOW_CORPUS")
    return Path(configured) if configured else BUNDLED_CORPUS


class CorpusIndex:
    def __init__(self, data: dict[str, Any], source: str) -> None:
        self.source = source
        # Every agent of a workflow reads the same text: the last readings are kept, so a
        # request's text is tokenized and scanned for entities once, not three times.
        self.read = lru_cache(maxsize=128)(self._read)
        try:
            self._index(data)
        except (KeyError, TypeError, ValueError) as exc:
            raise CorpusLoadError(f"{source}: malformed corpus ({exc!r})") from None

    @classmethod
    def from_file(cls, path: Path | None = None) -> CorpusIndex:
        path = resolve_corpus(path)
        try:
            data = orjson.loads(path.read_bytes())
        except OSError as exc:
            raise CorpusLoadError(f"{path}: cannot read corpus ({exc.strerror})") from None
        except orjson.JSONDecodeError as exc:
            raise CorpusLoadError(f"{path}: not valid JSON ({exc})") from None
        return cls(data, str(path))

    def _index(self, data: dict[str, Any]) -> None:
        self.domain_names: tuple[str, ...] = tuple(d["name"] for d in data["domains"])
        keyword_sets = {d["name"]: frozenset(d["keywords"]) for d in data["domains"]}
        self.keywords_of: dict[str, frozenset[str]] = keyword_sets
        # keyword -> every domain that lists it, in corpus order
        domains_of: dict[str, list[str]] = defaultdict(list)
        for name in self.domain_names:
            for word in sorted(keyword_sets[name]):
                domains_of[word].append(name)
        self.domains_of_keyword: dict[str, tuple[str, ...]] = {
            w: tuple(ds) for w, ds in domains_of.items()
        }
        self.lexicon: dict[str, tuple[str, str]] = {}
        for domain in data["domains"]:
            for entity in domain["entities"]:
                if entity["name"] not in self.lexicon:
                    self.lexicon[entity["name"]] = (entity["type"], domain["name"])
        self.relation_of: dict[tuple[str, str], str] = {
            (r["source_type"], r["target_type"]): r["relation"] for r in data["relations"]
        }
        self.stopwords = frozenset(data.get("stopwords", ()))

        documents: list[Document] = []
        for raw in data["documents"]:
            counts = Counter(
                t for t in tokens_of(raw["title"] + " " + raw["text"]) if t not in self.stopwords
            )
            names = frozenset(m.name for m in self.find_mentions(tokens_of(raw["text"])))
            documents.append(Document(
                doc_id=raw["id"], title=raw["title"], domain=raw["domain"],
                snippet=raw["text"][:120], term_counts=dict(counts),
                norm=math.sqrt(sum(c * c for c in counts.values())),
                entities=names,
            ))
        self.documents: tuple[Document, ...] = tuple(documents)

        postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        entity_postings: dict[str, list[int]] = defaultdict(list)
        pair_counts: Counter[tuple[str, str]] = Counter()
        for number, document in enumerate(documents):
            for term, count in document.term_counts.items():
                postings[term].append((number, count))
            for name in document.entities:
                entity_postings[name].append(number)
            names = sorted(document.entities)
            pair_counts.update(
                (a, b) for i, a in enumerate(names) for b in names[i + 1:]
            )
        # idf in integer thousandths: sums of integers do not depend on the order they are
        # added in, so any implementation that sums them gets the same score.
        self.idf_milli: dict[str, int] = {
            t: round(1000 * math.log(1 + len(documents) / len(p))) for t, p in postings.items()
        }
        related: dict[str, set[str]] = defaultdict(set)
        for (a, b), shared in pair_counts.items():
            if shared >= 2:  # one shared document is coincidence, two make an edge
                related[a].add(b)
                related[b].add(a)
        self.related: dict[str, frozenset[str]] = {e: frozenset(s) for e, s in related.items()}
        self._matrices(postings, entity_postings)

    def _matrices(self, postings: dict[str, list[tuple[int, int]]],
                  entity_postings: dict[str, list[int]]) -> None:
        documents = self.documents
        size = len(documents)
        self.term_index: dict[str, int] = {t: i for i, t in enumerate(postings)}
        self.term_matrix = np.zeros((len(postings), size), dtype=np.int64)
        for term, entries in postings.items():
            for number, count in entries:
                self.term_matrix[self.term_index[term], number] = count
        self.term_presence = (self.term_matrix > 0).astype(np.int64)
        self.norm_vector = np.array([d.norm for d in documents], dtype=np.float64)
        self.entity_index: dict[str, int] = {e: i for i, e in enumerate(entity_postings)}
        self.entity_matrix = np.zeros((len(entity_postings), size), dtype=np.int64)
        for name, numbers in entity_postings.items():
            self.entity_matrix[self.entity_index[name], numbers] = 1
        domains = np.array([d.domain for d in documents])
        self.domain_members: dict[str, np.ndarray] = {
            name: domains == name for name in self.domain_names
        }
        self.everyone = np.ones(size, dtype=bool)
        self.no_one = np.zeros(size, dtype=bool)
        # Documents ranked by id: the tie-break of every ranking, as a number.
        by_id = sorted(range(size), key=lambda n: documents[n].doc_id)
        self.id_rank = np.empty(size, dtype=np.int64)
        self.id_rank[by_id] = np.arange(size)

    def _read(self, text: str) -> Reading:
        tokens = tokens_of(text)
        return Reading(tuple(tokens), tuple(self.find_mentions(tokens)))

    def find_mentions(self, tokens: list[str] | tuple[str, ...]) -> list[Mention]:
        """Entity mentions, preferring a two-word name over a one-word one at each place."""
        mentions: list[Mention] = []
        lexicon = self.lexicon
        position = 0
        end = len(tokens)
        while position < end:
            if position + 1 < end:
                pair = f"{tokens[position]} {tokens[position + 1]}"
                known = lexicon.get(pair)
                if known is not None:
                    mentions.append(Mention(pair, known[0], known[1], position))
                    position += 2
                    continue
            known = lexicon.get(tokens[position])
            if known is not None:
                mentions.append(Mention(tokens[position], known[0], known[1], position))
            position += 1
        return mentions
