"""`用户` tag: the caller's profile and password."""

from __future__ import annotations

from generated import models as m
from generated.server.context import RequestContext
from generated.server.interfaces import UsersHandlers as Base
from server_impl.handlers.base import HandlerBase


class UsersHandlers(HandlerBase, Base):
    """`/users/me` and `/users/me/password`."""

    async def get_current_user(self, ctx: RequestContext) -> m.User:
        """The caller's account."""
        return await self.services.accounts.me(self.caller(ctx))

    async def update_profile(self, ctx: RequestContext, *, body: m.UpdateProfileRequest) -> m.User:
        """Change only the fields present in the body (`avatar: null` clears the avatar)."""
        changes = {name: getattr(body, name) for name in body.model_fields_set}
        return await self.services.accounts.update_profile(self.caller(ctx), changes)

    async def change_password(self, ctx: RequestContext, *, body: m.ChangePasswordRequest) -> None:
        """Check the old password, set the new one; every issued token stops working."""
        await self.services.accounts.change_password(
            self.caller(ctx), body.old_password, body.new_password
        )
