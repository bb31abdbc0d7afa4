"""Parse and build every message with the generated models, so the code cannot drift from the
contract: a client frame is validated by `parse_client_message`, and each server message is
built (and validated) by `make_message` and serialized once by `dump_message`.
"""

from __future__ import annotations

from typing import Any

from generated.errors import ERRORS
from generated.ws.messages import (
    SERVER_MESSAGE_TYPES,
    ClientMessage,
    MessageParseError,
    dump_message,
    make_message,
    parse_client_message,
)
from server_impl.ws.errors import WsError
from server_impl.ws.frames import Frame

Json = dict[str, Any]


class Codec:
    """Client frames in, server `Frame`s out."""

    def decode(self, raw: str | bytes) -> ClientMessage:
        """A validated client message; raises `WsError` (40003/40004/40005/40010)."""
        try:
            return parse_client_message(raw)
        except MessageParseError as exc:
            raise WsError(
                int(exc.code), exc.message, details=exc.details, request_seq=exc.request_seq
            ) from None

    def frame(self, type_: str, data: Json) -> Frame:
        """A server message of `type_` (timestamp now), validated and serialized once."""
        msg = make_message(SERVER_MESSAGE_TYPES[type_], 0, data)
        return Frame.from_json(type_, dump_message(msg))

    def error(self, exc: WsError) -> Frame:
        """The `error` message for a refused request."""
        data: Json = {
            "code": exc.code,
            "message": exc.message or error_text(exc.code),
            "request_seq": exc.request_seq,
        }
        if exc.details is not None:
            data["details"] = exc.details
        return self.frame("error", data)


def error_text(code: int) -> str:
    """The contract's message for an error code."""
    spec = ERRORS.get(code)
    return spec.message if spec is not None else str(code)
