"""The WebSocket signaling endpoint (`/v1/ws`): rooms, presence, chat, media state, WebRTC
relay and resume, as specified by `contracts/meeting.asyncapi.yaml` (docs/ws.md)."""

from __future__ import annotations

from typing import Any

from server_impl.services import Services
from server_impl.ws.adapter import ServicesBackend
from server_impl.ws.codec import Codec
from server_impl.ws.config import WsSettings
from server_impl.ws.endpoint import WsEndpoint
from server_impl.ws.hub import Hub
from server_impl.ws.security import install_log_redaction

__all__ = ["Hub", "WsEndpoint", "WsSettings", "build_ws_endpoint"]


def build_ws_endpoint(services: Services, settings: WsSettings | None = None) -> WsEndpoint:
    """The ASGI endpoint for `/v1/ws`, wired to `services`.

    Settings: `settings`, else `CONTRACTKIT_WS_*` variables overlaid with
    `services.settings.extra["ws"]` (a mapping of field -> value); the GC policy follows
    `Settings.gc_tuning`. The hub becomes the listener of REST meeting events. The app calls
    `endpoint.startup()` / `endpoint.shutdown()` from its lifespan.
    """
    if settings is None:
        overrides: dict[str, Any] = {"gc_policy": services.settings.gc_tuning}
        overrides.update(services.settings.extra.get("ws", {}))
        settings = WsSettings.from_env(**overrides)
    codec = Codec()
    hub = Hub(ServicesBackend(services), codec, settings)
    services.set_events(hub)
    install_log_redaction()
    return WsEndpoint(hub, codec)
