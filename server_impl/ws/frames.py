"""A server message serialized once, with a hole for the per-connection `seq`.

The envelope's `seq` differs for every recipient, everything else is the same; a `Frame` keeps
the JSON text on both sides of the `seq` value so a broadcast costs one serialization plus one
string concatenation per recipient.
"""

from __future__ import annotations

import itertools
import os
import re
import time

# The envelope's own `"seq": <int>`; the first match, because `type` is serialized before it
# and is a bare identifier, so no earlier text can contain the pattern.
_SEQ = re.compile(r'"seq"\s*:\s*-?\d+')
_COMPACT_SEQ = '"seq":0,'


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
        at = text.find(_COMPACT_SEQ)  # the usual compact form, with seq 0
        if 0 <= at < 64:
            return cls(type_, text[: at + 6], text[at + 7 :])
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


_second: list[object] = [-1, ""]


def iso_now() -> str:
    """RFC 3339 UTC time with milliseconds and `Z` (`2026-02-14T10:00:20.123Z`), cheaply."""
    ms = time.time_ns() // 1_000_000
    second, millis = divmod(ms, 1000)
    if _second[0] != second:
        _second[0], _second[1] = second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
    return f"{_second[1]}.{millis:03d}Z"


_ID_PREFIX = os.urandom(6).hex()  # 48 random bits per process
_ID_COUNTER = itertools.count(1)


def new_message_id() -> str:
    """`msg_` + 24 hex digits, unique: a random per-process prefix and a counter."""
    return f"msg_{_ID_PREFIX}{next(_ID_COUNTER):012x}"
