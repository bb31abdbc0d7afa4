"""Target `server_stubs`: typed handler interfaces plus the Connexion wiring.

Emits (relative to the output directory, see docs/handler-interface.md): `errors.py`,
`server/__init__.py`, `server/context.py`, `server/interfaces.py`, `server/forms.py`,
`server/operations.py`, `server/validation.py`, `server/error_handlers.py`, `server/app.py`.

Template `extra`: `package` (import name of the output directory), `ops` (list of `OpView`),
`tags` (list of `TagView`), `forms` (list of `FormView`), `models` (model class names used),
`stdlib` (typing names used), `error_roles` (role -> code), `contract_relpath` (from
`server/` to the OpenAPI file).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generators.ir import ApiIR, Operation, Parameter, RequestBody
from generators.render import Renderer, TemplateContext
from generators.targets.base import Files
from generators.targets.pytypes import Annotator

NAME = "server_stubs"
# Roles the generated app answers by itself -> error name in the contract's table.
ERROR_ROLES = (
    "MISSING_FIELD",
    "INVALID_PARAMETER",
    "MALFORMED_BODY",
    "TOKEN_INVALID",
    "TOKEN_EXPIRED",
    "FORBIDDEN",
    "ROUTE_NOT_FOUND",
    "METHOD_NOT_ALLOWED",
    "INTERNAL_ERROR",
    "NOT_IMPLEMENTED",
)
DEFAULT_OPTIONS: dict[str, Any] = {
    "package": None,  # default: the output directory as a dotted name
    "error_roles": {},  # role -> error name, to override ERROR_ROLES' identity mapping
}
FILES = (
    "errors.py",
    "server/__init__.py",
    "server/context.py",
    "server/interfaces.py",
    "server/forms.py",
    "server/operations.py",
    "server/validation.py",
    "server/error_handlers.py",
    "server/app.py",
)


def class_name(module: str) -> str:
    """`meetings` -> `MeetingsHandlers`."""
    return "".join(part.capitalize() for part in module.split("_")) + "Handlers"


def connexion_key(name: str) -> str:
    """The keyword Connexion passes a parameter under (its `sanitized()`)."""
    name = re.sub(r"\[(?!])", "_", name)
    return re.sub(r"^[^a-zA-Z_]+", "", re.sub(r"[^0-9a-zA-Z_]", "", name))


@dataclass
class ParamView:
    """One handler keyword argument coming from a parameter."""

    name: str
    py_name: str
    key: str
    location: str
    required: bool
    annotation: str
    default: str | None

    @property
    def signature(self) -> str:
        if self.required:
            return f"{self.py_name}: {self.annotation}"
        if self.default is None:
            ann = self.annotation if "None" in self.annotation else f"{self.annotation} | None"
            return f"{self.py_name}: {ann} = None"
        return f"{self.py_name}: {self.annotation} = {self.default}"


@dataclass
class BodyView:
    """The `body` keyword argument."""

    model: str
    required: bool
    content_type: str
    form: bool
    files: list[str]

    @property
    def signature(self) -> str:
        return f"body: {self.model}" if self.required else f"body: {self.model} | None = None"


@dataclass
class FormView:
    """A generated multipart form class (file parts typed as `UploadedFile`)."""

    name: str
    schema_name: str
    description: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


@dataclass
class OpView:
    """Everything the templates need about one operation."""

    op: Operation
    params: list[ParamView]
    body: BodyView | None
    returns: str
    response_model: str | None
    binary: bool
    status: int
    message: str

    @property
    def signature(self) -> str:
        parts = [p.signature for p in self.params]
        if self.body is not None:
            parts.append(self.body.signature)
        rest = f", *, {', '.join(parts)}" if parts else ""
        return f"self, ctx: RequestContext{rest}"


@dataclass
class TagView:
    """One handler class."""

    module: str
    cls: str
    name: str
    description: str
    ops: list[OpView]


class _Builder:
    def __init__(self, ir: ApiIR) -> None:
        self.ir = ir
        self.ann = Annotator(ir)
        self.forms: dict[str, FormView] = {}

    def param(self, p: Parameter) -> ParamView:
        return ParamView(
            name=p.name,
            py_name=p.py_name,
            key=connexion_key(p.name),
            location=p.location_in,
            required=p.required,
            annotation=self.ann.annotation(p.json_schema),
            default=self.ann.default(p.json_schema),
        )

    def form(self, schema_name: str) -> FormView:
        if schema_name in self.forms:
            return self.forms[schema_name]
        named = self.ir.schemas[schema_name]
        suffix = "Data" if f"{schema_name}Data" not in self.ir.schemas else "Parts"
        view = FormView(f"{schema_name}{suffix}", schema_name, named.description or schema_name)
        required = set(named.json_schema.get("required", []))
        for prop, schema in named.json_schema.get("properties", {}).items():
            is_file = schema.get("type") == "string" and schema.get("format") == "binary"
            ann = "UploadedFile" if is_file else self.ann.annotation(schema)
            if is_file:
                view.files.append(prop)
            if prop in required:
                view.fields.append((prop, ann))
            else:
                default = self.ann.default(schema) or "None"
                if default == "None" and "None" not in ann:
                    ann = f"{ann} | None"
                view.fields.append((prop, f"{ann} = {default}"))
        self.forms[schema_name] = view
        return view

    def body(self, body: RequestBody | None) -> BodyView | None:
        if body is None:
            return None
        if body.schema_name is None:
            raise ValueError(f"request body at {body.location.pointer} must $ref a component")
        is_form = body.content_type in ("multipart/form-data", "application/x-www-form-urlencoded")
        if is_form:
            form = self.form(body.schema_name)
            return BodyView(form.name, body.required, body.content_type, True, form.files)
        self.ann.models.add(body.schema_name)
        return BodyView(body.schema_name, body.required, body.content_type, False, [])

    def op(self, op: Operation) -> OpView:
        success = op.success
        binary = success.is_binary
        model = success.data_schema_name
        if model:
            self.ann.models.add(model)
        returns = "FileDownload" if binary else (model or "None")
        messages = [e["message"] for e in success.examples.values() if isinstance(e, dict)]
        message = str(messages[0]) if messages and messages[0] else success.description
        return OpView(
            op=op,
            params=[self.param(p) for p in sorted(op.parameters, key=_location_rank)],
            body=self.body(op.body),
            returns=returns,
            response_model=None if binary else model,
            binary=binary,
            status=success.status,
            message=message,
        )


def _location_rank(p: Parameter) -> int:
    return ("path", "query", "header", "cookie").index(p.location_in)


def _error_roles(ir: ApiIR, overrides: Mapping[str, str]) -> dict[str, int]:
    by_name = {e.name: e.code for e in ir.error_codes}
    roles: dict[str, int] = {}
    for role in ERROR_ROLES:
        name = overrides.get(role, role)
        if name not in by_name:
            raise ValueError(f"the contract's error table has no {name!r} (role {role})")
        roles[role] = by_name[name]
    return roles


class ServerStubsTarget:
    """Handler interfaces, operation table, validation, error mapping and `create_app`."""

    name = NAME
    description = "typed handler interfaces and Connexion AsyncApp wiring (generated/server)"
    default_options = DEFAULT_OPTIONS

    def render(self, ir: ApiIR, renderer: Renderer, options: Mapping[str, Any]) -> Files:
        output_dir = str(options.get("output_dir", "generated"))
        package = options.get("package") or output_dir.strip("/").replace("/", ".")
        b = _Builder(ir)
        ops = {op.operation_id: b.op(op) for op in ir.operations}
        tags = [
            TagView(
                t.module,
                class_name(t.module),
                t.name,
                t.description or t.name,
                [ops[i] for i in t.operation_ids],
            )
            for t in ir.tags
            if t.operation_ids
        ]
        root = Path(ir.source_root or ".")
        contract = os.path.relpath(root / ir.openapi_file, root / output_dir / "server")
        extra = {
            "package": package,
            "ops": list(ops.values()),
            "tags": tags,
            "forms": list(b.forms.values()),
            "models": sorted(b.ann.models),
            "stdlib": sorted(b.ann.stdlib),
            "error_roles": _error_roles(ir, options.get("error_roles") or {}),
            "contract_relpath": Path(contract).as_posix(),
        }
        ctx = TemplateContext(ir, NAME, options, extra)
        renderer.env.filters.setdefault("pyrepr", repr)
        renderer.env.filters.setdefault("handler_class", class_name)
        return {path: renderer.render(f"{NAME}/{path}.jinja", ctx) for path in FILES}


TARGET = ServerStubsTarget()
