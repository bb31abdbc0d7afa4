"""aiosqlite connections whose calls run on the event loop's own thread.

aiosqlite sends every call (`cursor()`, `execute`, `fetchall`, `close`, `commit`...) to a
worker thread and back: two thread switches and a loop wake-up each, 40 of them for one REST
join. An embedded SQLite answers those calls from its page cache in microseconds, so here
they run inline and a request costs what SQLite costs. That includes COMMIT: the engine turns
SQLite's automatic checkpoint off, so a commit only appends to the WAL (`checkpoint.py`).

What goes to aiosqlite's worker thread, so the loop never waits for a lock: a call that found
the database locked by another process. The connection's own busy timeout is 0 (WAL readers
never wait; writers of this process queue on `Database`'s asyncio lock), so such a call fails
at once with SQLITE_BUSY and is retried on the worker thread with the full busy timeout: what
SQLite's busy handler would have done, off the loop.
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
    """An `aiosqlite.Connection` that runs calls inline, and waits for disk and locks off the
    loop."""

    busy_timeout_ms: int = 30_000

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or self._connection is None:
            raise ValueError("Connection closed")
        try:
            return fn(*args, **kwargs)
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise
        return await self._on_worker(fn, *args, **kwargs)

    async def commit(self) -> None:
        """Commit inline: with automatic checkpoints off (`checkpoint.WalCheckpointer` does
        them off the loop) a COMMIT only appends to the WAL; if it finds the database busy,
        it runs on the worker thread."""
        await self._execute(self._conn.commit)

    async def _on_worker(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        patient = functools.partial(_with_busy_timeout, self._conn, self.busy_timeout_ms, fn)
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
