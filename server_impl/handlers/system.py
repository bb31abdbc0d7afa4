"""`系统` tag: health."""

from __future__ import annotations

from sqlalchemy import text

from generated import models as m
from generated.errors import ApiError
from generated.models import ErrorCode
from generated.server.app import CONTRACT
from generated.server.context import RequestContext
from generated.server.interfaces import SystemHandlers as Base
from server_impl.handlers.base import HandlerBase
from server_impl.http.docs import load_contract
from server_impl.services import Services


class SystemHandlers(HandlerBase, Base):
    """`GET /health`: the service and its database."""

    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self.version = str(load_contract(CONTRACT)["info"]["version"])

    async def get_health(self, ctx: RequestContext) -> m.Health:
        """`ok` once the database answers; 500 50001 otherwise."""
        try:
            async with self.services.db.read() as session:
                await session.execute(text("SELECT 1"))
        except Exception as exc:
            raise ApiError(ErrorCode.INTERNAL_ERROR, details={"database": "unavailable"}) from exc
        return m.Health(status="ok", version=self.version)
