"""Parity engine: does the graph answer exactly as legacy does, as a legacy client sees it?

Three layers, reported separately (protocol, semantic, format); learned noise that must still
keep its shape; mismatch signatures for triage. See :mod:`harness.parity.comparator`.
"""

from __future__ import annotations

from harness.parity.comparator import Comparator
from harness.parity.paths import PathSyntaxError, wildcard

__all__ = ["Comparator", "PathSyntaxError", "wildcard"]
