"""Small helpers shared by the services: ids, clock, input hygiene."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime

from generated.errors import ApiError
from generated.models import ErrorCode

ID_HEX_LENGTH = 24
_ID_PATTERN = re.compile(rf"^[a-z]+_[0-9a-f]{{{ID_HEX_LENGTH}}}$")


def utcnow() -> datetime:
    """The current time, aware UTC, truncated to microseconds like the database keeps it."""
    return datetime.now(UTC)


def new_id(prefix: str) -> str:
    """A random id such as `meeting_3f2a…` (96 random bits)."""
    return f"{prefix}_{secrets.token_hex(ID_HEX_LENGTH // 2)}"


def is_our_id(value: str, prefix: str) -> bool:
    """Whether `value` has the shape of an id we issued with `prefix` (no DB lookup needed)."""
    return value.startswith(prefix + "_") and _ID_PATTERN.match(value) is not None


def require_clean_text(value: str | None, field: str) -> None:
    """Reject NUL characters and lone surrogates: no database can store them (400 40004)."""
    if value is None:
        return
    if "\x00" in value:
        raise ApiError(ErrorCode.INVALID_PARAMETER, details={"field": field, "reason": "NUL"})
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ApiError(
            ErrorCode.INVALID_PARAMETER, details={"field": field, "reason": "invalid unicode"}
        ) from None


def email_key(email: str) -> str:
    """The case-insensitive identity of an email address."""
    return email.strip().lower()
