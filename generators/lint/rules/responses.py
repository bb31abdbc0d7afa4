"""Rules on documented errors and parameters of REST operations (CK108-CK113)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from generators.diagnostics import pointer
from generators.ir import Operation
from generators.lint.context import Finding, LintContext
from generators.lint.registry import rule
from generators.lint.walk import media_examples, media_types

PATH_PARAM = re.compile(r"\{([^{}]+)\}")


def _missing(op: Operation, status: int, why: str) -> Finding | None:
    if any(r.status == status for r in op.responses):
        return None
    return Finding(
        op.location.file,
        op.location.pointer + pointer("responses"),
        f"{op.operation_id} {why} but does not document a {status} response",
    )


@rule("CK108", "operations with a body or parameters document 400")
def documents_400(ctx: LintContext) -> Iterator[Finding]:
    for op in ctx.ir.operations:
        if op.body is not None or op.parameters:
            what = "takes a request body" if op.body is not None else "takes parameters"
            found = _missing(op, 400, what)
            if found:
                yield found


@rule("CK109", "secured operations document 401")
def documents_401(ctx: LintContext) -> Iterator[Finding]:
    for op in ctx.ir.operations:
        found = _missing(op, 401, "is secured") if op.secured else None
        if found:
            yield found


@rule("CK110", "every operation documents 500")
def documents_500(ctx: LintContext) -> Iterator[Finding]:
    for op in ctx.ir.operations:
        found = _missing(op, 500, "can fail")
        if found:
            yield found


@rule("CK111", "every error response with a body has an example")
def error_examples(ctx: LintContext) -> Iterator[Finding]:
    for op in ctx.ir.operations:
        for resp in op.errors:
            for content_type, media in media_types(ctx, ctx.at(resp.location)):
                if next(media_examples(ctx, media), None) is None:
                    yield media.finding(
                        f"the {resp.status} {content_type} error response has no example"
                    )


@rule("CK112", "path templates and path parameters agree")
def path_parameters(ctx: LintContext) -> Iterator[Finding]:
    for op in ctx.ir.operations:
        in_template = PATH_PARAM.findall(op.path)
        declared = {p.name: p for p in op.parameters if p.location_in == "path"}
        for name in in_template:
            if name not in declared:
                yield Finding(
                    op.location.file,
                    op.location.pointer,
                    f"{op.operation_id}: path parameter {{{name}}} is not declared",
                )
        for name, param in declared.items():
            where = ctx.at(param.location)
            if name not in in_template:
                yield where.finding(
                    f"{op.operation_id}: path parameter {name!r} does not appear in {op.path}",
                    "name",
                )
            elif not param.required:
                yield where.finding(
                    f"{op.operation_id}: path parameter {name!r} must be required: true"
                )


@rule("CK113", "every parameter has a description")
def parameter_description(ctx: LintContext) -> Iterator[Finding]:
    for op in ctx.ir.operations:
        for param in op.parameters:
            if not (param.description or "").strip():
                yield ctx.at(param.location).finding(
                    f"parameter {param.name!r} of {op.operation_id} has no description"
                )
