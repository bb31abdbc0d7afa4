"""Deterministic strings that match a JSON Schema `pattern` (a small regex-to-text walker).

Supports what contracts use: literals, classes, `\\d \\w \\s` and their negations, `.`, groups,
alternation (first branch), repeats and anchors. Lookaheads are skipped; characters are drawn in
a letter/upper/digit rotation, so `(?=.*[A-Za-z])(?=.*[0-9])[ -~]{8,32}` still matches.
"""

from __future__ import annotations

import importlib
import re
import string
from typing import Any

_parser: Any = importlib.import_module("re._parser")  # no public API parses a regex

_ALPHABET = (
    "".join(
        string.ascii_lowercase[i] + string.ascii_uppercase[i] + (string.digits[i] if i < 10 else "")
        for i in range(26)
    )
    + "-_. "
    + "".join(c for c in string.punctuation if c not in "-_.")
)
_CATEGORIES = {
    "CATEGORY_DIGIT": lambda c: c.isdigit(),
    "CATEGORY_NOT_DIGIT": lambda c: not c.isdigit(),
    "CATEGORY_SPACE": lambda c: c.isspace(),
    "CATEGORY_NOT_SPACE": lambda c: not c.isspace(),
    "CATEGORY_WORD": lambda c: c.isalnum() or c == "_",
    "CATEGORY_NOT_WORD": lambda c: not (c.isalnum() or c == "_"),
}


class _Walker:
    def __init__(self, stretch: int, offset: int) -> None:
        self.stretch = stretch
        self.pos = offset

    def pick(self, allowed: Any) -> str:
        pool = [c for c in _ALPHABET if allowed(c)] or [
            chr(i) for i in range(0x20, 0x3000) if allowed(chr(i))
        ][:64]
        if not pool:
            return ""
        self.pos += 1
        return pool[(self.pos - 1) % len(pool)]

    def walk(self, items: Any) -> str:
        return "".join(self.node(str(op), arg) for op, arg in items)

    def node(self, op: str, arg: Any) -> str:
        if op == "LITERAL":
            return chr(arg)
        if op == "NOT_LITERAL":
            return self.pick(lambda c: c != chr(arg))
        if op == "ANY":
            return self.pick(lambda c: c != "\n")
        if op == "IN":
            return self.pick(lambda c: _in_class(arg, c))
        if op in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, high, sub = arg
            count = max(low, min(high, self.stretch))
            return "".join(self.walk(sub) for _ in range(count))
        if op == "SUBPATTERN":
            return self.walk(arg[-1])
        if op == "ATOMIC_GROUP":
            return self.walk(arg)
        if op == "BRANCH":
            return self.walk(arg[1][0])
        return ""  # AT (anchors), ASSERT, ASSERT_NOT, GROUPREF, ...


def _in_class(items: Any, ch: str) -> bool:
    negate = False
    hit = False
    for op, arg in items:
        name = str(op)
        if name == "NEGATE":
            negate = True
        elif name == "LITERAL":
            hit = hit or ord(ch) == arg
        elif name == "RANGE":
            hit = hit or arg[0] <= ord(ch) <= arg[1]
        elif name == "CATEGORY":
            test = _CATEGORIES.get(str(arg))
            hit = hit or bool(test and test(ch))
    return hit != negate


def generate(pattern: str, min_length: int = 0, max_length: int | None = None) -> str | None:
    """A string containing a match of `pattern` (JSON Schema `search` semantics) within the
    length bounds, or None when no attempt works."""
    try:
        items = _parser.parse(pattern)
        compiled = re.compile(pattern)
    except re.error:
        return None
    upper = max_length if max_length is not None else 1 << 20
    for stretch in dict.fromkeys((0, min_length, 1, min(upper, 16))):
        for offset in range(4):
            text = _Walker(stretch, offset).walk(items)
            if len(text) < min_length:
                text += "x" * (min_length - len(text))
            if len(text) <= upper and compiled.search(text):
                return text
    return None
