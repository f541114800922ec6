"""Two values side by side with the differing part marked, as HTML.

Values are spelled as JSON in the order they were received (orjson never sorts keys and keeps
``1`` apart from ``1.0``), so a format-layer difference is visible as text. Bodies recorded as
raw text are shown exactly as received.
"""

from __future__ import annotations

import difflib
from html import escape
from typing import Any

import orjson

CHAR_DIFF_LIMIT = 4000  # character-level matching is quadratic at worst; bodies go by line
BODY_LIMIT = 60_000


def spell(value: Any) -> str:
    """JSON text of a value; a string that holds a raw body is shown as it is."""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    try:
        return orjson.dumps(value, option=orjson.OPT_INDENT_2, default=str).decode()
    except TypeError:
        return repr(value)


def spell_body(body: Any) -> str:
    """A whole response body: raw text stays raw, anything parsed is pretty-printed."""
    if isinstance(body, str | bytes):
        text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
        try:
            parsed = orjson.loads(text)
        except orjson.JSONDecodeError:
            return text
        pretty = spell(parsed)
        # Pretty-printing hides number spelling and escaping; keep raw when it would.
        return pretty if orjson.dumps(parsed).decode() == text else text
    return spell(body)


def _mark(text: str, css: str) -> str:
    return f'<mark class="{css}">{escape(text)}</mark>' if text else ""


def _char_diff(left: str, right: str) -> tuple[str, str]:
    matcher = difflib.SequenceMatcher(None, left, right, autojunk=False)
    out_left, out_right = [], []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out_left.append(escape(left[i1:i2]))
            out_right.append(escape(right[j1:j2]))
        else:
            out_left.append(_mark(left[i1:i2], "del"))
            out_right.append(_mark(right[j1:j2], "ins"))
    return "".join(out_left), "".join(out_right)


def _line_diff(left: str, right: str) -> tuple[str, str]:
    left_lines = left.splitlines(keepends=True)
    right_lines = right.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(None, left_lines, right_lines, autojunk=False)
    out_left, out_right = [], []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        a, b = "".join(left_lines[i1:i2]), "".join(right_lines[j1:j2])
        if tag == "equal":
            out_left.append(escape(a))
            out_right.append(escape(b))
        elif tag == "replace" and len(a) + len(b) <= CHAR_DIFF_LIMIT:
            marked_a, marked_b = _char_diff(a, b)
            out_left.append(marked_a)
            out_right.append(marked_b)
        else:
            out_left.append(_mark(a, "del"))
            out_right.append(_mark(b, "ins"))
    return "".join(out_left), "".join(out_right)


def _cap(text: str) -> str:
    if len(text) <= BODY_LIMIT:
        return text
    return text[:BODY_LIMIT] + f"\n… ({len(text) - BODY_LIMIT:,} more characters not shown)"


def side_by_side(left: str, right: str) -> tuple[str, str]:
    """HTML of both texts, escaped, with what differs wrapped in ``<mark>``."""
    left, right = _cap(left), _cap(right)
    if len(left) + len(right) <= CHAR_DIFF_LIMIT and "\n" not in left + right:
        return _char_diff(left, right)
    return _line_diff(left, right)
