"""aiosqlite connections whose calls run on the event loop's own thread.

aiosqlite sends every call (`cursor()`, `execute`, `fetchall`, `close`, `commit`...) to a
worker thread and back: two thread switches and a loop wake-up each, 40 of them for one REST
join. An embedded SQLite answers those calls from its page cache in microseconds, so here
they run inline and a request costs what SQLite costs.

The one thing that could make an inline call wait is a lock held by another process (WAL
readers never wait; writers of this process queue on `Database`'s asyncio lock). So the
connection's own busy timeout is 0: a call that finds the database locked fails at once with
SQLITE_BUSY and is then retried on aiosqlite's worker thread with the full busy timeout, which
is exactly what SQLite's busy handler would have done, without stopping the loop.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiosqlite

SQLITE_BUSY = 5  # primary result code; extended codes (BUSY_RECOVERY, ...) share the low byte


def is_busy(exc: BaseException) -> bool:
    """True for SQLITE_BUSY (another connection holds the lock)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF == SQLITE_BUSY


class InlineConnection(aiosqlite.Connection):
    """An `aiosqlite.Connection` that runs calls inline, and waits for locks off the loop."""

    busy_timeout_ms: int = 30_000

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        connection = self._connection
        if not self._running or connection is None:
            raise ValueError("Connection closed")
        try:
            return fn(*args, **kwargs)
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise
        patient = functools.partial(_with_busy_timeout, connection, self.busy_timeout_ms, fn)
        return await super()._execute(patient, *args, **kwargs)


def _with_busy_timeout(
    connection: sqlite3.Connection, timeout_ms: int, fn: Callable[..., Any], *args: Any, **kw: Any
) -> Any:
    """Call `fn` (on the worker thread) letting SQLite wait up to `timeout_ms` for a lock."""
    connection.execute(f"PRAGMA busy_timeout={int(timeout_ms)}")
    try:
        return fn(*args, **kw)
    finally:
        connection.execute("PRAGMA busy_timeout=0")


def connect(database: str | Path, *, timeout: float = 30.0, **kwargs: Any) -> InlineConnection:
    """Like `aiosqlite.connect`: await the result. `timeout` (s) is the busy timeout, spent
    on the worker thread; the connection itself never waits (busy timeout 0)."""
    kwargs.pop("check_same_thread", None)
    connector = functools.partial(
        sqlite3.connect, str(database), timeout=0.0, check_same_thread=False, **kwargs
    )
    connection = InlineConnection(connector, iter_chunk_size=64)
    connection.busy_timeout_ms = int(timeout * 1000)
    connection._thread.daemon = True  # as SQLAlchemy does for aiosqlite's own connections
    return connection
