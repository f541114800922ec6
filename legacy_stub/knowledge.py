"""The knowledge corpus as the legacy service indexes it at start-up.

Everything a request needs (lexicons, term and entity matrices, norms, idf, entity
co-occurrence) is computed here once, so per-request domain logic stays far below a
millisecond of CPU: search scores every document with a few array operations instead of a
Python loop over posting lists.
"""

from __future__ import annotations

import math
import os
import re
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import orjson

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "corpus.json"

# Analysis looks at the first MAX_CHARS characters only: the legacy service always did, and it
# bounds the CPU a huge body can cost.
MAX_CHARS = 4096
MAX_QUERY_TERMS = 64
_WORD = re.compile(r"\w+")


def tokenize(text: str) -> list[str]:
    return _WORD.findall(text[:MAX_CHARS].lower())


def corpus_path(explicit: Path | None = None) -> Path:
    if explicit is not None:
        return Path(explicit)
    env = os.environ.get("SHADOW_CORPUS")
    return Path(env) if env else DEFAULT_CORPUS


class CorpusError(ValueError):
    """The corpus file cannot be used; the message names the file."""


class KnowledgeBase:
    """Indexes over the corpus: domain lexicons, entity lexicon, documents for search."""

    def __init__(self, data: dict[str, Any], source: str = "<corpus>") -> None:
        try:
            self._build(data)
        except (KeyError, TypeError, ValueError) as exc:
            raise CorpusError(f"{source}: malformed corpus ({exc!r})") from None
        self.source = source

    @classmethod
    def load(cls, path: Path | None = None) -> KnowledgeBase:
        path = corpus_path(path)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise CorpusError(f"{path}: cannot read corpus ({exc.strerror})") from None
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise CorpusError(f"{path}: not valid JSON ({exc})") from None
        return cls(data, str(path))

    def _build(self, data: dict[str, Any]) -> None:
        self.domains: list[str] = [d["name"] for d in data["domains"]]
        self.domain_keywords: dict[str, frozenset[str]] = {
            d["name"]: frozenset(d["keywords"]) for d in data["domains"]
        }
        # entity name -> (type, domain)
        self.entities: dict[str, tuple[str, str]] = {}
        for domain in data["domains"]:
            for entity in domain["entities"]:
                self.entities.setdefault(entity["name"], (entity["type"], domain["name"]))
        self.relations: dict[tuple[str, str], str] = {
            (r["source_type"], r["target_type"]): r["relation"] for r in data["relations"]
        }
        self.stopwords: frozenset[str] = frozenset(data.get("stopwords", ()))
        self.documents: list[dict[str, Any]] = []
        df: Counter[str] = Counter()
        self.postings: dict[str, list[tuple[int, int]]] = {}
        cooccur: Counter[tuple[str, str]] = Counter()
        for index, doc in enumerate(data["documents"]):
            tokens = tokenize(doc["title"] + " " + doc["text"])
            tf = Counter(t for t in tokens if t not in self.stopwords)
            names = {m[0] for m in self.mentions(tokenize(doc["text"]))}
            self.documents.append({
                "id": doc["id"], "title": doc["title"], "domain": doc["domain"],
                "tf": tf, "norm": math.sqrt(sum(v * v for v in tf.values())),
                "entities": frozenset(names),
                "snippet": doc["text"][:120],
            })
            for term, count in tf.items():
                df[term] += 1
                self.postings.setdefault(term, []).append((index, count))
            ordered = sorted(names)
            for i, a in enumerate(ordered):
                for b in ordered[i + 1:]:
                    cooccur[(a, b)] += 1
        total = len(self.documents)
        # Integer thousandths, so a sum of them is exact whatever order it is taken in.
        self.idf_milli: dict[str, int] = {
            t: round(1000 * math.log(1 + total / n)) for t, n in df.items()
        }
        # A document's place in id order: the tie-break of every ranking.
        by_id = sorted(range(total), key=lambda i: self.documents[i]["id"])
        self.id_order: list[int] = [0] * total
        for rank, index in enumerate(by_id):
            self.id_order[index] = rank
        # Two entities are neighbours in the knowledge graph when at least two documents
        # mention both: one shared document is coincidence.
        self.neighbours: dict[str, set[str]] = {}
        for (a, b), count in cooccur.items():
            if count >= 2:
                self.neighbours.setdefault(a, set()).add(b)
                self.neighbours.setdefault(b, set()).add(a)
        self._build_matrices()

    def _build_matrices(self) -> None:
        """Terms x documents and entities x documents as integer matrices: a query's scores
        are then sums of a few rows, integers all the way to the final division, so they are
        exactly the numbers a loop over posting lists gives."""
        total = len(self.documents)
        self.term_row: dict[str, int] = {t: r for r, t in enumerate(self.postings)}
        self.term_counts = np.zeros((len(self.term_row), total), dtype=np.int64)
        for term, entries in self.postings.items():
            for index, count in entries:
                self.term_counts[self.term_row[term], index] = count
        self.term_present = (self.term_counts > 0).astype(np.int64)
        self.idf_rows = np.array([self.idf_milli[t] for t in self.term_row], dtype=np.int64)
        self.id_order_array = np.array(self.id_order, dtype=np.int64)
        self.norms = np.array([d["norm"] for d in self.documents], dtype=np.float64)
        mentioned = sorted({n for d in self.documents for n in d["entities"]})
        self.entity_row: dict[str, int] = {n: r for r, n in enumerate(mentioned)}
        self.entity_docs = np.zeros((len(mentioned), total), dtype=np.int64)
        for index, doc in enumerate(self.documents):
            for name in doc["entities"]:
                self.entity_docs[self.entity_row[name], index] = 1
        domain_of = np.array([d["domain"] for d in self.documents])
        self.in_domain: dict[str, np.ndarray] = {d: domain_of == d for d in self.domains}

    def mentions(self, tokens: list[str]) -> list[tuple[str, str, str, int]]:
        """Entity mentions as (name, type, domain, token position); two-word names first."""
        found = []
        i = 0
        n = len(tokens)
        while i < n:
            if i + 1 < n:
                pair = tokens[i] + " " + tokens[i + 1]
                if pair in self.entities:
                    etype, domain = self.entities[pair]
                    found.append((pair, etype, domain, i))
                    i += 2
                    continue
            word = tokens[i]
            if word in self.entities:
                etype, domain = self.entities[word]
                found.append((word, etype, domain, i))
            i += 1
        return found
