"""The interface every render target implements."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from generators.ir import ApiIR
from generators.render import Renderer

# Output of a target: path relative to the target's output directory -> file content.
Files = dict[str, str]


class Target(Protocol):
    """A small module that turns the IR into files. It never reads the contracts directly."""

    name: str
    description: str

    def render(self, ir: ApiIR, renderer: Renderer, options: Mapping[str, Any]) -> Files:
        """Return every file of this target, deterministically (no timestamps, stable order)."""
        ...
