"""`文件` tag: upload, list, download (meeting members only)."""

from __future__ import annotations

from generated import models as m
from generated.server.context import FileDownload, RequestContext
from generated.server.forms import FileUploadFormData
from generated.server.interfaces import FilesHandlers as Base
from server_impl.handlers.base import HandlerBase


class FilesHandlers(HandlerBase, Base):
    """Files shared in a meeting."""

    async def list_meeting_files(
        self, ctx: RequestContext, *, meeting_id: str
    ) -> m.MeetingFileList:
        """Newest first."""
        return await self.services.files.list_files(self.caller(ctx), meeting_id)

    async def upload_meeting_file(
        self, ctx: RequestContext, *, meeting_id: str, body: FileUploadFormData
    ) -> m.MeetingFile:
        """Stream the part to disk (size-capped) and record its sha256."""
        file_type = body.file_type.value if body.file_type is not None else None
        try:
            return await self.services.files.upload(
                self.caller(ctx), meeting_id, body.file, file_type
            )
        finally:
            await body.file.close()

    async def download_meeting_file(
        self, ctx: RequestContext, *, meeting_id: str, file_id: str
    ) -> FileDownload:
        """The bytes, with `X-Content-SHA256`."""
        return await self.services.files.download(self.caller(ctx), meeting_id, file_id)
