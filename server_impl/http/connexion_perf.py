"""Per-request work Connexion 3.3 repeats although it depends only on the operation.

For every request, Connexion's AsyncApp (3.3.x):
- rebuilds the view's decorator chain (`AsyncOperation.fn` is a property creating a new
  `StarletteDecorator`, whose wrapper calls `decorate()` again: four `functools.wraps`),
- builds a new URI parser for the operation,
- reads and parses the request body even for operations without a `requestBody` (the
  generated views take `**kwargs`, so Connexion cannot tell they ignore it),
- runs `inspect.signature` three times (the parameter decorator once, the security wrapper
  twice for `required_scopes` / `request`).
All of it is a pure function of the operation (the request is read from context variables
when the view runs), so `install()` caches it per operation. `install()` is idempotent and
does nothing on another Connexion minor version (the patched internals may differ there).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from importlib.metadata import version
from typing import Any

log = logging.getLogger(__name__)

SUPPORTED = "3.3."
_installed = False


@functools.lru_cache(maxsize=4096)
def _cached_arguments(function: Callable[..., Any]) -> tuple[tuple[str, ...], bool]:
    from connexion.utils import inspect_function_arguments

    arguments, has_kwargs = inspect_function_arguments(function)
    return tuple(arguments), has_kwargs


def inspect_function_arguments(function: Callable[..., Any]) -> tuple[list[str], bool]:
    """`connexion.utils.inspect_function_arguments`, memoized per function."""
    try:
        arguments, has_kwargs = _cached_arguments(function)
    except TypeError:  # unhashable callable: compute it every time, as Connexion does
        from connexion.utils import inspect_function_arguments as uncached

        computed: tuple[list[str], bool] = uncached(function)
        return computed
    return list(arguments), has_kwargs


def install() -> bool:
    """Apply the caches; True when applied (now or before)."""
    global _installed
    if _installed:
        return True
    installed = version("connexion")
    if not installed.startswith(SUPPORTED):
        log.warning(
            "connexion %s: per-operation caches not installed (made for %sx)", installed, SUPPORTED
        )
        return False
    from connexion import security
    from connexion.apps import asynchronous
    from connexion.context import operation, receive, scope
    from connexion.decorators import main, parameter

    class BodyAwareParameterDecorator(parameter.AsyncParameterDecorator):
        """Skips the body of operations whose contract declares none."""

        def _maybe_get_body(self, request: Any, *, arguments: list[str], has_kwargs: bool) -> Any:
            if not operation.request_body:
                return None
            return super()._maybe_get_body(request, arguments=arguments, has_kwargs=has_kwargs)

    class CachingStarletteDecorator(main.StarletteDecorator):
        """`StarletteDecorator` that decorates once and keeps its URI parser."""

        @property
        def _parameter_decorator_cls(self) -> type[parameter.AsyncParameterDecorator]:
            return BodyAwareParameterDecorator

        def __call__(self, function: Callable[..., Any]) -> Callable[..., Any]:
            decorated: Callable[..., Any] | None = None
            uri_parser: Any = None

            @functools.wraps(function)
            async def wrapper(*args: Any, **kwargs: Any) -> Any:
                nonlocal decorated, uri_parser
                if uri_parser is None:
                    uri_parser = self.uri_parser
                request = self.framework.get_request(
                    uri_parser=uri_parser, scope=scope, receive=receive
                )
                if decorated is None:
                    decorated = self.decorate(function)
                return await decorated(request)

            return wrapper

    def cached_fn(self: Any) -> Callable[..., Any]:
        fn: Callable[..., Any] | None = self.__dict__.get("_contractkit_fn")
        if fn is None:
            decorator = CachingStarletteDecorator(
                pythonic_params=self.pythonic_params, jsonifier=self.jsonifier
            )
            fn = decorator(self._fn)
            self.__dict__["_contractkit_fn"] = fn
        return fn

    asynchronous.AsyncOperation.fn = property(cached_fn)
    parameter.inspect_function_arguments = inspect_function_arguments
    security.inspect_function_arguments = inspect_function_arguments
    _installed = True
    return True
