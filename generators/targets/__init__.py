"""Render targets. Each module exposes one `TARGET`; `TARGETS` lists them in run order."""

from __future__ import annotations

import importlib

from generators.targets.base import Target

# Module names under generators/targets/, in run order. A module that does not exist (yet)
# is skipped, so targets owned by other engineers join the registry when they land.
_MODULES = ("models", "server_stubs", "ws_messages", "ws_strategies", "ts_messages")


def _load() -> dict[str, Target]:
    targets: dict[str, Target] = {}
    for module in _MODULES:
        try:
            mod = importlib.import_module(f"generators.targets.{module}")
        except ModuleNotFoundError as exc:
            if exc.name != f"generators.targets.{module}":
                raise
            continue
        target: Target = mod.TARGET
        targets[target.name] = target
    return targets


TARGETS: dict[str, Target] = _load()
