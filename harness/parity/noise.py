"""Noise learned from the data: which fields differ by themselves, and which because of the graph.

Legacy answered twice (``--secondary`` or ``--noise-sample``) shows per field path how often
legacy differs from itself (``secondary_diff``); the graph-vs-legacy comparison of the same
pairs shows how often the graph differs (``mismatches`` plus ``noise``). A path is noise only
when the data say so: legacy differs from itself there at least once, enough pairs were seen,
and the upper bound of the Newcombe interval for (graph rate - legacy rate) stays within
``margin``. A field the graph breaks more often than legacy wobbles is never excused, and too
little evidence excuses nothing. Learned noise still has to keep its shape (JSON type, and
the narrowest shape the legacy examples share) when it is used.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import orjson
import pandas as pd

from harness.config import LearnedNoise, ParityRules
from harness.parity.paths import Pattern, parse, wildcard
from harness.parity.shapes import infer_shape
from harness.parity.signatures import MISMATCHES_FILE, read_example_lines
from harness.results import read_results
from harness.stats import newcombe_diff_ci

NEVER_NOISE = frozenset({"@status"})


@dataclass(frozen=True, slots=True)
class NoiseField:
    """One row of the noise table: the evidence for one path and what it decided."""

    path: str
    rows: int
    graph_count: int
    legacy_count: int
    graph_rate: float
    legacy_rate: float
    ci_low: float
    ci_high: float
    is_noise: bool
    shape: str = "any"
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class NoiseModel:
    """The learned noise of a run (or loaded from ``[[parity.learned]]``)."""

    fields: tuple[NoiseField, ...] = ()
    alpha: float = 0.05
    margin: float = 0.05

    @property
    def noisy_paths(self) -> tuple[str, ...]:
        return tuple(f.path for f in self.fields if f.is_noise)

    def learned(self) -> tuple[LearnedNoise, ...]:
        """The noisy paths as config entries, which is what the Comparator consumes."""
        return tuple(
            LearnedNoise(path=f.path, shape=f.shape, graph_rate=f.graph_rate,  # type: ignore[arg-type]
                         legacy_rate=f.legacy_rate, ci_low=f.ci_low, ci_high=f.ci_high,
                         rows=f.rows)
            for f in self.fields if f.is_noise
        )

    def records(self) -> list[dict[str, Any]]:
        """The table for summary.json (``parity.noise``) and the report."""
        return [f.as_dict() for f in self.fields]

    def table(self) -> pd.DataFrame:
        columns = list(NoiseField.__slots__)  # type: ignore[attr-defined]
        return pd.DataFrame(self.records(), columns=columns)

    def to_rules(self, rules: ParityRules) -> ParityRules:
        """``rules`` with this model as its ``learned`` list (replacing any earlier one)."""
        return rules.model_copy(update={"learned": list(self.learned())})

    @classmethod
    def from_rules(cls, rules: ParityRules) -> NoiseModel:
        fields = tuple(
            NoiseField(path=e.path, rows=e.rows or 0, graph_count=0, legacy_count=0,
                       graph_rate=e.graph_rate or 0.0, legacy_rate=e.legacy_rate or 0.0,
                       ci_low=e.ci_low if e.ci_low is not None else -1.0,
                       ci_high=e.ci_high if e.ci_high is not None else 1.0,
                       is_noise=True, shape=e.shape, reason="loaded from config")
            for e in rules.learned
        )
        return cls(fields)


def _paths(cell: Any, items: bool) -> set[str]:
    if cell is None or (isinstance(cell, float) and cell != cell):
        return set()
    data = orjson.loads(cell)
    return {wildcard(x["path"] if items else x) for x in data}


def _critical(path: str, critical: Iterable[str]) -> bool:
    if path.startswith("@"):
        return path in critical
    segments = parse(path)
    return any(Pattern.of(c).covers(segments) for c in critical if not c.startswith("@"))


def learn_noise(
    frame: pd.DataFrame,
    *,
    alpha: float = 0.05,
    margin: float = 0.05,
    min_rows: int = 30,
    critical: Iterable[str] = (),
    legacy_values: dict[str, list[Any]] | None = None,
) -> NoiseModel:
    """Learn noise from a results frame (``harness.results.read_results``).

    Only compared rows that also have a second legacy answer count, so both rates are over the
    same pairs; a path's rates are over the rows of the (endpoint, legacy status) groups where it
    ever differed, that is over the answers that have the field.
    ``legacy_values`` (wildcarded path -> legacy values seen there) narrows each learned shape
    beyond ``any``; see :func:`learn_noise_from_run`.
    """
    critical = tuple(critical)
    usable = frame.loc[frame["verdict"].notna() & frame["secondary_diff"].notna(),
                       ["endpoint", "legacy_status", "mismatches", "noise", "secondary_diff"]]
    per_group: Counter[str] = Counter()
    graph: Counter[str] = Counter()
    legacy: Counter[str] = Counter()
    where: dict[str, set[str]] = {}
    for endpoint, status, mismatches, noise, secondary in usable.itertuples(index=False):
        # An endpoint's answers of one status share one schema: the rows where a field exists.
        group = f"{endpoint if isinstance(endpoint, str) else ''} {status}"
        per_group[group] += 1
        differed = _paths(mismatches, items=True) | _paths(noise, items=False)
        by_itself = _paths(secondary, items=False)
        graph.update(differed)
        legacy.update(by_itself)
        for path in differed | by_itself:
            where.setdefault(path, set()).add(group)
    fields = []
    for path in sorted(where):
        # Rates among the answers that have the field at all: workflow_id exists only in
        # workflow answers, and diluting it with search or error answers blurs both rates.
        rows = sum(per_group[g] for g in where[path])
        g, lg = graph[path], legacy[path]
        interval = newcombe_diff_ci(g, rows, lg, rows, alpha)
        reason = ""
        if path in NEVER_NOISE:
            reason = "a status code is never noise"
        elif _critical(path, critical):
            reason = "critical path (zero tolerance)"
        elif rows < min_rows:
            reason = f"too few pairs with a second legacy answer ({rows} < {min_rows})"
        elif lg == 0:
            reason = "legacy never differs from itself here"
        elif interval.high > margin:
            reason = (f"graph differs more often than legacy by itself "
                      f"(upper bound {interval.high:+.3f} > {margin})")
        shape = infer_shape((legacy_values or {}).get(path, []))
        fields.append(NoiseField(
            path=path, rows=rows, graph_count=g, legacy_count=lg,
            graph_rate=g / rows, legacy_rate=lg / rows,
            ci_low=interval.low, ci_high=interval.high, is_noise=not reason,
            shape=shape, reason=reason or "differs by itself as often as against the graph",
        ))
    return NoiseModel(tuple(fields), alpha, margin)


def learn_noise_from_run(run_dir: Path, rules: ParityRules | None = None,
                         results: pd.DataFrame | None = None, **options: Any) -> NoiseModel:
    """:func:`learn_noise` over a RUN_DIR, shapes narrowed by the legacy values on file.
    ``results`` is the run's frame when the caller has already read it."""
    run_dir = Path(run_dir)
    values: dict[str, list[Any]] = {}
    for line in read_example_lines(run_dir / MISMATCHES_FILE):
        for item in line.get("mismatches") or []:
            if item.get("layer") != "format":  # raw spellings are not values
                values.setdefault(wildcard(item["path"]), []).append(item.get("legacy"))
    critical = options.pop("critical", (rules.critical if rules is not None else ()))
    frame = read_results(run_dir) if results is None else results
    return learn_noise(frame, critical=critical, legacy_values=values, **options)


# -- harness.toml ---------------------------------------------------------------------------
_HEADER = re.compile(r"^\s*\[")
_LEARNED = re.compile(r"^\s*\[\[\s*parity\s*\.\s*learned\s*\]\]")


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(float(value)) if isinstance(value, float) else str(value)
    return json.dumps(str(value), ensure_ascii=False)


def save_learned(model: NoiseModel, config_path: Path) -> Path:
    """Write the model's noisy paths into ``config_path`` as ``[[parity.learned]]`` tables,
    replacing earlier ones and keeping everything else (comments included) as it was."""
    config_path = Path(config_path)
    text = config_path.read_text(encoding="utf-8") if config_path.is_file() else ""
    kept: list[str] = []
    skipping = False
    for line in text.splitlines():
        if _LEARNED.match(line):
            skipping = True
            continue
        if skipping and _HEADER.match(line):
            skipping = False
        if not skipping:
            kept.append(line)
    while kept and not kept[-1].strip():
        kept.pop()
    blocks = []
    for entry in model.learned():
        body = [f"{k} = {_toml_value(v)}" for k, v in entry.model_dump().items()
                if v is not None]
        blocks.append("[[parity.learned]]\n" + "\n".join(body))
    parts = ["\n".join(kept)] if kept else []
    if blocks:
        parts.append("# Learned noise (shadow-harness): legacy differs from itself here as "
                     "often as from the graph.\n" + "\n\n".join(blocks))
    result = "\n\n".join(parts) + "\n"
    try:
        tomllib.loads(result)
    except tomllib.TOMLDecodeError as exc:  # never leave a broken config behind
        raise ValueError(f"{config_path}: writing learned noise would break it ({exc})") from None
    config_path.write_text(result, encoding="utf-8")
    return config_path
