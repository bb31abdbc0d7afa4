"""What every handler class shares: the services and the caller's identity."""

from __future__ import annotations

from generated.errors import ApiError
from generated.models import ErrorCode
from generated.server.context import RequestContext
from server_impl.services import Services


class HandlerBase:
    """Holds `services`; `caller(ctx)` is the authenticated user id of a secured operation."""

    def __init__(self, services: Services) -> None:
        self.services = services

    @staticmethod
    def caller(ctx: RequestContext) -> str:
        """The user id (secured operations always have one; Connexion checked the token)."""
        if ctx.user_id is None:
            raise ApiError(ErrorCode.TOKEN_INVALID)
        return ctx.user_id
