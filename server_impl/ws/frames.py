"""A server message serialized once, with a hole for the per-connection `seq`.

The envelope's `seq` differs for every recipient, everything else is the same; a `Frame` keeps
the JSON text on both sides of the `seq` value so a broadcast costs one serialization plus one
string concatenation per recipient.
"""

from __future__ import annotations

import re
import time

# The envelope's own `"seq": <int>`; the first match, because `type` is serialized before it
# and is a bare identifier, so no earlier text can contain the pattern.
_SEQ = re.compile(r'"seq"\s*:\s*-?\d+')


class Frame:
    """One serialized server message of type `type`, minus its `seq`."""

    __slots__ = ("head", "tail", "type")

    def __init__(self, type_: str, head: str, tail: str) -> None:
        self.type = type_
        self.head = head
        self.tail = tail

    @classmethod
    def from_json(cls, type_: str, text: str) -> Frame:
        """Split a complete envelope (serialized with any `seq`) around its `seq` value."""
        match = _SEQ.search(text)
        if match is None:
            raise ValueError(f"serialized {type_!r} message has no seq: {text[:80]!r}")
        return cls(type_, text[: match.start()] + '"seq":', text[match.end() :])

    def render(self, seq: int) -> str:
        """The text sent to one connection."""
        return f"{self.head}{seq}{self.tail}"

    def __repr__(self) -> str:
        return f"Frame({self.type!r}, {self.render(0)[:120]!r})"


def now_ms() -> int:
    """Unix time in milliseconds (the envelope's `timestamp`)."""
    return time.time_ns() // 1_000_000
