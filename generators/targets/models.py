"""Target `models`: pydantic v2 models of every OpenAPI component schema.

The models come from datamodel-code-generator run on the contract file itself; our template
wraps its output (header, package `__init__`). Template `extra`: `code` (the generated models,
without header), `source` (the contract file, relative). Options: `module` (default
`models.py`), `init` (emit the package `__init__.py`, default true).

Choices: `nullable` + required -> `X | None` without default (strict_nullable); primitive
component schemas are inlined (no `RootModel` wrappers); single-value enums are `Literal`s;
`format: email|password|byte|uri|binary` stay `str` (no value rewriting, no optional deps);
`x-enum-varnames` name the `ErrorCode` members. datamodel-code-generator costs ~0.5 s to
import, so its output is memoised on the contract's hash (generators.cache), and on a miss it
is started in a child process (`prefetch`) while the contracts load.
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from generators.cache import Cache, digest, package_version
from generators.ir import ApiIR
from generators.render import Renderer, TemplateContext
from generators.targets.base import Files

NAME = "models"
DEFAULT_OPTIONS: dict[str, Any] = {"module": "models.py", "init": True}
_CODE_ROOT = str(Path(__file__).resolve().parents[2])

# Formats whose pydantic types change the value or need optional packages: keep them `str`
# (Connexion validates the formats; handlers get exactly what the client sent).
_TYPE_MAPPINGS = ("email=string", "password=string", "byte=string", "uri=string", "binary=string")


_OPTIONS_KEY = "v1:" + ",".join(_TYPE_MAPPINGS)
_MEMO: dict[str, str] = {}
_PENDING: dict[str, subprocess.Popen[bytes]] = {}
_CACHE_NS = "models"
_CHILD = (
    "import sys; from pathlib import Path; from generators.targets.models import run_dmcg; "
    "sys.stdout.write(run_dmcg(Path(sys.argv[1])))"
)


def _key(contract: Path) -> str:
    return digest(contract.read_bytes(), package_version("datamodel-code-generator"), _OPTIONS_KEY)


def run_dmcg(contract: Path) -> str:
    """Run datamodel-code-generator on `contract` (its import alone costs ~0.5 s)."""
    from datamodel_code_generator import (
        DataModelType,
        InputFileType,
        LiteralType,
        PythonVersion,
        generate,
    )

    with warnings.catch_warnings():
        # It warns about constraints it cannot express; the contract is validated by Connexion.
        warnings.simplefilter("ignore")
        code = generate(
            contract,
            input_file_type=InputFileType.OpenAPI,
            output_model_type=DataModelType.PydanticV2BaseModel,
            target_python_version=PythonVersion.PY_311,
            disable_timestamp=True,
            custom_file_header="# (header)",
            formatters=[],  # the pipeline formats every Python file with ruff
            use_annotated=True,
            field_constraints=True,
            strict_nullable=True,
            collapse_root_models=True,
            enum_field_as_literal=LiteralType.One,
            use_schema_description=True,
            use_field_description=True,
            type_mappings=list(_TYPE_MAPPINGS),
        )
    if not isinstance(code, str):
        raise RuntimeError("datamodel-code-generator returned several modules; expected one")
    return code.removeprefix("# (header)").strip()


def prefetch(openapi: Path, root: Path) -> None:
    """Start generating in a child process (overlapping contract loading) on a cache miss."""
    key = _key(openapi)
    if key in _MEMO or key in _PENDING or Cache.for_project(root).get(_CACHE_NS, key):
        return
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([_CODE_ROOT, os.environ.get("PYTHONPATH", "")]),
    }
    _PENDING[key] = subprocess.Popen(
        [sys.executable, "-m", __name__, str(openapi)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )


def _from_child(key: str) -> str | None:
    proc = _PENDING.pop(key, None)
    if proc is None:
        return None
    out, _ = proc.communicate()
    return out.decode("utf-8") if proc.returncode == 0 and out else None


def generate_models_code(contract: Path, root: Path) -> str:
    """The models module for `contract`: memo, then disk cache, then child, then in-process."""
    key = _key(contract)
    if key in _MEMO:
        return _MEMO[key]
    cache = Cache.for_project(root)
    code = cache.get(_CACHE_NS, key) or _from_child(key)
    if code is None:
        code = run_dmcg(contract)
    cache.put(_CACHE_NS, key, code)
    _MEMO[key] = code
    return code


class ModelsTarget:
    """REST pydantic models (`generated/models.py`)."""

    name = NAME
    description = "pydantic v2 models of the OpenAPI component schemas (datamodel-code-generator)"
    default_options = DEFAULT_OPTIONS

    def prefetch(self, openapi: Path, root: Path) -> None:
        prefetch(openapi, root)

    def render(self, ir: ApiIR, renderer: Renderer, options: Mapping[str, Any]) -> Files:
        contract = Path(ir.source_root) / ir.openapi_file
        code = generate_models_code(contract, Path(ir.source_root))
        module = str(options.get("module", DEFAULT_OPTIONS["module"]))
        ctx = TemplateContext(ir, NAME, options, {"code": code, "source": ir.openapi_file})
        files: Files = {module: renderer.render(f"{NAME}/models.py.jinja", ctx)}
        if options.get("init", True):
            files["__init__.py"] = renderer.render(f"{NAME}/__init__.py.jinja", ctx)
        return files


TARGET = ModelsTarget()
