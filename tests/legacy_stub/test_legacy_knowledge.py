"""The corpus and the legacy service's reading of it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from legacy_stub.knowledge import MAX_CHARS, CorpusError, KnowledgeBase, tokenize

ROOT = Path(__file__).resolve().parents[2]


def test_the_committed_corpus_is_what_the_generator_makes() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "corpus" / "generate.py"), "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_corpus_shape() -> None:
    kb = KnowledgeBase.load()
    assert len(kb.documents) == 360
    assert kb.domains == ["medical", "finance", "legal", "engineering", "retail", "energy"]
    assert {d["domain"] for d in kb.documents} == set(kb.domains)


def test_mentions_prefer_two_word_names() -> None:
    kb = KnowledgeBase.load()
    found = kb.mentions(tokenize("Heart failure and a hedge fund; liver"))
    assert [(m[0], m[1]) for m in found] == [
        ("heart failure", "CONDITION"), ("hedge fund", "INSTITUTION"), ("liver", "ORGAN")]


def test_only_the_head_of_a_text_is_analyzed() -> None:
    assert tokenize("a " * MAX_CHARS + "insulin") == ["a"] * (MAX_CHARS // 2)


def test_a_malformed_corpus_names_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "corpus.json"
    broken.write_text('{"domains": []')
    with pytest.raises(CorpusError, match=r"corpus\.json: not valid JSON"):
        KnowledgeBase.load(broken)
    broken.write_text('{"domains": [{"name": "x"}]}')
    with pytest.raises(CorpusError, match="malformed corpus"):
        KnowledgeBase.load(broken)
