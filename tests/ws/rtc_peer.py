"""An aiortc peer that signals only through our WebSocket (used by tests and benchmarks/ws).

The local SDP is sent without its candidates; each candidate travels as its own
`ice_candidate` message (trickle ICE) followed by end-of-candidates, so the peers can only
connect if offer, answer and ICE all pass through the relay. Host candidates only: the
configuration has no ICE servers.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiortc import RTCConfiguration, RTCDataChannel, RTCPeerConnection, RTCSessionDescription
from aiortc.sdp import candidate_from_sdp

Json = dict[str, Any]


def split_candidates(sdp: str) -> tuple[str, list[Json]]:
    """(SDP without candidate lines, the candidates as RTCIceCandidateInit dicts)."""
    kept: list[str] = []
    candidates: list[Json] = []
    mid: str | None = None
    mline = -1
    for line in sdp.splitlines():
        if line.startswith("m="):
            mline += 1
            mid = None
        elif line.startswith("a=mid:"):
            mid = line[len("a=mid:") :]
        if line.startswith("a=candidate:"):
            candidates.append({"candidate": line[2:], "sdpMid": mid, "sdpMLineIndex": mline})
            continue
        if line.startswith("a=end-of-candidates"):
            continue
        kept.append(line)
    return "\r\n".join(kept) + "\r\n", candidates


class SignalingPeer:
    """One side of a data-channel call over a raw `websockets` connection already in the room.

    `send(type, data)` is how it talks to our socket; `handle(frame)` feeds it server frames.
    """

    def __init__(self, send: Any, room_id: str, remote_user_id: str) -> None:
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self._send = send
        self.room_id = room_id
        self.remote = remote_user_id
        self.channel: RTCDataChannel | None = None
        self.opened = asyncio.Event()
        self.messages: asyncio.Queue[str] = asyncio.Queue()
        self.relayed = {"sdp": 0, "ice": 0}

        @self.pc.on("datachannel")
        def _on_channel(channel: RTCDataChannel) -> None:
            self._adopt(channel)

    def _adopt(self, channel: RTCDataChannel) -> None:
        self.channel = channel

        @channel.on("open")
        def _open() -> None:
            self.opened.set()

        @channel.on("message")
        def _message(message: Any) -> None:
            self.messages.put_nowait(str(message))

        if channel.readyState == "open":
            self.opened.set()

    async def call(self) -> None:
        """The offerer: open a data channel and send the offer and candidates."""
        self._adopt(self.pc.createDataChannel("chat"))
        await self.pc.setLocalDescription(await self.pc.createOffer())
        await self._send_description("webrtc_offer")

    async def _send_description(self, type_: str) -> None:
        sdp, candidates = split_candidates(self.pc.localDescription.sdp)
        target = {"room_id": self.room_id, "target_user_id": self.remote}
        await self._send(type_, {**target, "sdp": sdp})
        for candidate in [*candidates, {"candidate": ""}]:  # "" = end of candidates
            await self._send("ice_candidate", {**target, "candidate": candidate})

    async def handle(self, frame: Json) -> None:
        """React to a relayed offer, answer or candidate."""
        kind, data = frame["type"], frame["data"]
        if kind in ("webrtc_offer", "webrtc_answer"):
            assert data["from_user_id"] == self.remote
            self.relayed["sdp"] += 1
            role = "offer" if kind == "webrtc_offer" else "answer"
            await self.pc.setRemoteDescription(RTCSessionDescription(data["sdp"], role))
            if role == "offer":
                await self.pc.setLocalDescription(await self.pc.createAnswer())
                await self._send_description("webrtc_answer")
        elif kind == "ice_candidate":
            assert data["from_user_id"] == self.remote
            self.relayed["ice"] += 1
            init = data["candidate"]
            if not init["candidate"]:
                await self.pc.addIceCandidate(None)
                return
            candidate = candidate_from_sdp(init["candidate"].removeprefix("candidate:"))
            candidate.sdpMid = init.get("sdpMid")
            candidate.sdpMLineIndex = init.get("sdpMLineIndex")
            await self.pc.addIceCandidate(candidate)

    async def close(self) -> None:
        await self.pc.close()


def envelope(type_: str, seq: int, data: Json) -> str:
    """A client frame."""
    return json.dumps({"type": type_, "seq": seq, "timestamp": 1, "data": data})
