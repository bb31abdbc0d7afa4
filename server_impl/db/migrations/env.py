"""Alembic environment: runs on a connection handed in by `server_impl.db.migrate`, or on an
engine built from `Settings.from_env()` when invoked as `alembic upgrade head`."""

from __future__ import annotations

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection

from server_impl.db.models import Base

config = context.config
if config.config_file_name is not None and config.attributes.get("connection") is None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
target_metadata = Base.metadata


def run_on_connection(connection: Connection) -> None:
    """Run the migrations on one open connection."""
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_from_settings() -> None:
    """Build an engine from the environment (DATABASE_URL, CONTRACTKIT_*) and migrate it."""
    from server_impl.db.engine import Database, create_engine
    from server_impl.db.migrate import run_locked
    from server_impl.settings import Settings

    settings = Settings.from_env()
    db = Database(create_engine(settings))
    try:
        await run_locked(db, settings.database_schema, run_on_connection)
    finally:
        await db.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported")

_connection = config.attributes.get("connection")
if _connection is not None:
    run_on_connection(_connection)
else:
    asyncio.run(run_from_settings())
