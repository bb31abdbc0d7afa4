"""Pure pieces: settings parsing, limiter arithmetic, password pre-hash, names and types."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from server_impl.auth.passwords import PasswordHasher
from server_impl.auth.ratelimit import SlidingWindowLimiter
from server_impl.auth.secret import load_or_create_secret
from server_impl.http.allow import allowed_methods
from server_impl.services.files import (
    content_disposition,
    infer_file_type,
    sanitize_content_type,
    sanitize_filename,
)
from server_impl.settings import Settings, normalize_database_url


def test_settings_from_env_parses_types() -> None:
    settings = Settings.from_env(
        {
            "DATABASE_URL": "postgresql://u@h/db",
            "CONTRACTKIT_BCRYPT_ROUNDS": "13",
            "CONTRACTKIT_VALIDATE_RESPONSES": "yes",
            "CONTRACTKIT_SWAGGER_UI": "0",
            "CONTRACTKIT_DATA_DIR": "/srv/ck",
            "CONTRACTKIT_PUBLIC_WS_URL": "",
            "CONTRACTKIT_ICE_SERVERS": '[{"urls": ["turn:t.example.com"], "username": "u"}]',
        }
    )
    assert settings.effective_database_url == "postgresql+asyncpg://u@h/db"
    assert settings.bcrypt_rounds == 13 and settings.validate_responses is True
    assert settings.swagger_ui is False and settings.data_dir == Path("/srv/ck")
    assert settings.public_ws_url is None
    assert settings.ice_servers == ({"urls": ["turn:t.example.com"], "username": "u"},)


def test_settings_reject_bad_booleans() -> None:
    with pytest.raises(ValueError, match="CONTRACTKIT_GC_TUNING"):
        Settings.from_env({"CONTRACTKIT_GC_TUNING": "maybe"})


def test_default_database_is_a_sqlite_file_in_the_data_dir() -> None:
    settings = Settings(data_dir=Path("/srv/x"))
    assert settings.effective_database_url == "sqlite+aiosqlite:////srv/x/contractkit.db"
    assert settings.effective_files_dir == Path("/srv/x/files") and settings.is_sqlite
    assert normalize_database_url("sqlite:///a.db") == "sqlite+aiosqlite:///a.db"


def test_limiter_window_and_retry_after() -> None:
    now = [1000.0]
    limiter = SlidingWindowLimiter(3, 60, clock=lambda: now[0])
    assert [limiter.hit("ip") for _ in range(3)] == [None, None, None]
    assert limiter.hit("ip") == 60
    assert limiter.hit("other") is None
    now[0] += 59.5
    assert limiter.hit("ip") == 1
    now[0] += 0.5
    assert limiter.hit("ip") is None  # the first three left the window


def test_limiter_forgets_least_recent_keys_beyond_its_bound() -> None:
    limiter = SlidingWindowLimiter(1, 60, max_keys=2, clock=lambda: 0.0)
    limiter.hit("a")
    limiter.hit("b")
    limiter.hit("c")  # evicts "a"
    assert limiter.hit("a") is None and limiter.hit("c") == 60


def test_passwords_beyond_72_bytes_are_fully_significant() -> None:
    hasher = PasswordHasher(rounds=4)
    try:
        base = "a1" * 40  # 80 bytes
        hashed = hasher.hash_sync(base)
        assert hasher.verify_sync(base, hashed)
        assert not hasher.verify_sync(base[:-1] + "X", hashed)  # differs after byte 72
        assert not hasher.verify_sync(base, None)
        assert not hasher.verify_sync(base, "not-a-hash")
        assert asyncio.run(hasher.verify(base, hashed))
    finally:
        hasher.close()


def test_secret_is_created_once_with_private_permissions(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    first = load_or_create_secret(settings)
    assert load_or_create_secret(settings) == first and len(first) >= 32
    assert (tmp_path / "jwt_secret").stat().st_mode & 0o777 == 0o600
    with pytest.raises(ValueError, match="at least 32"):
        load_or_create_secret(Settings(data_dir=tmp_path, jwt_secret="short"))


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (None, "file"),
        ("", "file"),
        ("...", "file"),
        ("C:\\Users\\x\\doc.pdf", "doc.pdf"),
        (".hidden", "hidden"),
        ("a\nb\rc.txt", "abc.txt"),
        ("é" * 200 + ".txt", "é" * 125 + ".txt"),
    ],
)
def test_sanitize_filename(raw: str | None, clean: str) -> None:
    assert sanitize_filename(raw) == clean
    assert len(sanitize_filename(raw).encode()) <= 255


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Text/Plain; charset=utf-8", "text/plain"),
        ("image/svg+xml", "image/svg+xml"),
        ("nonsense", "application/octet-stream"),
        (None, "application/octet-stream"),
        ("text/html\r\nX-Evil: 1", "application/octet-stream"),
    ],
)
def test_sanitize_content_type(raw: str | None, clean: str) -> None:
    assert sanitize_content_type(raw) == clean


def test_file_type_inference() -> None:
    assert infer_file_type("video/mp4") == "video"
    assert infer_file_type("application/pdf") == "document"
    assert infer_file_type("application/vnd.openxmlformats-officedocument.x") == "document"
    assert infer_file_type("application/zip") == "other"


def test_content_disposition_never_breaks_the_header() -> None:
    value = content_disposition('evil"; x=1\\.txt')
    assert value.startswith('attachment; filename="evil_; x=1_.txt"')
    assert "\r" not in value and "\n" not in value


def test_allow_table_covers_every_method_of_a_path() -> None:
    table = allowed_methods({"paths": {"/m/{id}": {"get": {}, "post": {}, "summary": "x"}}}, "/v1")
    [(pattern, allow)] = table
    assert allow == "GET, POST, HEAD"
    assert pattern.match("/v1/m/abc") and not pattern.match("/v1/m/abc/def")
