"""`contractkit generate` and `contractkit check`."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from generators.config import Config, ConfigError, find_config, suggest
from generators.diagnostics import Diagnostics, Severity, render
from generators.ir import ApiIR
from generators.loader import ContractError

EXIT_OK, EXIT_DRIFT, EXIT_ERROR = 0, 1, 2
FIX_COMMAND = "contractkit generate"

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="contractkit.yaml (default: nearest one upwards)."),
]


class Format(StrEnum):
    """Output formats of `check`."""

    TEXT = "text"
    JSON = "json"
    GITHUB = "github"


def _fail(diags: Diagnostics, fmt: str = "text") -> typer.Exit:
    typer.echo(render(diags, fmt), err=fmt == "text")
    return typer.Exit(EXIT_ERROR)


def _config(path: Path | None, fmt: str = "text") -> Config:
    from generators.pipeline import read_config

    try:
        return read_config(path or find_config())
    except ConfigError as exc:
        raise _fail(exc.diagnostics, fmt) from None


def _targets(config: Config, names: list[str] | None, fmt: str = "text") -> list[str] | None:
    from generators.pipeline import selected

    if not names:
        return None
    available = selected(config)
    diags = Diagnostics()
    for name in names:
        if name not in available:
            hint = suggest(name, available)
            diags.add("CLI001", f"no enabled target {name!r}{hint}", file=config.display_path)
    if diags.has_errors:
        raise _fail(diags, fmt)
    return names


def _render(
    config: Config, names: list[str] | None, fmt: str = "text"
) -> tuple[ApiIR, dict[str, str]]:
    from generators.pipeline import PipelineError, load_ir, prefetch, render

    try:
        prefetch(config, names)
        ir = load_ir(config)
        return ir, render(ir, config, names)
    except ContractError as exc:
        raise _fail(exc.diagnostics, fmt) from None
    except PipelineError as exc:
        diags = Diagnostics()
        diags.add("GEN000", str(exc), file=config.display_path)
        raise _fail(diags, fmt) from None


def generate(
    target: Annotated[
        list[str] | None,
        typer.Option("--target", "-t", help="Only this target (repeatable). Default: all."),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Render every configured target into its output directory."""
    from generators.pipeline import remove_stale, write

    cfg = _config(config)
    names = _targets(cfg, target)
    _, files = _render(cfg, names)
    written = write(files, cfg.root)
    removed, kept = remove_stale(cfg, files) if names is None else ([], [])
    for label, color, paths, note in (
        ("wrote  ", "green", written, ""),
        ("removed", "yellow", removed, ""),
        ("kept   ", "red", kept, " (not generated and unmarked: remove it by hand)"),
    ):
        for rel in paths:
            typer.secho(f"{label} {rel}{note}", fg=color, err=True)
    if cfg.warnings:
        typer.echo(render(cfg.warnings, "text"), err=True)
    unchanged = len(files) - len(written)
    typer.echo(f"{len(written)} written, {unchanged} unchanged, {len(removed)} removed", err=True)


def check(
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.TEXT,
    config: ConfigOption = None,
) -> None:
    """Fail (exit 1) when generated files drift from the contracts or handlers do not match.

    Exit 0: clean. 1: drift or implementation errors. 2: unusable config or contracts.
    """
    from generators.impl_check import check_implementation, preload
    from generators.pipeline import diff

    cfg = _config(config, fmt.value)
    loading = preload(cfg)  # overlaps the implementation's imports with rendering
    ir, files = _render(cfg, None, fmt.value)
    if loading is not None:
        loading.join()
    drift = diff(cfg, files)
    diags = Diagnostics()
    diags.extend(cfg.warnings)
    diags.extend(drift.diagnostics())
    diags.extend(check_implementation(cfg, ir))
    failed = bool(drift) or diags.has_errors
    if fmt is Format.TEXT:
        _report_text(drift.changed, diags, failed)
    else:
        if drift.changed:
            sys.stderr.write("".join(drift.changed.values()))
        typer.echo(render(diags, fmt.value))
    raise typer.Exit(EXIT_DRIFT if failed else EXIT_OK)


def _report_text(diffs: dict[str, str], diags: Diagnostics, failed: bool) -> None:
    from rich.console import Console  # only for the human report (import cost ~50 ms)
    from rich.syntax import Syntax

    console = Console(stderr=False, highlight=False)
    for text in diffs.values():
        console.print(Syntax(text, "diff", theme="ansi_dark", background_color="default"))
    if diags:
        typer.echo(render(diags, "text"))
    errors = sum(1 for d in diags if d.severity is Severity.ERROR)
    if failed:
        drifted = any(d.code.startswith("GEN") for d in diags)
        fix = f"; fix the generated files with `{FIX_COMMAND}`" if drifted else ""
        console.print(f"[red]check failed[/]: {errors} error(s){fix}")
    else:
        console.print("[green]check passed[/]: generated files match the contracts")


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
    app.command("generate")(generate)
    app.command("check")(check)
