"""Rules on the error table and the error codes used in examples (CK120-CK126)."""

from __future__ import annotations

from collections.abc import Iterator

from generators.diagnostics import Severity
from generators.lint.context import Finding, LintContext, Node
from generators.lint.error_table import CodeUse, code_uses, table_node, table_rows
from generators.lint.registry import rule


@rule("CK120", "every error code used in an example is in the error table", needs_ir=False)
def known_codes(ctx: LintContext) -> Iterator[Finding]:
    known = {row.code for row in table_rows(ctx)}
    for use in code_uses(ctx):
        if use.code not in known:
            yield use.node.finding(
                f"{use.what} uses error code {use.code}, which is not in "
                "the error table (x-error-codes on ErrorCode)"
            )


@rule("CK121", "the error table and the ErrorCode enum list the same codes", needs_ir=False)
def table_matches_enum(ctx: LintContext) -> Iterator[Finding]:
    table = table_node(ctx)
    if table is None:
        if next(code_uses(ctx), None) is not None:
            yield ctx.oas.finding(
                "error codes are used, but there is no ErrorCode schema with "
                "an x-error-codes table",
                "components",
                "schemas",
            )
        return
    rows = table.get("x-error-codes")
    if rows is None or not isinstance(rows.value, list):
        yield table.finding("ErrorCode has no x-error-codes table")
        return
    enum = table.get("enum")
    values = enum.value if enum is not None and isinstance(enum.value, list) else []
    codes = [row.code for row in table_rows(ctx)]
    for row in table_rows(ctx):
        if row.code not in values:
            yield row.node.finding(f"{row.code} is in the error table but not in the enum", "code")
    for i, value in enumerate(values):
        if value not in codes:
            yield table.finding(f"{value} is in the enum but not in the error table", "enum", i)
    if sorted(map(str, values)) == sorted(map(str, codes)) and list(values) != codes:
        yield table.finding("the enum lists the codes in a different order than the table", "enum")


@rule("CK122", "x-enum-varnames match the error table names", needs_ir=False)
def varnames_match(ctx: LintContext) -> Iterator[Finding]:
    table = table_node(ctx)
    enum = table.get("enum") if table is not None else None
    if table is None or enum is None or not isinstance(enum.value, list):
        return
    names = table.get("x-enum-varnames")
    if names is None or not isinstance(names.value, list):
        yield table.finding("ErrorCode has no x-enum-varnames")
        return
    if len(names.value) != len(enum.value):
        yield names.finding(f"{len(names.value)} x-enum-varnames for {len(enum.value)} enum values")
    by_code = {row.code: row.name for row in table_rows(ctx)}
    for i, (code, name) in enumerate(zip(enum.value, names.value, strict=False)):
        expected = by_code.get(code)
        if expected is not None and name != expected:
            yield names.finding(
                f"x-enum-varnames[{i}] is {name!r}, but the table names {code} {expected!r}", i
            )


@rule("CK123", "error table rows are well-formed and unique", needs_ir=False)
def rows_unique(ctx: LintContext) -> Iterator[Finding]:
    table = table_node(ctx)
    rows = table.get("x-error-codes") if table is not None else None
    good = {row.node.pointer for row in table_rows(ctx)}
    for row in rows.elements() if rows is not None else ():
        if row.pointer not in good:
            yield row.finding(
                "an error table row needs an integer code and status and a string name and message"
            )
    seen_codes: set[int] = set()
    seen_names: set[str] = set()
    for r in table_rows(ctx):
        if r.code in seen_codes:
            yield r.node.finding(f"error code {r.code} appears twice in the table", "code")
        if r.name in seen_names:
            yield r.node.finding(f"error name {r.name} appears twice in the table", "name")
        seen_codes.add(r.code)
        seen_names.add(r.name)


@rule("CK124", "each error code's first three digits are its HTTP status", needs_ir=False)
def code_matches_status(ctx: LintContext) -> Iterator[Finding]:
    for row in table_rows(ctx):
        if not 400 <= row.status <= 599:
            yield row.node.finding(
                f"{row.name}: status {row.status} is not an HTTP error status", "status"
            )
        elif not 10000 <= row.code <= 99999 or row.code // 100 != row.status:
            yield row.node.finding(
                f"{row.name}: code {row.code} must be 5 digits starting "
                f"with its status {row.status}",
                "code",
            )


@rule("CK125", "error examples under status S use codes of status S", needs_ir=False)
def code_status_matches_response(ctx: LintContext) -> Iterator[Finding]:
    """Wrong under every use: the example is wrong (reported once, there); else the use is."""
    status_of = {row.code: row.status for row in table_rows(ctx)}
    by_example: dict[tuple[str, str], list[tuple[CodeUse, int, Node]]] = {}
    for use in code_uses(ctx):
        if use.status is not None and use.usage is not None and use.code in status_of:
            key = (use.node.file, use.node.pointer)
            by_example.setdefault(key, []).append((use, use.status, use.usage))
    for uses in by_example.values():
        first, table_status = uses[0][0], status_of[uses[0][0].code]
        wrong = [(use, status, usage) for use, status, usage in uses if status != table_status]
        if wrong and len(wrong) == len(uses):
            statuses = "/".join(sorted({str(status) for _, status, _ in uses}))
            yield first.node.finding(
                f"{first.what} uses {first.code}, a {table_status} error, "
                f"but is documented under {statuses} responses only"
            )
            continue
        for use, status, usage in wrong:
            where = f"{use.node.file}#{use.node.pointer}"
            yield usage.finding(
                f"{use.what} ({where}) uses {use.code}, a {table_status} "
                f"error, under a {status} response"
            )


@rule("CK126", "error examples use the table's message", severity=Severity.WARNING, needs_ir=False)
def message_matches_table(ctx: LintContext) -> Iterator[Finding]:
    message_of = {row.code: row.message for row in table_rows(ctx)}
    for use in code_uses(ctx):
        expected = message_of.get(use.code)
        node = use.message_node
        if node is not None and expected is not None and use.message not in (None, expected):
            yield node.finding(
                f"{use.what}: message {use.message!r} differs from the "
                f"table's {expected!r} for {use.code}"
            )
