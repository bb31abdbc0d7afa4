"""Accounts: registration, login (rate limit + lockout), tokens, profile, password."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from generated import models as m
from generated.errors import ApiError
from generated.models import ErrorCode
from server_impl.auth.passwords import PasswordHasher
from server_impl.auth.ratelimit import SlidingWindowLimiter
from server_impl.auth.tokens import IssuedTokens, TokenService
from server_impl.db.engine import Database
from server_impl.db.models import LoginAttempt, User
from server_impl.services.common import email_key, new_id, require_clean_text, utcnow
from server_impl.services.views import user_summary, user_view
from server_impl.settings import Settings


def token_pair(tokens: IssuedTokens) -> m.TokenPair:
    """The contract's `TokenPair`."""
    return m.TokenPair(
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        token_type="Bearer",
        expires_in=tokens.expires_in,
    )


def _rate_limited(retry_after: int) -> ApiError:
    return ApiError(
        ErrorCode.RATE_LIMITED,
        details={"retry_after": retry_after},
        headers={"Retry-After": str(retry_after)},
    )


class AccountService:
    """Everything about users and their credentials."""

    def __init__(
        self, settings: Settings, db: Database, passwords: PasswordHasher, tokens: TokenService
    ) -> None:
        self._settings = settings
        self._db = db
        self._passwords = passwords
        self._tokens = tokens
        self.login_limiter = SlidingWindowLimiter(
            settings.login_rate_limit, settings.login_rate_window
        )
        self.register_limiter = SlidingWindowLimiter(
            settings.register_rate_limit, settings.register_rate_window
        )

    # ------------------------------------------------------------------ auth
    async def register(
        self, email: str, password: str, nickname: str, client_ip: str
    ) -> m.AuthResult:
        """Create an account and log it in (409 40901 when the email is taken)."""
        require_clean_text(email, "email")
        require_clean_text(nickname, "nickname")
        retry = self.register_limiter.hit(client_ip)
        if retry is not None:
            raise _rate_limited(retry)
        key = email_key(email)
        async with self._db.read() as session:
            if await session.scalar(select(User.id).where(User.email_key == key)) is not None:
                raise ApiError(ErrorCode.EMAIL_EXISTS)
        hashed = await self._passwords.hash(password)
        now = utcnow()
        user = User(
            id=new_id("user"),
            email=email,
            email_key=key,
            password_hash=hashed,
            nickname=nickname,
            avatar=None,
            token_version=0,
            created_at=now,
            updated_at=now,
        )
        try:
            async with self._db.write() as session:
                session.add(user)
        except IntegrityError:
            raise ApiError(ErrorCode.EMAIL_EXISTS) from None
        return m.AuthResult(user=user_view(user), tokens=token_pair(self._tokens.issue(user.id, 0)))

    async def login(self, email: str, password: str, client_ip: str) -> m.AuthResult:
        """Check credentials: 429 per IP, 423 while locked, 40101 for any wrong pair."""
        require_clean_text(email, "email")
        retry = self.login_limiter.hit(client_ip)
        if retry is not None:
            raise _rate_limited(retry)
        key = email_key(email)
        now = utcnow()
        async with self._db.read() as session:
            user = await session.scalar(select(User).where(User.email_key == key))
            attempt = await session.get(LoginAttempt, key)
        if attempt is not None and attempt.locked_until is not None and attempt.locked_until > now:
            wait = max(1, math.ceil((attempt.locked_until - now).total_seconds()))
            raise ApiError(
                ErrorCode.ACCOUNT_LOCKED,
                details={"retry_after": wait},
                headers={"Retry-After": str(wait)},
            )
        ok = await self._passwords.verify(password, user.password_hash if user else None)
        if not ok or user is None:
            await self._record_failure(key, utcnow())
            raise ApiError(ErrorCode.WRONG_CREDENTIALS)
        if attempt is not None:
            async with self._db.write() as session:
                await session.execute(delete(LoginAttempt).where(LoginAttempt.email_key == key))
        return m.AuthResult(
            user=user_view(user), tokens=token_pair(self._tokens.issue(user.id, user.token_version))
        )

    async def _record_failure(self, key: str, now: datetime) -> None:
        """Count one failure atomically; the threshold-th consecutive one locks the email."""
        dialect = postgresql if not self._db.is_sqlite else sqlite
        stmt = dialect.insert(LoginAttempt).values(
            email_key=key, failures=1, last_failure_at=now, locked_until=None
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[LoginAttempt.email_key],
            set_={"failures": LoginAttempt.failures + 1, "last_failure_at": now},
        ).returning(LoginAttempt.failures)
        async with self._db.write() as session:
            failures = (await session.execute(stmt)).scalar_one()
            if failures >= self._settings.lockout_threshold:
                attempt = await session.get(LoginAttempt, key)
                assert attempt is not None
                attempt.failures = 0
                attempt.locked_until = now + timedelta(seconds=self._settings.lockout_seconds)

    async def refresh(self, refresh_token: str) -> m.TokenPair:
        """Spend a refresh token for a new pair (rotation)."""
        _, tokens = await self._tokens.rotate(refresh_token)
        return token_pair(tokens)

    async def logout(self, claims: dict[str, Any], refresh_token: str | None) -> None:
        """Revoke the access token, and the caller's refresh token when one is given.

        A refresh token that is invalid, expired or someone else's is ignored: there is
        nothing of the caller's to revoke.
        """
        await self._tokens.revoke(claims)
        if refresh_token:
            try:
                refresh_claims = self._tokens.decode(refresh_token, "refresh")
            except ApiError:
                return
            if refresh_claims["sub"] == claims["sub"]:
                await self._tokens.revoke(refresh_claims)

    # ------------------------------------------------------------------ profile
    async def get_user(self, user_id: str) -> User:
        """The user row (404 40401 when gone)."""
        async with self._db.read() as session:
            user = await session.get(User, user_id)
        if user is None:
            raise ApiError(ErrorCode.USER_NOT_FOUND)
        return user

    async def me(self, user_id: str) -> m.User:
        """The caller's account."""
        return user_view(await self.get_user(user_id))

    async def summary(self, user_id: str) -> m.UserSummary:
        """A user's public profile (for the WebSocket)."""
        return user_summary(await self.get_user(user_id))

    async def update_profile(self, user_id: str, changes: dict[str, Any]) -> m.User:
        """Apply `nickname` and/or `avatar` (None clears the avatar); other fields untouched."""
        allowed = {k: v for k, v in changes.items() if k in ("nickname", "avatar")}
        if not allowed:
            raise ApiError(ErrorCode.MISSING_FIELD, details={"field": "nickname"})
        if "nickname" in allowed and allowed["nickname"] is None:
            raise ApiError(ErrorCode.INVALID_PARAMETER, details={"field": "nickname"})
        for field, value in allowed.items():
            require_clean_text(value, field)
        async with self._db.write() as session:
            user = await session.get(User, user_id)
            if user is None:
                raise ApiError(ErrorCode.USER_NOT_FOUND)
            for field, value in allowed.items():
                setattr(user, field, value)
            user.updated_at = utcnow()
        return user_view(user)

    async def change_password(self, user_id: str, old_password: str, new_password: str) -> None:
        """Replace the password (40011 when the old one is wrong); every token dies."""
        user = await self.get_user(user_id)
        if not await self._passwords.verify(old_password, user.password_hash):
            raise ApiError(ErrorCode.WRONG_OLD_PASSWORD)
        hashed = await self._passwords.hash(new_password)
        async with self._db.write() as session:
            row = await session.get(User, user_id)
            if row is None:
                raise ApiError(ErrorCode.USER_NOT_FOUND)
            row.password_hash = hashed
            row.token_version = row.token_version + 1
            row.updated_at = utcnow()
