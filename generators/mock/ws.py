"""The WebSocket side of the mock: token check, frame validation and conventional replies.

Invalid frames get an `error` message (`request_seq` = the frame's `seq` when readable):
not JSON -> 40005, unknown `type` -> 40010, schema failure -> 40003 / `x-error-code` / 40004,
over 64 KiB -> 41302. Every outbound message is validated against its schema first.
"""

from __future__ import annotations

import copy
import json
import logging
from typing import Any

from starlette.websockets import WebSocket

from generators.ir import ApiIR
from generators.mock.datagen import DataGenerator
from generators.mock.errors import (
    INTERNAL_ERROR,
    MALFORMED_BODY,
    MESSAGE_TOO_LARGE,
    TOKEN_INVALID,
    UNKNOWN_MESSAGE_TYPE,
)
from generators.mock.hub import Connection, Hub, Room, now_ms
from generators.mock.schema_check import SchemaRegistry
from generators.mock.ws_protocol import (
    CLOSE_MEETING_ENDED,
    CLOSE_TOKEN_INVALID,
    CONNECTED,
    DISCONNECTED,
    MAX_MESSAGE_BYTES,
    REPLIES,
    REST_EVENTS,
    RESUME_FAILED,
    Reply,
    ReplyContext,
)

Json = Any
log = logging.getLogger("contractkit.mock")


class WsMock:
    """Serves the AsyncAPI channel; one instance per app, sharing one Hub with REST."""

    def __init__(self, ir: ApiIR, registry: SchemaRegistry) -> None:
        self.ir = ir
        self.registry = registry
        self.hub = Hub()
        self.client = {m.type: registry.checker(m.payload) for m in ir.messages_from("client")}
        server = ir.messages_from("server")
        self.server_check = {m.type: registry.checker(m.payload) for m in server}
        gen = DataGenerator(registry.definitions)
        self.templates: dict[str, dict[str, Json]] = {
            m.type: (m.examples[0]["data"] if m.examples else gen.generate(m.payload)["data"])
            for m in server
        }
        self.fields = {
            m.type: set(self._data_schema(m.data_schema_name).get("properties", {})) for m in server
        }
        self.query_check = registry.checker(ir.channel.query_json_schema or {})
        self.user_id = str(self.templates.get("connected", {}).get("user_id", "user"))
        self.close_codes = {c.name: c.code for c in ir.close_codes}

    def _data_schema(self, name: str | None) -> dict[str, Json]:
        return self.registry.definitions.get(name or "", {})

    # ------------------------------------------------------------------ connection
    async def endpoint(self, websocket: WebSocket) -> None:
        await websocket.accept()
        conn = Connection(websocket, self._checked, self.user_id)
        query = dict(websocket.query_params)
        if not self.query_check.is_valid(query) or not query.get("access_token"):
            await self._error(conn, TOKEN_INVALID, None, {"reason": "access_token is required"})
            await conn.close(self.close_codes.get(CLOSE_TOKEN_INVALID, 4001))
            return
        await self._send(conn, CONNECTED, {}, None)
        try:
            while not conn.closed:
                frame = await websocket.receive()
                if frame["type"] == "websocket.disconnect":
                    break
                await self._on_frame(conn, frame.get("text"))
        finally:
            conn.closed = True
            await self._drop(conn)

    async def _drop(self, conn: Connection) -> None:
        for room_id in list(conn.rooms):
            self.hub.leave(conn, room_id)
            if self.hub.room(room_id).members:
                await self._send(conn, DISCONNECTED, {"room_id": room_id}, room_id)

    # ------------------------------------------------------------------ inbound
    async def _on_frame(self, conn: Connection, text: str | None) -> None:
        if text is None:
            await self._error(conn, MALFORMED_BODY, None, {"reason": "binary frames are not JSON"})
            return
        if len(text.encode("utf-8")) > MAX_MESSAGE_BYTES:
            await self._error(conn, MESSAGE_TOO_LARGE, None, {"max_bytes": MAX_MESSAGE_BYTES})
            return
        try:
            msg = json.loads(text)
        except ValueError as exc:
            await self._error(conn, MALFORMED_BODY, None, {"reason": f"invalid JSON: {exc}"})
            return
        seq = msg.get("seq") if isinstance(msg, dict) else None
        request_seq = seq if isinstance(seq, int) and not isinstance(seq, bool) else None
        type_ = msg.get("type") if isinstance(msg, dict) else None
        if type_ not in self.client:
            await self._error(
                conn,
                UNKNOWN_MESSAGE_TYPE,
                request_seq,
                {"type": type_, "known": sorted(self.client)},
            )
            return
        issues = self.client[type_].issues(msg)
        if issues:
            first = issues[0]
            await self._error(
                conn,
                first.code,
                request_seq,
                {
                    "field": first.field,
                    "reason": first.reason,
                    "errors": [i.as_json() for i in issues],
                },
            )
            return
        await self._dispatch(conn, type_, msg["data"])

    async def _dispatch(self, conn: Connection, type_: str, data: dict[str, Json]) -> None:
        rule = REPLIES.get(type_)
        if rule is None:
            return
        room_id = data.get("room_id")
        if rule.membership == "join" and room_id:
            self.hub.join(conn, room_id)
        elif rule.membership == "leave" and room_id:
            self.hub.leave(conn, room_id)
        replies = rule.replies
        replay: list[tuple[int, str, dict[str, Json]]] = []
        if rule.replay and room_id:
            events = self.hub.room(room_id).since(int(data.get("last_room_seq", 0)))
            replies, replay = (RESUME_FAILED, []) if events is None else (replies, events)
        for reply in replies:
            await self._send(conn, reply, data, room_id, replayed=len(replay))
        for _, event_type, event_data in replay:
            await conn.send(event_type, event_data)

    # ------------------------------------------------------------------ outbound
    async def _send(
        self,
        conn: Connection,
        reply: Reply,
        data: dict[str, Json],
        room_id: str | None,
        replayed: int = 0,
    ) -> None:
        """Build `reply` from its template and the client data; send it to whom it concerns."""
        out = copy.deepcopy(self.templates[reply.type])
        for key in self.fields[reply.type] & data.keys():
            out[key] = copy.deepcopy(data[key])
        room: Room | None = self.hub.room(room_id) if room_id else None
        if room is not None and reply.room_event:
            room.seq += 1
        ctx = ReplyContext(
            data=data,
            user_id=conn.user_id,
            room_seq=room.seq if room else 0,
            now_ms=now_ms(),
            media=conn.media,
            replayed=replayed,
            recent_messages=room.recent("chat_message") if room else [],
            members=len(room.members) if room else 0,
        )
        if reply.fill is not None:
            out.update(reply.fill(ctx))
        if room is None or not reply.room_event:
            await conn.send(reply.type, out)
            return
        out["room_seq"] = room.seq
        room.record(reply.type, out)
        for member in [conn, *(m for m in room.members if m is not conn)]:
            await member.send(reply.type, out)

    async def _error(
        self,
        conn: Connection,
        code: int,
        request_seq: int | None,
        details: dict[str, Json] | None = None,
    ) -> None:
        data = {"code": code, "message": self.ir.error(code).message, "request_seq": request_seq}
        await conn.send("error", {**data, "details": details} if details else data)

    def _checked(self, envelope: dict[str, Json]) -> dict[str, Json]:
        """The envelope if it validates, else an `error` 50001 (the mock or contract is wrong)."""
        check = self.server_check.get(envelope["type"])
        if check is not None and check.is_valid(envelope):
            return envelope
        log.error(
            "outbound %s does not match its schema: %s",
            envelope["type"],
            [i.reason for i in check.issues(envelope)] if check else "unknown type",
        )
        data = {
            "code": INTERNAL_ERROR,
            "message": self.ir.error(INTERNAL_ERROR).message,
            "request_seq": None,
        }
        return {**envelope, "type": "error", "data": data}

    # ------------------------------------------------------------------ REST side effects
    async def rest_event(self, operation_id: str, path_values: dict[str, str]) -> None:
        """After a successful REST call: e.g. `end_meeting` ends the room, then closes 4010."""
        if operation_id not in REST_EVENTS:
            return
        param, reply = REST_EVENTS[operation_id]
        room_id = path_values.get(param)
        room = self.hub.rooms.get(room_id or "")
        if room is None or not room.members or room_id is None:
            return
        members = list(room.members)
        await self._send(members[0], reply, {"room_id": room_id}, room_id)
        code = self.close_codes.get(CLOSE_MEETING_ENDED, 4010)
        for member in members:
            self.hub.leave(member, room_id)
            await member.close(code)
