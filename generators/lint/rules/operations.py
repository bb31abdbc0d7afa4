"""Rules on REST operations: identity, tags, summaries and examples (CK101-CK107)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from generators.lint.context import Finding, LintContext
from generators.lint.registry import rule
from generators.lint.walk import http_operations, media_examples, media_types

SNAKE_CASE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


@rule("CK101", "every operation has an operationId", needs_ir=False)
def operation_id_present(ctx: LintContext) -> Iterator[Finding]:
    for op in http_operations(ctx):
        if not isinstance(op.node.value.get("operationId"), str):
            yield op.node.finding(f"{op.method.upper()} {op.path} has no operationId")


@rule("CK102", "operationIds are snake_case", needs_ir=False)
def operation_id_snake_case(ctx: LintContext) -> Iterator[Finding]:
    for op in http_operations(ctx):
        op_id = op.node.value.get("operationId")
        if isinstance(op_id, str) and not SNAKE_CASE.match(op_id):
            yield op.node.finding(f"operationId {op_id!r} is not snake_case", "operationId")


@rule("CK103", "operationIds are unique", needs_ir=False)
def operation_id_unique(ctx: LintContext) -> Iterator[Finding]:
    first: dict[str, str] = {}
    for op in http_operations(ctx):
        op_id = op.node.value.get("operationId")
        if not isinstance(op_id, str):
            continue
        where = f"{op.method.upper()} {op.path}"
        if op_id in first:
            yield op.node.finding(
                f"operationId {op_id!r} is already used by {first[op_id]}", "operationId"
            )
        else:
            first[op_id] = where


@rule("CK104", "every operation has a tag declared in the top-level tags", needs_ir=False)
def operation_tag(ctx: LintContext) -> Iterator[Finding]:
    declared = {t.get("name") for t in ctx.oas.value.get("tags") or [] if isinstance(t, dict)}
    for op in http_operations(ctx):
        tags = op.node.value.get("tags")
        if not tags:
            yield op.node.finding(f"{op.method.upper()} {op.path} has no tag")
            continue
        for i, tag in enumerate(tags):
            if tag not in declared:
                yield op.node.finding(
                    f"tag {tag!r} is not declared in the top-level tags", "tags", i
                )


@rule("CK105", "every operation has a summary", needs_ir=False)
def operation_summary(ctx: LintContext) -> Iterator[Finding]:
    for op in http_operations(ctx):
        summary = op.node.value.get("summary")
        if not isinstance(summary, str) or not summary.strip():
            yield op.node.finding(f"{op.method.upper()} {op.path} has no summary")


@rule("CK106", "every request body has an example", needs_ir=False)
def request_example(ctx: LintContext) -> Iterator[Finding]:
    for op in http_operations(ctx):
        body = ctx.child(op.node, "requestBody")
        if body is None:
            continue
        for content_type, media in media_types(ctx, body):
            if next(media_examples(ctx, media), None) is None:
                yield media.finding(
                    f"the {content_type} request body of {op.method.upper()} {op.path} "
                    "has no example"
                )


@rule("CK107", "every operation has a success (2xx) response with an example", needs_ir=False)
def success_example(ctx: LintContext) -> Iterator[Finding]:
    for op in http_operations(ctx):
        responses = op.node.get("responses")
        success = [
            (status, ctx.deref(resp))
            for status, resp in (responses.items() if responses is not None else ())
            if status.startswith("2")
        ]
        if not success:
            yield op.node.finding(f"{op.method.upper()} {op.path} has no 2xx response")
        for status, resp in success:
            for content_type, media in media_types(ctx, resp):
                if next(media_examples(ctx, media), None) is None:
                    yield media.finding(
                        f"the {status} {content_type} response of {op.method.upper()} {op.path} "
                        "has no example"
                    )
