"""The Alembic chain: matches the models, is idempotent, reversible, and runs from the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from server_impl.db.engine import Database, create_engine
from server_impl.db.migrate import alembic_config, current_revision, head_revision, run_locked
from server_impl.db.migrate import upgrade as migrate_up
from server_impl.db.models import Base
from server_impl.settings import Settings
from tests.conftest import SettingsFactory

REPO = Path(__file__).resolve().parents[2]
TABLES = {
    "users",
    "meetings",
    "participants",
    "files",
    "revoked_tokens",
    "login_attempts",
    "chat_messages",
    "alembic_version",
}


def _diff(conn: Connection) -> list[Any]:
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_migrations_create_exactly_the_models(make_settings: SettingsFactory) -> None:
    settings = make_settings()
    db = Database(create_engine(settings))
    try:
        assert await current_revision(db) is None
        await migrate_up(db, settings.database_schema)
        assert await current_revision(db) == head_revision()
        async with db.engine.connect() as conn:
            tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
            assert tables == TABLES
            assert await conn.run_sync(_diff) == []
            columns = await conn.run_sync(
                lambda c: {col["name"] for col in inspect(c).get_columns("participants")}
            )
        assert {"audio_muted", "video_muted", "left_at", "joined_at"} <= columns
        await migrate_up(db, settings.database_schema)  # idempotent
        assert await current_revision(db) == head_revision()
    finally:
        await db.dispose()


async def test_downgrade_to_base_and_back(make_settings: SettingsFactory) -> None:
    settings = make_settings()
    db = Database(create_engine(settings))

    def down(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "base")

    try:
        await migrate_up(db, settings.database_schema)
        await run_locked(db, settings.database_schema, down)
        async with db.engine.connect() as conn:
            tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
        assert tables <= {"alembic_version"}
        await migrate_up(db, settings.database_schema)
        assert await current_revision(db) == head_revision()
    finally:
        await db.dispose()


def _cli_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env["CONTRACTKIT_DATA_DIR"] = str(settings.data_dir)
    if settings.database_url:
        env["DATABASE_URL"] = settings.database_url
        env["CONTRACTKIT_DATABASE_SCHEMA"] = settings.database_schema or ""
    else:
        env.pop("DATABASE_URL", None)
    return env


async def test_python_module_cli_migrates(make_settings: SettingsFactory) -> None:
    settings = make_settings()
    result = subprocess.run(
        [sys.executable, "-m", "server_impl.db.migrate"],
        env=_cli_env(settings),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert head_revision() in result.stdout
    db = Database(create_engine(settings))
    try:
        assert await current_revision(db) == head_revision()
    finally:
        await db.dispose()


async def test_alembic_cli_migrates(make_settings: SettingsFactory) -> None:
    settings = make_settings()
    alembic = Path(sys.executable).parent / "alembic"
    result = subprocess.run(
        [str(alembic), "-c", str(REPO / "alembic.ini"), "upgrade", "head"],
        env=_cli_env(settings),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    db = Database(create_engine(settings))
    try:
        assert await current_revision(db) == head_revision()
    finally:
        await db.dispose()


async def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    db = Database(create_engine(Settings(data_dir=tmp_path)))
    try:
        async with db.read() as session:
            mode = (await session.execute(text("PRAGMA journal_mode"))).scalar_one()
            fks = (await session.execute(text("PRAGMA foreign_keys"))).scalar_one()
            temp_store = (await session.execute(text("PRAGMA temp_store"))).scalar_one()
        assert mode == "wal" and fks == 1
        assert temp_store == 2  # MEMORY: statement journals never touch a temporary file
        assert (tmp_path / "contractkit.db").exists()
    finally:
        await db.dispose()
