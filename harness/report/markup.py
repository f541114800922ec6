"""HTML building blocks for report.html: escaped text, tables, and keyed numbers.

A number that summary.json also holds is written with ``data-key`` (its dotted key there) and
``data-value`` (the exact JSON number), so a test or a script can check the page against the
file without parsing the human spelling.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from html import escape
from typing import Any

import orjson

from harness.report import numbers

Cell = str  # HTML of one <td> or <th>, already escaped


def text(value: Any) -> str:
    return escape("" if value is None else str(value))


def json_value(value: Any) -> str:
    """The exact value as JSON; NaN and infinities become null, as orjson writes them."""
    return orjson.dumps(value, default=str).decode()


def keyed(key: str, value: Any, spell: Callable[[Any], str], tag: str = "td",
          css: str = "num") -> Cell:
    return (f'<{tag} class="{css}" data-key="{escape(key)}" '
            f'data-value="{escape(json_value(value))}">{escape(spell(value))}</{tag}>')


def cell(value: Any, css: str = "") -> Cell:
    attr = f' class="{css}"' if css else ""
    return f"<td{attr}>{text(value)}</td>"


def num(value: Any, spell: Callable[[Any], str] = numbers.plain) -> Cell:
    return f'<td class="num">{escape(spell(value))}</td>'


def raw(html: str, css: str = "") -> Cell:
    attr = f' class="{css}"' if css else ""
    return f"<td{attr}>{html}</td>"


def table(headers: Sequence[str], rows: Iterable[Sequence[Cell]], css: str = "",
          numeric: Iterable[int] | None = None) -> str:
    """A table whose ``numeric`` columns (default: all but the first) have right-aligned
    headers, to sit over their right-aligned numbers."""
    right = set(range(1, len(headers)) if numeric is None else numeric)
    head = "".join(
        f'<th{" class=num" if i in right else ""}>{escape(h)}</th>'
        for i, h in enumerate(headers)
    )
    body = "".join(f"<tr>{''.join(row)}</tr>" for row in rows)
    klass = f' class="{css}"' if css else ""
    # Wrapped so a wide table scrolls on a small screen instead of widening the page.
    return (f'<div class="scroll"><table{klass}><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>")


def section(anchor: str, title: str, *parts: str) -> str:
    return f'<section id="{anchor}"><h2>{escape(title)}</h2>{"".join(parts)}</section>'


def note(message: str) -> str:
    return f'<p class="note">{escape(message)}</p>'


def figure(svg: str, caption: str) -> str:
    return f"<figure>{svg}<figcaption>{escape(caption)}</figcaption></figure>"


def pre(html: str, css: str = "") -> str:
    klass = f' class="{css}"' if css else ""
    return f"<pre{klass}>{html}</pre>"


def facts(items: Iterable[tuple[str, str]]) -> str:
    """A definition list; values are HTML."""
    body = "".join(f"<dt>{escape(k)}</dt><dd>{v}</dd>" for k, v in items)
    return f'<dl class="facts">{body}</dl>'


def css_token(value: str) -> str:
    """A verdict or decision as a CSS class suffix (``ADVANCE`` -> ``advance``)."""
    token = "".join(c if c.isalnum() else "-" for c in str(value).lower()).strip("-")
    return token or "unknown"
