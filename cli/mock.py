"""`contractkit mock`: serve the REST API and the WebSocket from the contract (Prism-style)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from generators.build_ir import build_ir
from generators.config import ConfigError, find_config, load_config
from generators.diagnostics import render
from generators.ir import ApiIR
from generators.loader import ContractError, load_contracts

REPO_CONTRACTS = Path(__file__).resolve().parent.parent / "contracts"
DEFAULT_OPENAPI = "meeting.openapi.yaml"
DEFAULT_ASYNCAPI = "meeting.asyncapi.yaml"


def contract_paths(
    config: Path | None, openapi: Path | None, asyncapi: Path | None
) -> tuple[Path, Path, Path]:
    """(openapi, asyncapi, project root). Explicit flags win, then `contractkit.yaml` (given or
    found upwards from the working directory), then the repository's own contracts."""
    cfg_path = config or find_config()
    if config is not None or cfg_path.is_file():
        cfg = load_config(cfg_path)
        return openapi or cfg.openapi, asyncapi or cfg.asyncapi, cfg.root
    local = Path.cwd() / "contracts"
    base = local if (local / DEFAULT_OPENAPI).is_file() else REPO_CONTRACTS
    return openapi or base / DEFAULT_OPENAPI, asyncapi or base / DEFAULT_ASYNCAPI, base.parent


def load_ir(config: Path | None, openapi: Path | None, asyncapi: Path | None) -> ApiIR:
    """Load the contracts and build the IR, exiting with diagnostics on failure."""
    try:
        oas, aas, root = contract_paths(config, openapi, asyncapi)
        contracts = load_contracts(oas, aas)
    except (ConfigError, ContractError) as exc:
        typer.echo(render(exc.diagnostics, "text"), err=True)
        raise typer.Exit(2) from None
    return build_ir(contracts, root)


def register(app: typer.Typer) -> None:
    """Add `mock` to `app`."""

    @app.command()
    def mock(
        port: Annotated[int, typer.Option(help="Port to listen on.")] = 4010,
        host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
        dynamic: Annotated[
            bool,
            typer.Option(
                "--dynamic", help="Generate success bodies from the schemas, not the examples."
            ),
        ] = False,
        cors: Annotated[bool, typer.Option(help="Answer CORS preflights (any origin).")] = True,
        config: Annotated[Path | None, typer.Option(help="contractkit.yaml to read.")] = None,
        openapi: Annotated[Path | None, typer.Option(help="OpenAPI contract.")] = None,
        asyncapi: Annotated[Path | None, typer.Option(help="AsyncAPI contract.")] = None,
    ) -> None:
        """Serve a mock of the REST API and the WebSocket from the contracts' examples."""
        import uvicorn

        from generators.mock import MockOptions, create_mock_app
        from generators.mock.examples_check import check_examples
        from generators.mock.ws_protocol import MAX_FRAME_BYTES

        ir = load_ir(config, openapi, asyncapi)
        warnings = check_examples(ir)
        if len(warnings):
            typer.echo(render(warnings, "text"), err=True)
        app_ = create_mock_app(ir, MockOptions(dynamic=dynamic, cors=cors))
        origin = f"http://{host}:{port}"
        for op in ir.operations:
            typer.echo(f"  {op.method:<6} {origin}{ir.base_path}{op.path}")
        typer.echo(f"  WS     ws://{host}:{port}{ir.base_path}{ir.channel.address}?access_token=…")
        mode = "dynamic" if dynamic else "examples"
        typer.echo(f"contractkit mock ({mode}) listening on {origin}")
        uvicorn.run(
            app_,
            host=host,
            port=port,
            ws="websockets-sansio",
            ws_max_size=MAX_FRAME_BYTES,
            log_level="info",
        )
