"""Running a coroutine by hand until it first waits, and handing the rest to a task."""

from __future__ import annotations

import types
from collections.abc import Awaitable, Coroutine, Generator
from typing import Any


@types.coroutine
def resume(coro: Coroutine[Any, Any, None], yielded: Any) -> Generator[Any, Any, None]:
    """Finish a coroutine that was started by hand and suspended, yielding `yielded`.

    The same protocol as `yield from coro` (PEP 380): what the awaiting task sends or throws
    goes to `coro`, what `coro` yields (the future it waits on) goes up to the task.
    """
    value = yielded
    while True:
        try:
            sent = yield value
        except BaseException as exc:
            try:
                value = coro.throw(exc)
            except StopIteration:
                return
        else:
            try:
                value = coro.send(sent)
            except StopIteration:
                return


def run_until_wait(coro: Coroutine[Any, Any, None]) -> Awaitable[None] | None:
    """Run `coro` in the caller's step: None if it finished, else its unfinished rest (await
    it in a task). Exceptions from its synchronous part propagate."""
    try:
        yielded = coro.send(None)
    except StopIteration:
        return None
    return resume(coro, yielded)
