"""Match request paths against the contract's path templates (`/meetings/{meeting_id}`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from generators.ir import Operation

_PARAM = re.compile(r"\{([^{}]+)\}")


@dataclass
class PathRoute:
    """One path template and its operations by HTTP method."""

    template: str
    pattern: re.Pattern[str]
    operations: dict[str, Operation] = field(default_factory=dict)

    @property
    def allow(self) -> str:
        """The `Allow` header value: documented methods, in contract order."""
        return ", ".join(self.operations)


def _compile(template: str) -> re.Pattern[str]:
    parts = _PARAM.split(template)
    regex = "".join(
        f"(?P<{_group(p)}>[^/]+)" if i % 2 else re.escape(p) for i, p in enumerate(parts)
    )
    return re.compile(f"^{regex}$")


def _group(name: str) -> str:
    """A regex group name for a parameter name (which may hold `-` or `.`)."""
    return "p_" + re.sub(r"\W", "_", name)


class Router:
    """Routes `(method, path)` to an operation; literal segments win over parameters."""

    def __init__(self, operations: list[Operation]) -> None:
        routes: dict[str, PathRoute] = {}
        for op in operations:
            route = routes.setdefault(op.path, PathRoute(op.path, _compile(op.path)))
            route.operations[op.method] = op
        # Fewer parameters first, so `/users/me` beats `/users/{id}`.
        self.routes = sorted(routes.values(), key=lambda r: len(_PARAM.findall(r.template)))

    def match(self, path: str) -> tuple[PathRoute, dict[str, str]] | None:
        """The route whose template matches `path`, and the raw path parameter values."""
        for route in self.routes:
            m = route.pattern.match(path)
            if m:
                names = _PARAM.findall(route.template)
                return route, {n: m.group(_group(n)) for n in names}
        return None
