"""Apply the Alembic chain: at start-up (`Settings.migrate_on_startup`) or from the command line.

Command line (either works; both read `DATABASE_URL` / `CONTRACTKIT_*`):
    .venv/bin/alembic upgrade head
    .venv/bin/python -m server_impl.db.migrate
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection

from server_impl.db.engine import Database, create_engine
from server_impl.settings import Settings

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
#: arbitrary constant: serializes concurrent start-ups (several workers) on PostgreSQL
_PG_LOCK_KEY = 0x636B5F6D6967  # "ck_mig"


def alembic_config() -> Config:
    """An Alembic config pointing at our migration scripts (no ini file needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    """The newest revision of the chain."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the chain is never empty
        raise RuntimeError("no migrations")
    return head


async def upgrade(db: Database, schema: str | None = None) -> None:
    """Bring the database up to the newest revision (idempotent, safe to run concurrently)."""
    await run_locked(db, schema, _upgrade_on)


async def run_locked(db: Database, schema: str | None, fn: Callable[[Connection], None]) -> None:
    """Run `fn` in one transaction that holds the migration lock (and has the schema)."""
    engine = db.engine.execution_options(sqlite_begin="IMMEDIATE")
    async with engine.begin() as conn:
        if not db.is_sqlite:
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
            if schema:
                await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        await conn.run_sync(fn)


def _upgrade_on(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


async def current_revision(db: Database) -> str | None:
    """The revision the database is at (None when never migrated)."""
    async with db.engine.connect() as conn:
        return await conn.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


async def upgrade_database(settings: Settings) -> None:
    """Open the configured database, migrate it and close it again."""
    db = Database(create_engine(settings))
    try:
        await upgrade(db, settings.database_schema)
    finally:
        await db.dispose()


def main() -> None:
    """`python -m server_impl.db.migrate`: migrate the configured database to head."""
    settings = Settings.from_env()
    asyncio.run(upgrade_database(settings))
    print(f"migrated {settings.effective_database_url} to {head_revision()}")


if __name__ == "__main__":
    main()
