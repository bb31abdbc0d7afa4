"""Service configuration: one frozen dataclass, read from the environment."""

from __future__ import annotations

import dataclasses
import json
import os
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Environment variables are `CONTRACTKIT_<FIELD>` (upper case); `DATABASE_URL` is also read.
ENV_PREFIX = "CONTRACTKIT_"

DEFAULT_ICE_SERVERS: tuple[dict[str, Any], ...] = ({"urls": ["stun:stun.l.google.com:19302"]},)


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the meeting service can be configured with (see docs/rest.md)."""

    # storage
    data_dir: Path = Path("var")
    database_url: str | None = None  # None: SQLite file `<data_dir>/contractkit.db`
    database_schema: str | None = None  # PostgreSQL only: search_path (test isolation)
    db_pool_size: int = 8
    db_max_overflow: int = 8
    migrate_on_startup: bool = True
    files_dir: Path | None = None  # None: `<data_dir>/files`
    # tokens
    jwt_secret: str | None = None  # None: generated once, persisted in `<data_dir>/jwt_secret`
    jwt_issuer: str = "contractkit"
    jwt_audience: str = "contractkit-api"
    access_token_ttl: int = 3600
    refresh_token_ttl: int = 7 * 24 * 3600
    # passwords
    bcrypt_rounds: int = 12
    hash_threads: int = 2
    # abuse limits
    login_rate_limit: int = 5
    login_rate_window: int = 60
    register_rate_limit: int = 20
    register_rate_window: int = 60
    lockout_threshold: int = 5
    lockout_seconds: int = 15 * 60
    # meetings
    default_max_participants: int = 4
    max_participants_cap: int = 16
    meeting_number_ttl: int = 24 * 3600
    ice_servers: tuple[dict[str, Any], ...] = DEFAULT_ICE_SERVERS
    public_ws_url: str | None = None  # None: derived from the request's host
    # files
    max_upload_bytes: int = 50 * 1024 * 1024
    # HTTP layer
    validate_responses: bool = False
    swagger_ui: bool = True
    gc_tuning: bool = True
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def effective_database_url(self) -> str:
        """The SQLAlchemy URL in use (the embedded SQLite file when none is configured)."""
        if self.database_url:
            return normalize_database_url(self.database_url)
        return f"sqlite+aiosqlite:///{(self.data_dir / 'contractkit.db').as_posix()}"

    @property
    def effective_files_dir(self) -> Path:
        """Where uploaded files live (never a path a client controls)."""
        return self.files_dir if self.files_dir is not None else self.data_dir / "files"

    @property
    def is_sqlite(self) -> bool:
        """True when the database is SQLite."""
        return self.effective_database_url.startswith("sqlite")

    def replace(self, **changes: Any) -> Settings:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from `CONTRACTKIT_*` variables (and `DATABASE_URL`), then `overrides`."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            if f.name == "extra":
                continue
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is None and f.name == "database_url":
                raw = env.get("DATABASE_URL")
            if raw is not None:
                values[f.name] = _parse(hints[f.name], raw, f.name)
        values.update(overrides)
        return cls(**values)


def normalize_database_url(url: str) -> str:
    """Map plain `postgresql://` / `sqlite://` URLs to their async drivers."""
    for plain, driver in (
        ("postgres://", "postgresql+asyncpg://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url


def _parse(hint: Any, raw: str, name: str) -> Any:
    """Parse one environment value according to the field's type."""
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        if raw == "":
            return None
        hint = next(a for a in args if a is not type(None))
    if hint is bool:
        lowered = raw.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"{ENV_PREFIX}{name.upper()}: not a boolean: {raw!r}")
    if hint is int:
        return int(raw)
    if hint is Path:
        return Path(raw)
    if hint is str:
        return raw
    # JSON-valued fields (ice_servers)
    value = json.loads(raw)
    return tuple(value) if isinstance(value, list) else value
