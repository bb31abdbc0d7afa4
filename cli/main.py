"""`contractkit` entry point: one typer app; each command group lives in its own module."""

from __future__ import annotations

import typer

from cli import fuzz, generate, lint, mock, serve

app = typer.Typer(
    name="contractkit",
    help="Contract-first toolkit: generate, check, lint, mock, serve and fuzz the meeting API.",
    no_args_is_help=True,
    add_completion=False,
)

for module in (generate, lint, mock, serve, fuzz):
    module.register(app)


if __name__ == "__main__":  # pragma: no cover
    app()
