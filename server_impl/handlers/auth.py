"""`认证` tag: register, login, refresh, logout."""

from __future__ import annotations

from generated import models as m
from generated.server.context import RequestContext
from generated.server.interfaces import AuthHandlers as Base
from server_impl.handlers.base import HandlerBase


class AuthHandlers(HandlerBase, Base):
    """Registration and tokens."""

    async def register_user(self, ctx: RequestContext, *, body: m.RegisterRequest) -> m.AuthResult:
        """Create an account; the response logs it in."""
        return await self.services.accounts.register(
            body.email, body.password, body.nickname, ctx.client_ip
        )

    async def login_user(self, ctx: RequestContext, *, body: m.LoginRequest) -> m.AuthResult:
        """Email + password -> tokens (rate limited per IP, locked after repeated failures)."""
        return await self.services.accounts.login(body.email, body.password, ctx.client_ip)

    async def refresh_token(self, ctx: RequestContext, *, body: m.RefreshRequest) -> m.TokenPair:
        """Rotate a refresh token."""
        return await self.services.accounts.refresh(body.refresh_token)

    async def logout_user(
        self, ctx: RequestContext, *, body: m.LogoutRequest | None = None
    ) -> None:
        """Revoke the access token (and the given refresh token)."""
        self.caller(ctx)
        refresh = body.refresh_token if body is not None else None
        await self.services.accounts.logout(ctx.claims, refresh)
