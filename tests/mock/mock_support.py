"""Independent conformance checks for tests: plain jsonschema against the IR's schemas."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator

from generators.build_ir import build_ir
from generators.ir import ApiIR, Operation, Response
from generators.jsonschema_util import bundle
from generators.loader import load_contracts

AUTH = {"Authorization": "Bearer test-token"}
ROOT = Path(__file__).resolve().parents[2]


@cache
def load_ir() -> ApiIR:
    """The IR of the repository's contracts (cached: also used at collection time)."""
    contracts = load_contracts(
        ROOT / "contracts/meeting.openapi.yaml", ROOT / "contracts/meeting.asyncapi.yaml"
    )
    return build_ir(contracts, ROOT)


def validator(ir: ApiIR, schema: dict[str, Any]) -> Draft7Validator:
    return Draft7Validator(
        bundle(schema, ir.definitions()), format_checker=Draft7Validator.FORMAT_CHECKER
    )


def assert_valid(ir: ApiIR, schema: dict[str, Any], value: Any) -> None:
    errors = [e.message for e in validator(ir, schema).iter_errors(value)]
    assert not errors, f"{json.dumps(value, ensure_ascii=False)[:300]}: {errors}"


def response_for(op: Operation, status: int) -> Response:
    return next(r for r in op.responses if r.status == status)


def assert_error(ir: ApiIR, resp: Any, code: int) -> dict[str, Any]:
    """The response is the contract's error format with `code` and the table's status."""
    body = resp.json()
    assert body["code"] == code, body
    assert resp.status_code == ir.error(code).status
    assert body["message"] == ir.error(code).message
    assert_valid(ir, ir.schemas["Error"].json_schema, body)
    return dict(body)


def example_path(ir: ApiIR, op: Operation) -> str:
    """The operation's path with each path parameter's example filled in."""
    path = op.path
    for p in op.parameters:
        if p.location_in == "path":
            path = path.replace("{" + p.name + "}", str(p.example))
    return ir.base_path + path


def example_request(ir: ApiIR, op: Operation) -> dict[str, Any]:
    """httpx keyword arguments for a valid request built from the contract's examples."""
    kwargs: dict[str, Any] = {"headers": dict(AUTH) if op.secured else {}}
    query = {
        p.name: p.example
        for p in op.parameters
        if p.location_in == "query" and p.example is not None
    }
    if query:
        kwargs["params"] = query
    if op.body is not None and op.body.example is not None:
        if op.body.content_type == "application/json":
            kwargs["json"] = op.body.example
        else:
            fields = dict(op.body.example)
            files = {"file": ("minutes.txt", str(fields.pop("file")).encode(), "text/plain")}
            kwargs.update(files=files, data=fields)
    return kwargs
