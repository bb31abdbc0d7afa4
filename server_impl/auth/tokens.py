"""JWT access and refresh tokens (RFC 8725): HS256 only, typed, revocable, single-use refresh.

Every token carries `iss`, `aud`, `sub`, `iat`, `exp`, `jti`, `typ` (`access` | `refresh`)
and `ver` (the user's token version; changing the password bumps it, which invalidates every
token issued before). `authenticate` is shared by REST (bearer) and the WebSocket
(`?access_token=`).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import jwt
from sqlalchemy import bindparam, exists, select
from sqlalchemy.exc import IntegrityError

from generated.errors import ApiError
from generated.models import ErrorCode
from generated.server.context import Principal
from server_impl.db.engine import Database
from server_impl.db.models import RevokedToken, User
from server_impl.settings import Settings

TokenType = Literal["access", "refresh"]
ALGORITHMS = ["HS256"]  # the allow-list; `none` and asymmetric algorithms are refused
REQUIRED_CLAIMS = ["iss", "aud", "sub", "iat", "exp", "jti", "typ", "ver"]
#: verified tokens remembered (`TokenService.decode`); about 1 KB each
VERIFIED_MEMO_SIZE = 4096


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    """A freshly issued access/refresh pair."""

    access_token: str
    refresh_token: str
    expires_in: int


#: token version, profile and revocation of a token's user (built once: see `meeting_join`)
_LIVE_USER = select(
    User.token_version,
    User.nickname,
    User.avatar,
    exists().where(RevokedToken.jti == bindparam("jti")),
).where(User.id == bindparam("user_id"))


@dataclass(frozen=True, slots=True)
class Profile:
    """The public profile of a token's user (the contract's `UserSummary`)."""

    id: str
    nickname: str
    avatar: str | None


class TokenService:
    """Issue, verify, rotate and revoke tokens."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        secret: str,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._settings = settings
        self._db = db
        self._secret = secret
        self._clock = clock
        self._verified: dict[str, dict[str, Any]] = {}

    # ------------------------------------------------------------------ issue / decode
    def issue(self, user_id: str, version: int) -> IssuedTokens:
        """A new access + refresh pair for `user_id`."""
        now = int(self._clock())
        return IssuedTokens(
            access_token=self._encode(user_id, version, "access", now),
            refresh_token=self._encode(user_id, version, "refresh", now),
            expires_in=self._settings.access_token_ttl,
        )

    def _encode(self, user_id: str, version: int, typ: TokenType, now: int) -> str:
        ttl = (
            self._settings.access_token_ttl if typ == "access" else self._settings.refresh_token_ttl
        )
        claims = {
            "iss": self._settings.jwt_issuer,
            "aud": self._settings.jwt_audience,
            "sub": user_id,
            "iat": now,
            "exp": now + ttl,
            "jti": secrets.token_hex(16),
            "typ": typ,
            "ver": version,
        }
        return jwt.encode(claims, self._secret, algorithm=ALGORITHMS[0])

    def decode(self, token: str, typ: TokenType) -> dict[str, Any]:
        """Verified claims of a `typ` token; ApiError 40102 when expired, 40103 otherwise.

        A token whose signature and claims were verified before is taken from a bounded
        memo keyed by its exact text (same bytes, same key, same checks), so a client's
        repeated requests pay for HMAC and claim parsing once; its expiry is checked again
        at every use. Revocation and the token version are checked by the callers, always.
        """
        claims = self._verified.get(token)
        if claims is None:
            claims = self._verify(token)
            if len(self._verified) >= VERIFIED_MEMO_SIZE:
                del self._verified[next(iter(self._verified))]  # the oldest entry
            self._verified[token] = claims
        elif claims["exp"] <= time.time():  # as PyJWT: expired once `exp` is reached
            del self._verified[token]
            raise ApiError(ErrorCode.TOKEN_EXPIRED)
        if claims["typ"] != typ:
            raise ApiError(ErrorCode.TOKEN_INVALID)
        return claims

    def _verify(self, token: str) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._secret,
                algorithms=ALGORITHMS,
                audience=self._settings.jwt_audience,
                issuer=self._settings.jwt_issuer,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.ExpiredSignatureError:
            raise ApiError(ErrorCode.TOKEN_EXPIRED) from None
        except (jwt.InvalidTokenError, ValueError, TypeError):
            raise ApiError(ErrorCode.TOKEN_INVALID) from None
        if (
            claims.get("typ") not in ("access", "refresh")
            or not isinstance(claims.get("sub"), str)
            or not isinstance(claims.get("jti"), str)
            or type(claims.get("ver")) is not int
            or type(claims.get("exp")) is not int
        ):
            raise ApiError(ErrorCode.TOKEN_INVALID)
        return claims

    # ------------------------------------------------------------------ verify
    async def authenticate(self, token: str) -> Principal:
        """The principal of a valid, unrevoked access token (REST bearer and WebSocket)."""
        principal, _ = await self.authenticate_profile(token)
        return principal

    async def authenticate_profile(self, token: str) -> tuple[Principal, Profile]:
        """`authenticate`, plus the user's public profile read by the same statement
        (the WebSocket handshake needs both)."""
        claims = self.decode(token, "access")
        params = {"user_id": claims["sub"], "jti": claims["jti"]}
        row = await self._db.run_read(lambda conn: conn.execute(_LIVE_USER, params).first())
        if row is None or row[0] != claims["ver"] or row[3]:
            raise ApiError(ErrorCode.TOKEN_INVALID)
        principal = Principal(user_id=claims["sub"], claims=claims)
        return principal, Profile(claims["sub"], row[1], row[2])

    # ------------------------------------------------------------------ rotate / revoke
    async def rotate(self, refresh_token: str) -> tuple[str, IssuedTokens]:
        """Spend a refresh token once and issue a new pair; a second use gets 40103."""
        claims = self.decode(refresh_token, "refresh")
        try:
            async with self._db.write() as session:
                version = await session.scalar(
                    select(User.token_version).where(User.id == claims["sub"])
                )
                if version is None or version != claims["ver"]:
                    raise ApiError(ErrorCode.TOKEN_INVALID)
                session.add(self._revocation(claims))
                await session.flush()  # the primary key makes the spend atomic
        except IntegrityError:
            raise ApiError(ErrorCode.TOKEN_INVALID) from None
        return claims["sub"], self.issue(claims["sub"], version)

    async def revoke(self, claims: dict[str, Any]) -> None:
        """Blacklist one token until it expires (idempotent)."""
        try:
            async with self._db.write() as session:
                session.add(self._revocation(claims))
        except IntegrityError:
            pass  # already revoked

    def _revocation(self, claims: dict[str, Any]) -> RevokedToken:
        return RevokedToken(
            jti=claims["jti"],
            user_id=claims["sub"],
            token_type=claims["typ"],
            expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
            revoked_at=datetime.fromtimestamp(self._clock(), UTC),
        )
