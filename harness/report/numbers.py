"""How numbers are spelled in every report, so HTML, Markdown and `compare` agree."""

from __future__ import annotations

import math
from typing import Any

MISSING = "—"


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def ms(value: Any) -> str:
    """Latency in milliseconds; three significant figures are all a decision needs."""
    if not is_number(value):
        return MISSING
    if abs(value) >= 100:
        return f"{value:,.0f} ms"
    if abs(value) >= 10:
        return f"{value:.1f} ms"
    return f"{value:.2f} ms"


def percent(value: Any) -> str:
    """A rate in [0, 1] as a percentage; small rates keep enough digits to be told apart."""
    if not is_number(value):
        return MISSING
    pct = value * 100
    if pct == 0 or abs(pct) >= 10:
        return f"{pct:.1f} %"
    if abs(pct) >= 0.1:
        return f"{pct:.2f} %"
    return f"{pct:.3f} %"


def count(value: Any) -> str:
    if not is_number(value):
        return MISSING
    return f"{int(value):,}"


def ratio(value: Any) -> str:
    if not is_number(value):
        return MISSING
    return f"{value:.3f}×"


def signed_ms(value: Any) -> str:
    if not is_number(value):
        return MISSING
    return ("+" if value > 0 else "") + ms(value)


def signed_points(value: Any) -> str:
    """A change of a rate, in percentage points."""
    if not is_number(value):
        return MISSING
    return f"{value * 100:+.2f} pt"


def interval(low: Any, high: Any, unit: str = "percent") -> str:
    spell = percent if unit == "percent" else ms if unit == "ms" else plain
    if not (is_number(low) and is_number(high)):
        return MISSING
    return f"[{spell(low)}, {spell(high)}]"


def seconds(value: Any) -> str:
    if not is_number(value):
        return MISSING
    return f"{value:.3f} s"


def in_unit(value: Any, unit: str | None) -> str:
    """A gate check's value in the check's own unit (gate.json says which)."""
    spell = {"rate": percent, "difference": signed_points, "s": seconds, "ms": ms,
             "ratio": ratio, "count": count}.get(unit or "", plain)
    return spell(value) if is_number(value) else plain(value)


def side_unit(unit: str | None) -> str | None:
    """The unit of a check's legacy and graph values, as the gate's own table has it: a ratio
    check shows each side's latency in seconds, a difference check each side's rate."""
    return {"ratio": "s", "difference": "rate"}.get(unit or "", unit)


def plain(value: Any) -> str:
    """A value of unknown meaning (a gate check's observed value or limit)."""
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if not math.isfinite(value):
            return MISSING
        return f"{value:.4g}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
