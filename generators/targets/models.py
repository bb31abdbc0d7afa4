"""Target `models`: pydantic v2 models of every OpenAPI component schema.

The models come from datamodel-code-generator run on the contract file itself; our template
wraps its output (header, package `__init__`). Template `extra`: `code` (the generated models,
without header), `source` (the contract file, relative).
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from generators.ir import ApiIR
from generators.render import Renderer, TemplateContext
from generators.targets.base import Files

NAME = "models"
DEFAULT_OPTIONS: dict[str, Any] = {"module": "models.py", "init": True}

# Formats whose pydantic types change the value or need optional packages: keep them `str`
# (Connexion validates the formats; handlers get exactly what the client sent).
_TYPE_MAPPINGS = ("email=string", "password=string", "byte=string", "uri=string", "binary=string")


def _dmcg_version() -> str:
    from importlib.metadata import version

    return version("datamodel-code-generator")


@cache
def _generate_cached(contract: Path, digest: str) -> str:
    """Run datamodel-code-generator (its import alone costs ~0.5 s, so import lazily)."""
    del digest  # part of the cache key only
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
            formatters=[],  # we format with ruff ourselves, deterministically
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


def generate_models_code(contract: Path) -> str:
    """The models module for `contract` (memoised on the file's content)."""
    digest = hashlib.sha256(contract.read_bytes()).hexdigest()
    return _generate_cached(contract.resolve(), f"{digest}:{_dmcg_version()}")


class ModelsTarget:
    """REST pydantic models (`generated/models.py`)."""

    name = NAME
    description = "pydantic v2 models of the OpenAPI component schemas (datamodel-code-generator)"
    default_options = DEFAULT_OPTIONS

    def render(self, ir: ApiIR, renderer: Renderer, options: Mapping[str, Any]) -> Files:
        contract = Path(ir.source_root) / ir.openapi_file
        code = generate_models_code(contract)
        module = str(options.get("module", DEFAULT_OPTIONS["module"]))
        ctx = TemplateContext(ir, NAME, options, {"code": code, "source": ir.openapi_file})
        files: Files = {module: renderer.render(f"{NAME}/models.py.jinja", ctx)}
        if options.get("init", True):
            files["__init__.py"] = renderer.render(f"{NAME}/__init__.py.jinja", ctx)
        return files


TARGET = ModelsTarget()
