"""`Database.run_read` / `run_write` on a SQLite file: plain `sqlite3` on the loop's thread, and
a lock held by another connection is waited for on a worker thread, never on the loop."""

from __future__ import annotations

import threading
from pathlib import Path

import greenlet
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection

from server_impl.db.engine import Database, create_engine
from server_impl.settings import Settings
from tests.rest.sqlite_lock import wait_behind_another_writer


def _database(tmp_path: Path) -> Database:
    return Database(create_engine(Settings.from_env(data_dir=tmp_path, jwt_secret="s" * 48)))


def _create(conn: Connection) -> None:
    conn.exec_driver_sql("CREATE TABLE t (v INTEGER)")


async def test_units_run_inline_without_the_async_adapter(tmp_path: Path) -> None:
    db = _database(tmp_path)
    where: list[tuple[int, str]] = []

    def insert(conn: Connection) -> int:
        where.append((threading.get_ident(), type(greenlet.getcurrent()).__name__))
        conn.exec_driver_sql("INSERT INTO t VALUES (7)")
        return 1

    def read(conn: Connection) -> list[int]:
        where.append((threading.get_ident(), type(greenlet.getcurrent()).__name__))
        return [row[0] for row in conn.execute(text("SELECT v FROM t"))]

    try:
        await db.run_write(_create)
        assert await db.run_write(insert) == 1
        assert await db.run_read(read) == [7]
    finally:
        await db.dispose()
    # the loop's own thread and greenlet: no worker thread, no SQLAlchemy greenlet
    assert where == [(threading.get_ident(), "greenlet")] * 2


async def test_a_failing_unit_is_rolled_back(tmp_path: Path) -> None:
    db = _database(tmp_path)

    def half_then_fail(conn: Connection) -> None:
        conn.exec_driver_sql("INSERT INTO t VALUES (1)")
        raise RuntimeError("boom")

    try:
        await db.run_write(_create)
        with pytest.raises(RuntimeError, match="boom"):
            await db.run_write(half_then_fail)
        rows = await db.run_read(lambda conn: conn.exec_driver_sql("SELECT v FROM t").all())
        assert rows == []
    finally:
        await db.dispose()


async def test_a_unit_waits_for_another_connections_lock_off_the_loop(tmp_path: Path) -> None:
    db = _database(tmp_path)
    path = tmp_path / "contractkit.db"
    try:
        await db.run_write(_create)

        async def ours() -> None:
            await db.run_write(lambda conn: conn.exec_driver_sql("INSERT INTO t VALUES (2)"))

        waited, ticks = await wait_behind_another_writer(path, ours, value=1)
        assert waited >= 0.4  # it did wait for the other writer
        assert ticks >= 20  # the loop kept running
        rows = await db.run_read(lambda conn: conn.exec_driver_sql("SELECT v FROM t").all())
        assert [r[0] for r in rows] == [1, 2]
    finally:
        await db.dispose()
