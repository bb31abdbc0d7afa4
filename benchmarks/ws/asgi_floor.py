"""The ASGI floor: the least an ASGI app under uvicorn can do to broadcast chat.

Like `bare_server` (the same `chat_message` frames), but as a raw ASGI app served by
uvicorn (websockets-sansio, deflate on): no auth, no validation, no persistence, no
per-connection seq. The gap between this and
`bare_server` is what ASGI + uvicorn cost; the gap between ours and this is what our
contract checks, presence, seq, history and persistence cost.

    taskset -c 0 python -m benchmarks.ws.asgi_floor --port 8767
"""

from __future__ import annotations

import argparse
import gc
import secrets
from collections import defaultdict
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs

import orjson
import uvicorn

from benchmarks.ws.bare_server import chat_frame

Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ROOMS: dict[str, list[Send]] = defaultdict(list)


async def app(scope: Any, receive: Any, send: Send) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            gc.collect()
            gc.freeze()
            gc.set_threshold(50_000, 20, 100)
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    if scope["type"] != "websocket":
        return
    room_id = parse_qs(scope["query_string"].decode()).get("room", ["lobby"])[0]
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.send", "text": '{"type":"connected","seq":1,"data":{}}'})
    members = ROOMS[room_id]
    members.append(send)
    sender = {"id": f"usr_{secrets.token_hex(12)}", "nickname": "bench-user", "avatar": None}
    try:
        while True:
            message = await receive()
            if message["type"] != "websocket.receive":
                return
            msg = orjson.loads(message.get("text") or message.get("bytes"))
            if msg.get("type") == "chat_message":
                text = chat_frame(room_id, sender, msg["data"]["content"])
                for member in members:
                    await member({"type": "websocket.send", "text": text})
    finally:
        members.remove(send)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8767)
    args = parser.parse_args()
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", backlog=4096)
