"""`contractkit lint`: check both contracts; exit 0 clean, 1 lint errors, 2 unreadable."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from generators.config import ConfigError, find_config, load_config
from generators.diagnostics import render
from generators.lint import lint_contracts
from generators.lint.output import render_lint, summary

DEFAULT_OPENAPI = Path("contracts/meeting.openapi.yaml")
DEFAULT_ASYNCAPI = Path("contracts/meeting.asyncapi.yaml")


class OutputFormat(StrEnum):
    """What `--format` accepts."""

    TEXT = "text"
    JSON = "json"
    GITHUB = "github"


@dataclass(frozen=True)
class Inputs:
    """The two contracts to lint and the directory diagnostics name files relative to."""

    openapi: Path
    asyncapi: Path
    root: Path


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
    app.command("lint")(lint)


def lint(
    config: Annotated[
        Path | None,
        typer.Option("--config", help="contractkit.yaml (default: found from the cwd upwards)."),
    ] = None,
    openapi: Annotated[
        Path | None, typer.Option("--openapi", help="OpenAPI 3.0.3 contract (overrides config).")
    ] = None,
    asyncapi: Annotated[
        Path | None, typer.Option("--asyncapi", help="AsyncAPI 3.0 contract (overrides config).")
    ] = None,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", help="Output format (github: annotations).")
    ] = OutputFormat.TEXT,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail too.")] = False,
) -> None:
    """Lint the contracts: their validity plus contractkit's rules (docs/lint-rules.md)."""
    try:
        inputs = resolve_inputs(config, openapi, asyncapi)
    except ConfigError as exc:
        typer.echo(render(exc.diagnostics, "text"), err=True)
        raise typer.Exit(2) from None
    result = lint_contracts(inputs.openapi, inputs.asyncapi, inputs.root)
    text = render_lint(result.diagnostics, fmt.value, inputs.root)
    if text:
        typer.echo(text)
    typer.echo(f"contractkit lint: {summary(result.diagnostics)}", err=True)
    raise typer.Exit(result.exit_code(strict=strict))


def resolve_inputs(config: Path | None, openapi: Path | None, asyncapi: Path | None) -> Inputs:
    """Explicit paths win, then `contractkit.yaml` (given or found upwards), then the defaults.

    File names in diagnostics are relative to the config's directory when a config is used,
    else to the current directory. Raises ConfigError for an unusable config.
    """
    cwd = Path.cwd()
    if openapi is not None and asyncapi is not None:
        return Inputs(openapi, asyncapi, cwd)
    cfg_path = config or find_config()
    if config is not None or cfg_path.is_file():
        cfg = load_config(cfg_path)
        return Inputs(openapi or cfg.openapi, asyncapi or cfg.asyncapi, cfg.root)
    return Inputs(openapi or DEFAULT_OPENAPI, asyncapi or DEFAULT_ASYNCAPI, cwd)
