"""`contractkit serve`: run the configured app (`serve.app` in contractkit.yaml) with uvicorn."""

from __future__ import annotations

import importlib
import inspect
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from generators.config import Config, ConfigError, find_config, load_config, suggest
from generators.diagnostics import render

EXIT_ERROR = 2


def _load_config(path: Path | None) -> Config:
    try:
        return load_config(path or find_config())
    except ConfigError as exc:
        typer.echo(render(exc.diagnostics, "text"), err=True)
        raise typer.Exit(EXIT_ERROR) from None


def load_app(spec: str, root: Path) -> Any:
    """Import `module:attribute` from the project; call it when it is a factory."""
    module_name, _, attr = spec.partition(":")
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    module = importlib.import_module(module_name)
    obj = getattr(module, attr or "app")
    if inspect.isfunction(obj) and not any(
        p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        for p in inspect.signature(obj).parameters.values()
    ):
        return obj()
    return obj


def stub_app(config: Config) -> Any:
    """The generated app with the bare interfaces: every operation answers NOT_IMPLEMENTED."""
    from generators.impl_check import stubs_package

    package = stubs_package(config)
    if package is None:
        raise RuntimeError("the server_stubs target is not configured")
    if str(config.root) not in sys.path:
        sys.path.insert(0, str(config.root))
    app_mod = importlib.import_module(f"{package}.server.app")
    interfaces = importlib.import_module(f"{package}.server.interfaces")
    errors = importlib.import_module(f"{package}.errors")
    handlers = {m: cls() for m, cls in interfaces.HANDLER_CLASSES.items()}

    def authenticate(token: str) -> Any:
        raise errors.ApiError(errors.CODE_TOKEN_INVALID)

    return app_mod.create_app(app_mod.HandlerSet(**handlers), authenticate)


def _export(name: str, value: object | None) -> None:
    if value is not None:
        os.environ[name] = str(value).lower() if isinstance(value, bool) else str(value)


def serve(
    host: Annotated[
        str | None, typer.Option(envvar="CONTRACTKIT_HOST", help="Bind address.")
    ] = None,
    port: Annotated[
        int | None, typer.Option(envvar="CONTRACTKIT_PORT", help="Port (default 3000).")
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option(envvar="DATABASE_URL", help="SQLAlchemy URL (default: embedded SQLite)."),
    ] = None,
    data_dir: Annotated[
        Path | None, typer.Option(envvar="CONTRACTKIT_DATA_DIR", help="Data directory.")
    ] = None,
    validate_responses: Annotated[
        bool | None,
        typer.Option(
            "--validate-responses/--no-validate-responses",
            envvar="CONTRACTKIT_VALIDATE_RESPONSES",
            help="Validate every response against the contract.",
        ),
    ] = None,
    swagger_ui: Annotated[
        bool | None,
        typer.Option("--swagger-ui/--no-swagger-ui", envvar="CONTRACTKIT_SWAGGER_UI"),
    ] = None,
    stubs: Annotated[
        bool, typer.Option(help="Serve the bare generated interfaces (every operation 501).")
    ] = False,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
    config: Annotated[Path | None, typer.Option("--config", "-c")] = None,
) -> None:
    """Serve the meeting API (Swagger UI at /v1/ui); unimplemented operations answer 501."""
    import uvicorn

    cfg = _load_config(config)
    _export("DATABASE_URL", database_url)
    _export("CONTRACTKIT_DATA_DIR", data_dir)
    _export("CONTRACTKIT_VALIDATE_RESPONSES", validate_responses)
    _export("CONTRACTKIT_SWAGGER_UI", swagger_ui)
    console = Console(stderr=True)
    try:
        app = stub_app(cfg) if stubs else load_app(cfg.serve.app, cfg.root)
    except (ImportError, AttributeError) as exc:
        console.print(f"[red]cannot load {cfg.serve.app!r}[/]: {exc}")
        console.print("hint: `contractkit serve --stubs` serves the bare generated interfaces")
        raise typer.Exit(EXIT_ERROR) from None
    bind_host = host or cfg.serve.host
    bind_port = cfg.serve.port if port is None else port
    try:
        options = uvicorn_options(cfg.serve.uvicorn)
    except ValueError as exc:
        console.print(f"[red]{cfg.display_path}: serve.uvicorn[/]: {exc}")
        raise typer.Exit(EXIT_ERROR) from None
    console.print(f"serving http://{bind_host}:{bind_port}/v1 (Swagger UI: /v1/ui)")
    uvicorn.run(app, host=bind_host, port=bind_port, log_level=log_level, **options)


def uvicorn_options(configured: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword options for `uvicorn.run`: the defaults, then `serve.uvicorn` from the config.

    Raises ValueError naming an option `uvicorn.Config` does not take.
    """
    import uvicorn

    known = set(inspect.signature(uvicorn.Config).parameters) - {"app", "host", "port"}
    for name in configured:
        if name not in known:
            raise ValueError(f"unknown uvicorn option {name!r}{suggest(name, known)}")
    # the AsyncAPI contract's protocol cap: larger frames are refused before buffering (1009)
    return {"ws_max_size": 1_048_576, **configured}


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
    app.command("serve")(serve)
