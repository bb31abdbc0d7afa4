"""Load contracts for linting: invalid ones too, since lint reports every problem at once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from generators.diagnostics import Diagnostics
from generators.loader import (
    ContractError,
    Contracts,
    _check_refs,
    _validate_asyncapi,
    load_contracts,
)

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
UNLOADABLE = {"CK001", "CK002"}  # file missing or not YAML: nothing to lint
MAX_DETAIL = 200


def load_for_lint(openapi_path: Path, asyncapi_path: Path) -> Contracts | Diagnostics:
    """The parsed contracts with the loader's diagnostics, or only diagnostics if unreadable."""
    try:
        return load_contracts(openapi_path, asyncapi_path)
    except ContractError as exc:
        if any(d.code in UNLOADABLE for d in exc.diagnostics):
            return exc.diagnostics
        return Contracts(
            openapi_path, asyncapi_path, _read(openapi_path), _read(asyncapi_path), exc.diagnostics
        )
    except Exception as exc:  # the OpenAPI validator raises on e.g. a dangling local $ref
        return _after_crash(openapi_path, asyncapi_path, exc)


def _after_crash(
    openapi_path: Path, asyncapi_path: Path, crash: Exception
) -> Contracts | Diagnostics:
    """Redo what the loader could not finish, so the cause (often CK003) is still reported."""
    diags = Diagnostics()
    try:
        oas, aas = _read(openapi_path), _read(asyncapi_path)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        diags.add("CK001", f"cannot read the contracts: {brief(exc)}", file=str(openapi_path))
        return diags
    diags.add(
        "OAS001",
        f"validation stopped early ({brief(crash)}); see the other errors",
        file=str(openapi_path),
    )
    contracts = Contracts(openapi_path, asyncapi_path, oas, aas, diags)
    try:
        _validate_asyncapi(aas, asyncapi_path, diags)
    except Exception as exc:  # report and go on: the rules can still say more
        diags.add("AAS001", f"validation stopped early ({brief(exc)})", file=str(asyncapi_path))
    _check_refs(contracts, oas, openapi_path, diags)
    _check_refs(contracts, aas, asyncapi_path, diags)
    return contracts


def brief(exc: BaseException) -> str:
    """`Type: first line of the message`, cut short (some messages embed whole documents)."""
    text = str(exc).splitlines()[0] if str(exc) else ""
    text = text.split(" within {", 1)[0]  # jsonschema/referencing append the whole document
    text = text if len(text) <= MAX_DETAIL else text[: MAX_DETAIL - 1] + "…"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _read(path: Path) -> dict[str, Any]:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=LOADER)
    return data if isinstance(data, dict) else {}
