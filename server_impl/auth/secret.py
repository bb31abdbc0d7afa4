"""The JWT signing secret: from configuration, or generated once and persisted on disk."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from server_impl.settings import Settings

MIN_SECRET_LENGTH = 32  # HS256 wants at least 256 bits of key
SECRET_FILE = "jwt_secret"


def load_or_create_secret(settings: Settings) -> str:
    """`settings.jwt_secret`, else the content of `<data_dir>/jwt_secret` (created if absent).

    Creation is atomic (O_EXCL, mode 0600), so workers starting together agree on one secret.
    Deployments on several hosts must configure `CONTRACTKIT_JWT_SECRET` instead.
    """
    if settings.jwt_secret:
        if len(settings.jwt_secret) < MIN_SECRET_LENGTH:
            raise ValueError(f"jwt_secret must be at least {MIN_SECRET_LENGTH} characters")
        return settings.jwt_secret
    path = settings.data_dir / SECRET_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read(path)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_urlsafe(48))
        handle.flush()
        os.fsync(handle.fileno())
    return _read(path)


def _read(path: Path) -> str:
    value = path.read_text(encoding="ascii").strip()
    if len(value) < MIN_SECRET_LENGTH:
        raise RuntimeError(f"{path}: signing secret is missing or too short")
    return value
