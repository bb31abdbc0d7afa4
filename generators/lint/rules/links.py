"""Rules on OpenAPI links, which stateful fuzzing follows (CK114-CK116)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from generators.ir import Link, Operation, Response
from generators.jsonschema_util import ref_name
from generators.lint.context import Finding, LintContext, Node
from generators.lint.registry import rule

Json = Any
PARAM_LOCATIONS = ("path", "query", "header", "cookie")
MAX_DEPTH = 32


def _links(ctx: LintContext) -> Iterator[tuple[Operation, Response, Link, Node]]:
    for op in ctx.ir.operations:
        for resp in op.responses:
            for link in resp.links:
                node = ctx.at(resp.location).get("links", link.name)
                if node is not None:
                    yield op, resp, link, node


def _target(ctx: LintContext, link: Link) -> Operation | None:
    return next((o for o in ctx.ir.operations if o.operation_id == link.operation_id), None)


@rule("CK114", "links point at an existing operationId")
def link_target(ctx: LintContext) -> Iterator[Finding]:
    for op, _, link, node in _links(ctx):
        if not link.operation_id:
            yield node.finding(
                f"link {link.name!r} of {op.operation_id} has no operationId "
                "(operationRef is not supported)"
            )
        elif _target(ctx, link) is None:
            yield node.finding(
                f"link {link.name!r} of {op.operation_id} points at unknown "
                f"operationId {link.operation_id!r}",
                "operationId",
            )


@rule("CK115", "link parameters and request bodies fit the target operation")
def link_parameters(ctx: LintContext) -> Iterator[Finding]:
    for _, _, link, node in _links(ctx):
        target = _target(ctx, link)
        if target is None:
            continue
        params = {(p.location_in, p.name) for p in target.parameters}
        names = {name for _, name in params}
        supplied: set[str] = set()
        for key in link.parameters:
            where, _, name = key.rpartition(".")
            if where not in PARAM_LOCATIONS:
                where, name = "", key
            supplied.add(name)
            if (where and (where, name) not in params) or (not where and name not in names):
                yield node.finding(
                    f"link {link.name!r}: {target.operation_id} has no parameter {key!r}",
                    "parameters",
                    key,
                )
        for p in target.parameters:
            if p.location_in == "path" and p.name not in supplied:
                yield node.finding(
                    f"link {link.name!r} does not supply the path parameter "
                    f"{p.name!r} of {target.operation_id}"
                )
        if link.request_body is not None and target.body is None:
            yield node.finding(
                f"link {link.name!r} sends a request body, but {target.operation_id} takes none",
                "requestBody",
            )


@rule("CK116", "link expressions refer to fields that exist")
def link_expressions(ctx: LintContext) -> Iterator[Finding]:
    for op, resp, link, node in _links(ctx):
        exprs: list[tuple[tuple[str, ...], Json]] = [
            (("parameters", k), v) for k, v in link.parameters.items()
        ]
        exprs += [(("requestBody", *path), v) for path, v in _strings(link.request_body)]
        for tokens, expr in exprs:
            problem = _check_expression(ctx, op, resp, expr)
            if problem:
                yield node.finding(f"link {link.name!r}: {expr!r} {problem}", *tokens)


def _strings(value: Json, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Json]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, (*path, str(k)))
    elif isinstance(value, str):
        yield path, value


def _check_expression(ctx: LintContext, op: Operation, resp: Response, expr: Json) -> str | None:
    """Why the runtime expression `expr` cannot be evaluated, or None when it can."""
    if not isinstance(expr, str) or not expr.startswith("$"):
        return None
    source, _, ptr = expr.partition("#")
    if source == "$response.body":
        schema, what = resp.json_schema, f"the {resp.status} response body"
    elif source == "$request.body":
        schema, what = (op.body.json_schema if op.body else None), "the request body"
    elif source.startswith("$request."):
        where, _, name = source.removeprefix("$request.").partition(".")
        ok = any(p.location_in == where and p.name == name for p in op.parameters)
        return None if ok else f"names no {where} parameter of {op.operation_id}"
    elif source.startswith("$response.header."):
        name = source.removeprefix("$response.header.").lower()
        ok = any(h.name.lower() == name for h in resp.headers)
        return None if ok else f"names no header of the {resp.status} response"
    else:
        return None if source in ("$url", "$method", "$statusCode") else "is not a known source"
    if schema is None:
        return f"refers to {what}, which has no schema"
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in ptr.split("/")[1:]]
    if not has_path(schema, tokens, ctx.ir.definitions()):
        return f"refers to a field that {what} does not have"
    return None


def has_path(schema: Json, tokens: list[str], defs: dict[str, Json], depth: int = 0) -> bool:
    """Whether an instance of `schema` can have a value at the pointer `tokens`.

    `true` (any value) and very deep recursion give the benefit of the doubt.
    """
    if depth > MAX_DEPTH:
        return True
    if not isinstance(schema, dict):
        return schema is True
    if "$ref" in schema:
        target = defs.get(ref_name(schema["$ref"]))
        return target is not None and has_path(target, tokens, defs, depth + 1)
    if not tokens:
        return True
    for key in ("allOf", "anyOf", "oneOf"):
        if any(has_path(s, tokens, defs, depth + 1) for s in schema.get(key, [])):
            return True
    head, rest = tokens[0], tokens[1:]
    props = schema.get("properties", {})
    if head in props:
        return has_path(props[head], rest, defs, depth + 1)
    if head.isdigit() and "items" in schema:
        return has_path(schema["items"], rest, defs, depth + 1)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict) or extra is True:
        return has_path(extra, rest, defs, depth + 1)
    return False
