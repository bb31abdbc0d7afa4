"""Commits run on the loop's thread and only append to the WAL; `WalCheckpointer` moves the WAL
into the database file off the loop."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from sqlalchemy import text

from server_impl.db.engine import Database, create_engine
from server_impl.settings import Settings

PAGE = 4096
BLOB_ROWS = 100  # rows of one page each per commit


def _database(tmp_path: Path) -> tuple[Database, Path]:
    settings = Settings.from_env(data_dir=tmp_path, jwt_secret="s" * 48)
    db = Database(create_engine(settings))
    assert db.checkpointer is not None
    return db, db.checkpointer.database


async def _write_pages(db: Database, commits: int) -> None:
    for _ in range(commits):
        async with db.write() as session:
            await session.execute(
                text("INSERT INTO blobs (v) SELECT randomblob(:n) FROM generate WHERE x <= :rows"),
                {"n": PAGE, "rows": BLOB_ROWS},
            )


async def _setup(db: Database) -> None:
    async with db.write() as session:
        await session.execute(text("CREATE TABLE blobs (v BLOB)"))
        await session.execute(
            text(
                "CREATE VIEW generate AS WITH RECURSIVE c(x) AS "
                "(SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000) SELECT x FROM c"
            )
        )


async def test_a_session_commits_on_the_loop_thread(tmp_path: Path) -> None:
    db, _ = _database(tmp_path)
    seen: list[tuple[str, int]] = []
    try:
        async with db.write() as session:
            conn = await session.connection()
            raw = await conn.get_raw_connection()
            sqlite_conn = raw.driver_connection._connection  # type: ignore[union-attr]
            sqlite_conn.set_trace_callback(lambda sql: seen.append((sql, threading.get_ident())))
            await session.execute(text("CREATE TABLE t (v INTEGER)"))
        sqlite_conn.set_trace_callback(None)
    finally:
        await db.dispose()
    commits = [thread for sql, thread in seen if sql.strip().upper() == "COMMIT"]
    assert commits == [threading.get_ident()], seen  # inline, not on aiosqlite's worker thread


async def test_commits_leave_the_checkpoint_to_the_checkpointer(tmp_path: Path) -> None:
    db, path = _database(tmp_path)
    wal = path.with_name(path.name + "-wal")
    assert db.checkpointer is not None
    db.checkpointer.interval = 3600  # no checkpoint during the writes
    try:
        await _setup(db)
        await asyncio.sleep(0.2)  # the setup's first checkpoint (interval counts from start)
        await _write_pages(db, 15)  # 1,500 pages: past SQLite's automatic checkpoint (1,000)
        assert wal.stat().st_size > 1_400 * PAGE  # no commit checkpointed and reset the WAL
        assert path.stat().st_size < 100 * PAGE  # the rows are only in the WAL so far
        runs = db.checkpointer.runs
        db.checkpointer.interval = 0.05
        await _write_pages(db, 1)
        for _ in range(200):
            if db.checkpointer.runs > runs:
                break
            await asyncio.sleep(0.05)
        assert db.checkpointer.runs > runs
        assert path.stat().st_size > 1_500 * PAGE  # the checkpoint moved the pages in
        async with db.read() as session:
            count = (await session.execute(text("SELECT count(*) FROM blobs"))).scalar_one()
        assert count == 16 * BLOB_ROWS
    finally:
        await db.dispose()


async def test_an_in_memory_database_has_no_checkpointer(tmp_path: Path) -> None:
    settings = Settings.from_env(
        data_dir=tmp_path, jwt_secret="s" * 48, database_url="sqlite+aiosqlite:///:memory:"
    )
    db = Database(create_engine(settings))
    try:
        assert db.checkpointer is None
    finally:
        await db.dispose()
