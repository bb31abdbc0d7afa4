"""A closed socket leaves nothing for the garbage collector: no reference cycle survives it.

The server runs in this process (tests/conftest.py `LiveServer`), so its garbage is ours to
inspect. Under stock uvicorn every upgraded connection leaves its HTTP protocol, parser and
transport behind in a cycle, and its `websockets` protocol in another (the frame parser is a
generator that holds the protocol; see server_impl/http/uvicorn_http.py). Once the GC policy
has frozen a long-lived socket, only a full collection frees those: at thousands of sockets a
pause of most of a second, and until then about 45 KB a socket.
"""

from __future__ import annotations

import asyncio
import gc

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.server import ServerProtocol

from tests.ws.live_ws import User, World

SOCKETS = 30


async def warm_up(world: World) -> User:
    """A user whose first sockets have filled the first-use caches (which are not garbage)."""
    user = await world.user()
    for _ in range(3):
        await (await world.connect(user)).close()
    await asyncio.sleep(0.3)
    gc.collect()
    return user


async def open_and_close(world: World, user: User) -> None:
    """`SOCKETS` sockets of `user`, one after the other: connect, ping, close."""
    for _ in range(SOCKETS):
        client = await world.connect(user)
        await client.send("ping", {"client_time": 1})
        await client.next("pong")
        await client.close()
    await asyncio.sleep(0.5)  # the server finishes each close


async def test_closed_sockets_leave_no_cyclic_garbage(world: World) -> None:
    user = await warm_up(world)
    gc.disable()
    try:
        await open_and_close(world, user)
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        kinds = sorted({type(o).__module__ + "." + type(o).__qualname__ for o in gc.garbage})
        servers = [k for k in kinds if k.startswith(("uvicorn", "httptools", "uvloop", "server_"))]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert servers == [], f"closed sockets left cycles of: {servers}"


def live_protocols() -> int:
    """Server-side protocol objects alive now (tracked by the GC, whatever keeps them)."""
    kinds = (ServerProtocol, WebSocketsSansIOProtocol, HttpToolsProtocol)
    # type(), not isinstance(): that reads `__class__`, which some objects (torch's) warn on
    return sum(1 for o in gc.get_objects() if issubclass(type(o), kinds))


async def test_closed_sockets_free_their_protocols_without_a_collection(world: World) -> None:
    user = await warm_up(world)
    gc.disable()  # what is not freed by reference counting alone stays alive
    try:
        before = live_protocols()
        await open_and_close(world, user)
        left = live_protocols() - before
    finally:
        gc.enable()
    assert left == 0, f"{left} protocol objects of {SOCKETS} closed sockets are still alive"
