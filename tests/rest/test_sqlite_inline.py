"""SQLite calls run on the event loop's thread, and a lock held elsewhere never stalls the loop."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from server_impl.db import inline_sqlite
from server_impl.db.engine import Database, create_engine
from server_impl.settings import Settings
from tests.rest.sqlite_lock import tick_until_stopped, wait_behind_another_writer


def _settings(tmp_path: Path) -> Settings:
    return Settings.from_env(data_dir=tmp_path, jwt_secret="s" * 48)


async def test_calls_run_on_the_loop_thread(tmp_path: Path) -> None:
    db = Database(create_engine(_settings(tmp_path)))
    try:
        async with db.read() as session:
            conn = await session.connection()
            raw = await conn.get_raw_connection()
            sqlite_conn = raw.driver_connection._connection  # type: ignore[union-attr]
            sqlite_conn.create_function("thread_id", 0, threading.get_ident)
            answered_on = (await session.execute(text("SELECT thread_id()"))).scalar_one()
        assert answered_on == threading.get_ident()
    finally:
        await db.dispose()


async def test_a_lock_held_by_another_process_waits_off_the_loop(tmp_path: Path) -> None:
    db = Database(create_engine(_settings(tmp_path)))
    path = tmp_path / "contractkit.db"
    try:
        async with db.write() as session:
            await session.execute(text("CREATE TABLE t (v INTEGER)"))

        async def ours() -> None:
            async with db.write() as session:
                await session.execute(text("INSERT INTO t VALUES (1)"))

        waited, ticks = await wait_behind_another_writer(path, ours, value=None)
        assert waited >= 0.4  # it did wait for the other writer
        assert ticks >= 20  # the loop kept running
        async with db.read() as session:
            assert (await session.execute(text("SELECT v FROM t"))).scalars().all() == [1]
    finally:
        await db.dispose()


async def test_a_lock_held_past_the_busy_timeout_fails_without_blocking(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    setup = sqlite3.connect(path, isolation_level=None)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute("CREATE TABLE t (v INTEGER)")
    setup.execute("BEGIN IMMEDIATE")
    conn = await inline_sqlite.connect(path, timeout=0.3, isolation_level=None)
    ticks: list[float] = []
    stop = asyncio.Event()
    ticker = asyncio.create_task(tick_until_stopped(ticks, stop))
    started = time.monotonic()
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            await conn.execute("BEGIN IMMEDIATE")
        waited = time.monotonic() - started
        assert 0.25 <= waited < 5
        assert len(ticks) >= 10
        setup.execute("ROLLBACK")
        await conn.execute("BEGIN IMMEDIATE")  # the lock is free: inline again, and it works
        await conn.execute("INSERT INTO t VALUES (2)")
        await conn.commit()
    finally:
        stop.set()
        await ticker
        await conn.close()
        setup.close()
    assert sqlite3.connect(path).execute("SELECT v FROM t").fetchall() == [(2,)]
