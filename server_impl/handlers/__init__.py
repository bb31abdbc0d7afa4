"""Implementations of the generated handler interfaces, and `build_handlers(services)`."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable

from generated.server.app import HandlerSet
from generated.server.interfaces import AiHandlers as BaseAiHandlers
from server_impl.handlers.auth import AuthHandlers
from server_impl.handlers.files import FilesHandlers
from server_impl.handlers.meetings import MeetingsHandlers
from server_impl.handlers.system import SystemHandlers
from server_impl.handlers.users import UsersHandlers
from server_impl.services import Services


def build_handlers(services: Services) -> HandlerSet:
    """One handler object per tag, all sharing `services`."""
    return HandlerSet(
        auth=AuthHandlers(services),
        users=UsersHandlers(services),
        meetings=MeetingsHandlers(services),
        files=FilesHandlers(services),
        ai=_ai_handlers(services),
        system=SystemHandlers(services),
    )


def _ai_handlers(services: Services) -> BaseAiHandlers:
    """`server_impl.handlers.ai` (the AI engineer's) if present, else the 501 base class.

    Accepted shapes: a `build_handlers(services)` function, or an `AiHandlers` class whose
    constructor takes `services` (or nothing).
    """
    try:
        module = importlib.import_module("server_impl.handlers.ai")
    except ModuleNotFoundError as exc:
        if exc.name != "server_impl.handlers.ai":
            raise
        return BaseAiHandlers()
    factory = getattr(module, "build_handlers", None)
    if factory is not None:
        built: BaseAiHandlers = factory(services)
        return built
    cls: Callable[..., BaseAiHandlers] = getattr(module, "AiHandlers", BaseAiHandlers)
    return cls(services) if inspect.signature(cls).parameters else cls()
