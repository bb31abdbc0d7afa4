"""Async engine and sessions for SQLite (WAL, embedded default) and PostgreSQL (asyncpg).

SQLite specifics:
- Connections run their calls on the loop's thread (`inline_sqlite`): no thread hop per call;
  only a wait for another process's lock goes to aiosqlite's worker thread. The Core units of
  `run_read` / `run_write` skip the async adapter altogether (`sync_sqlite`).
- COMMIT only appends to the WAL; checkpoints run off the loop (`checkpoint`).
- Read sessions run in autocommit: no BEGIN/ROLLBACK round trips; each SELECT is atomic.
- Write transactions start with `BEGIN IMMEDIATE`, so two writers never deadlock upgrading
  read locks ("database is locked"); within one process they also queue on an asyncio lock,
  instead of sleeping in SQLite's busy handler (whose back-off reaches 100 ms per retry).
  Other processes are still handled by the busy timeout.
"""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import AsyncAdaptedQueuePool

from server_impl.db import inline_sqlite
from server_impl.db.checkpoint import WalCheckpointer
from server_impl.db.sync_sqlite import SyncSqlite, install_sqlite_hooks
from server_impl.settings import Settings

SQLITE_BUSY_TIMEOUT_MS = 30_000
_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

T = TypeVar("T")


class Database:
    """The engine plus two session factories: `read()` and `write()` (a committed transaction)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._read = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
        write_bind = engine.execution_options(sqlite_begin="IMMEDIATE")
        self._write_bind = write_bind
        self._write = async_sessionmaker(write_bind, expire_on_commit=False, autoflush=False)
        self._write_lock = asyncio.Lock() if self.is_sqlite else None
        database = engine.url.database if self.is_sqlite else None
        file_backed = bool(database) and database != ":memory:"
        self.checkpointer = WalCheckpointer(Path(database)) if file_backed and database else None
        #: the Core units' plain-sqlite3 path (a separate engine would not see `:memory:`)
        self._sync = (
            SyncSqlite(engine.url, busy_timeout_ms=SQLITE_BUSY_TIMEOUT_MS) if file_backed else None
        )

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reads; its transaction is rolled back at the end."""
        async with self._read() as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction, committed on success and rolled back on error.

        Do not open a `write()` inside another one (on SQLite that would wait forever).
        """
        if self._write_lock is None:
            async with self._write() as session, session.begin():
                yield session
            return
        async with self._write_lock, self._write() as session, session.begin():
            yield session
        self._committed()

    async def run_read(self, work: Callable[[Connection], T]) -> T:
        """Run `work` (Core statements on a sync connection) in one step, as `read()` would.

        The hot paths (token checks, joins, chat batches) use this instead of an ORM session:
        no session or identity-map bookkeeping. On a SQLite file the unit runs on a plain
        `sqlite3` connection (`sync_sqlite`), elsewhere in one greenlet of the async engine.
        """
        if self._sync is not None:
            return await self._sync.read(work)
        async with self.engine.connect() as conn:
            return await conn.run_sync(work)

    async def run_write(self, work: Callable[[Connection], T]) -> T:
        """Run `work` in one transaction, committed on success, as `write()` would."""
        if self._write_lock is None:
            async with self._write_bind.begin() as conn:
                return await conn.run_sync(work)
        async with self._write_lock:
            if self._sync is not None:
                result = await self._sync.write(work)
            else:
                async with self._write_bind.begin() as conn:
                    result = await conn.run_sync(work)
        self._committed()
        return result

    def _committed(self) -> None:
        if self.checkpointer is not None:
            self.checkpointer.after_commit()

    async def dispose(self) -> None:
        """Close every pooled connection."""
        if self.checkpointer is not None:
            await self.checkpointer.close()
        if self._sync is not None:
            self._sync.dispose()
        await self.engine.dispose()


def create_engine(settings: Settings) -> AsyncEngine:
    """Build the engine for `settings` (pool sized explicitly; SQLite pragmas applied)."""
    url = make_url(settings.effective_database_url)
    kwargs: dict[str, Any] = {
        "poolclass": AsyncAdaptedQueuePool,
        "pool_size": settings.db_pool_size,
        "max_overflow": settings.db_max_overflow,
        "pool_pre_ping": False,
    }
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        # the creator takes no arguments from SQLAlchemy: URL query and `connect_args` do not
        # apply; the busy timeout is spent on aiosqlite's worker thread (`inline_sqlite`)
        kwargs["async_creator"] = functools.partial(
            inline_sqlite.connect, database or ":memory:", timeout=SQLITE_BUSY_TIMEOUT_MS / 1000
        )
        engine = create_async_engine(url, **kwargs)
        install_sqlite_hooks(engine.sync_engine)
        return engine
    if url.get_backend_name() == "postgresql" and settings.database_schema:
        schema = settings.database_schema
        if not _SCHEMA_NAME.match(schema):
            raise ValueError(f"invalid database_schema: {schema!r}")
        kwargs["connect_args"] = {"server_settings": {"search_path": schema}}
    return create_async_engine(url, **kwargs)
