"""Two values side by side with the differing part marked, as HTML.

Values are spelled as JSON in the order they were received (orjson never sorts keys and keeps
``1`` apart from ``1.0``), so a format-layer difference is visible as text. Bodies recorded as
raw text are shown exactly as received.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from html import escape
from typing import Any

import orjson

CHAR_DIFF_LIMIT = 2000  # character-level matching is quadratic at worst; bodies go by line
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


Opcode = tuple[str, int, int, int, int]


def _opcodes(left: Sequence[str], right: Sequence[str], autojunk: bool) -> list[Opcode]:
    """difflib's opcodes, with the common head and tail taken off first: a pair of answers
    usually differs in one place, and difflib is quadratic on repeated elements (the many
    identical ``},`` lines of a pretty-printed body)."""
    head = 0
    limit = min(len(left), len(right))
    while head < limit and left[head] == right[head]:
        head += 1
    tail = 0
    while (tail < limit - head
           and left[len(left) - 1 - tail] == right[len(right) - 1 - tail]):
        tail += 1
    mid_left, mid_right = left[head:len(left) - tail], right[head:len(right) - tail]
    codes: list[Opcode] = [("equal", 0, head, 0, head)] if head else []
    if mid_left or mid_right:
        matcher = difflib.SequenceMatcher(None, mid_left, mid_right, autojunk=autojunk)
        codes += [(tag, i1 + head, i2 + head, j1 + head, j2 + head)
                  for tag, i1, i2, j1, j2 in matcher.get_opcodes()]
    if tail:
        codes.append(("equal", len(left) - tail, len(left), len(right) - tail, len(right)))
    return codes


def _char_diff(left: str, right: str) -> tuple[str, str]:
    out_left, out_right = [], []
    for tag, i1, i2, j1, j2 in _opcodes(left, right, autojunk=False):
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
    out_left, out_right = [], []
    # autojunk: lines repeated all over a long body cannot anchor a match, which keeps
    # difflib near-linear; the output still covers every character.
    for tag, i1, i2, j1, j2 in _opcodes(left_lines, right_lines, autojunk=True):
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


def _common_prefix(left: str, right: str) -> int:
    limit = min(len(left), len(right))
    index, step = 0, 4096
    while step:  # equal blocks are compared in C; only the last block goes by character
        while index + step <= limit and left[index:index + step] == right[index:index + step]:
            index += step
        step //= 8
    return index


def _window(left: str, right: str) -> tuple[int, int, int]:
    """Where to cut two long texts: one start for both, a little before the first difference
    (at a line start), so the part shown is the part that differs."""
    if max(len(left), len(right)) <= BODY_LIMIT:
        return 0, len(left), len(right)
    first = _common_prefix(left, right)
    start = max(0, first - BODY_LIMIT // 4)
    if start:
        line_start = left.rfind("\n", 0, start) + 1
        start = line_start if start - line_start < BODY_LIMIT // 4 else start
    return start, min(len(left), start + BODY_LIMIT), min(len(right), start + BODY_LIMIT)


def _note(text: str) -> str:
    return f'<span class="cut">{escape(text)}</span>'


def side_by_side(left: str, right: str) -> tuple[str, str]:
    """HTML of both texts, escaped, with what differs wrapped in ``<mark>``. Texts longer than
    BODY_LIMIT are cut around their first difference, and the cut is said, never marked."""
    start, end_left, end_right = _window(left, right)
    cut_left, cut_right = left[start:end_left], right[start:end_right]
    if len(cut_left) + len(cut_right) <= CHAR_DIFF_LIMIT and "\n" not in cut_left + cut_right:
        marked_left, marked_right = _char_diff(cut_left, cut_right)
    else:
        marked_left, marked_right = _line_diff(cut_left, cut_right)
    before = _note(f"… {start:,} characters before not shown\n") if start else ""
    out = []
    for marked, end, text in ((marked_left, end_left, left), (marked_right, end_right, right)):
        after = (_note(f"\n… {len(text) - end:,} more characters not shown")
                 if end < len(text) else "")
        out.append(before + marked + after)
    return out[0], out[1]
