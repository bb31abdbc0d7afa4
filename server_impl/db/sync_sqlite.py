"""Core units of work on the embedded SQLite, run synchronously on the event loop's thread.

Through SQLAlchemy's async adapter every DBAPI call of a unit (connect, BEGIN, each statement,
COMMIT, the reset on release) is a pair of greenlet switches and an awaitable, although the
inline SQLite connection answers at once: about 0.1 ms per unit of pure overhead, more than the
statements cost. `Database.run_read` / `run_write` hand their (already synchronous) Core work
to this plain `sqlite3` engine on the same file instead.

The loop still never waits for a lock: the connections' busy timeout is 0, so a unit that finds
the database locked by another process fails at once with SQLITE_BUSY and is run again, whole,
on a worker thread with the full busy timeout. A unit is one transaction that was rolled back,
so running it again is safe. COMMIT only appends to the WAL: automatic checkpoints are off
(`checkpoint.WalCheckpointer`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import QueuePool

from server_impl.db.inline_sqlite import is_busy

T = TypeVar("T")

PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=0",  # lock waits happen off the loop
    "PRAGMA wal_autocheckpoint=0",  # commits stay cheap: checkpoint.WalCheckpointer
    # statement journals (a multi-row INSERT inside a transaction keeps one, to undo just that
    # statement) in memory, not in a temporary file created, written and unlinked each time:
    # a third of a chat row's insert cost (benchmarks/ws/chat_storage.py)
    "PRAGMA temp_store=MEMORY",
)


def install_sqlite_hooks(engine: Engine) -> None:
    """WAL, foreign keys and no automatic checkpoint per connection; `BEGIN <mode>` for
    connections whose `sqlite_begin` execution option is set (reads stay in autocommit)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself (pysqlite's implicit transactions are unreliable).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin")
        if mode is not None:
            conn.exec_driver_sql(f"BEGIN {mode}")


class SyncSqlite:
    """A plain-`sqlite3` engine for one database file, driven from the event loop."""

    def __init__(self, url: URL, *, busy_timeout_ms: int, pool_size: int = 2) -> None:
        self.engine = create_engine(
            url.set(drivername="sqlite"),
            poolclass=QueuePool,
            pool_size=pool_size,
            max_overflow=8,
            connect_args={"check_same_thread": False, "timeout": 0.0},
        )
        install_sqlite_hooks(self.engine)
        self._write_bind = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        self.busy_timeout_ms = busy_timeout_ms

    async def read(self, work: Callable[[Connection], T]) -> T:
        """`work` in autocommit (each SELECT atomic), inline unless the database is busy."""
        try:
            with self.engine.connect() as conn:
                return work(conn)
        except OperationalError as exc:
            if exc.orig is None or not is_busy(exc.orig):
                raise
        return await asyncio.to_thread(self._patiently, self.engine, work)

    async def write(self, work: Callable[[Connection], T]) -> T:
        """`work` in one `BEGIN IMMEDIATE` transaction, committed on success."""
        try:
            with self._write_bind.connect() as conn, conn.begin():
                return work(conn)
        except OperationalError as exc:
            if exc.orig is None or not is_busy(exc.orig):
                raise
        return await asyncio.to_thread(self._patiently, self._write_bind, work)

    def _patiently(self, bind: Engine, work: Callable[[Connection], T]) -> T:
        """On a worker thread: the unit again, letting SQLite wait for the lock."""
        with bind.connect() as conn:
            raw = conn.connection.dbapi_connection
            assert raw is not None
            raw.execute(f"PRAGMA busy_timeout={int(self.busy_timeout_ms)}")
            try:
                with conn.begin():
                    return work(conn)
            finally:
                raw.execute("PRAGMA busy_timeout=0")

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
