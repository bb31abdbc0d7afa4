"""`会议` tag: create, list, join, detail, leave, end."""

from __future__ import annotations

from typing import Literal

from generated import models as m
from generated.server.context import RequestContext
from generated.server.interfaces import MeetingsHandlers as Base
from server_impl.handlers.base import HandlerBase


class MeetingsHandlers(HandlerBase, Base):
    """Meetings, with object-level authorization in the service."""

    async def list_meetings(
        self,
        ctx: RequestContext,
        *,
        type_: Literal["my", "history"] = "my",
        status: m.MeetingStatus | None = None,
        page: int = 1,
        limit: int = 20,
    ) -> m.MeetingList:
        """The caller's meetings, paginated."""
        return await self.services.meetings.list_meetings(
            self.caller(ctx), type_, status.value if status else None, page, limit
        )

    async def create_meeting(
        self, ctx: RequestContext, *, body: m.CreateMeetingRequest | None = None
    ) -> m.Meeting:
        """A new meeting owned by the caller (creator and status come from the server)."""
        settings = self.services.settings
        capacity = settings.default_max_participants
        if body is not None and "max_participants" in body.model_fields_set:
            capacity = body.max_participants
        return await self.services.meetings.create(
            self.caller(ctx),
            body.title if body else None,
            body.password if body else None,
            capacity,
        )

    async def join_meeting(
        self, ctx: RequestContext, *, meeting_number: str, body: m.JoinMeetingRequest | None = None
    ) -> m.MeetingJoinInfo:
        """Join by number; answers the meeting, ICE servers and the WebSocket URL."""
        request = body or m.JoinMeetingRequest()
        return await self.services.meetings.join(
            self.caller(ctx),
            meeting_number,
            request.password,
            request.audio_muted,
            request.video_muted,
            self._ws_url(ctx),
        )

    async def get_meeting_detail(self, ctx: RequestContext, *, meeting_id: str) -> m.MeetingDetail:
        """Creator and participants only; 404 for anyone else."""
        return await self.services.meetings.detail(self.caller(ctx), meeting_id)

    async def leave_meeting(self, ctx: RequestContext, *, meeting_id: str) -> None:
        """Leave (404 when not in the meeting)."""
        await self.services.meetings.leave(self.caller(ctx), meeting_id)

    async def end_meeting(self, ctx: RequestContext, *, meeting_id: str) -> None:
        """End (creator only)."""
        await self.services.meetings.end(self.caller(ctx), meeting_id)

    def _ws_url(self, ctx: RequestContext) -> str:
        configured = self.services.settings.public_ws_url
        if configured:
            return configured
        url = ctx.request.url
        scheme = "wss" if url.scheme in ("https", "wss") else "ws"
        return f"{scheme}://{url.netloc}/v1/ws"
