"""The one exception a handler raises to answer a client message with `error`."""

from __future__ import annotations

from typing import Any

# Codes of the contract's ErrorCode table used by the signaling layer.
MISSING_FIELD = 40003
INVALID_PARAMETER = 40004
MALFORMED_BODY = 40005
UNKNOWN_MESSAGE_TYPE = 40010
TOKEN_EXPIRED = 40102
TOKEN_INVALID = 40103
NOT_IN_MEETING = 40303
USER_NOT_FOUND = 40401
MEETING_NOT_FOUND = 40402
MEETING_ENDED = 40903
MESSAGE_TOO_LARGE = 41302
RATE_LIMITED = 42901
INTERNAL_ERROR = 50001


class WsError(Exception):
    """Answer the client's message `request_seq` with `error {code, message, details}`.

    `message` defaults to the contract's text for `code`.
    """

    def __init__(
        self,
        code: int,
        message: str | None = None,
        *,
        details: dict[str, Any] | None = None,
        request_seq: int | None = None,
    ) -> None:
        super().__init__(message or str(code))
        self.code = code
        self.message = message
        self.details = details
        self.request_seq = request_seq
