"""Rules on an operation's own error list, `x-error-codes` (CK127-CK128)."""

from __future__ import annotations

from collections.abc import Iterator

from generators.lint.context import Finding, LintContext
from generators.lint.error_table import table_rows
from generators.lint.registry import rule
from generators.lint.walk import HttpOperation, http_operations


def _statuses(op: HttpOperation) -> set[str]:
    responses = op.node.value.get("responses")
    return set(map(str, responses)) if isinstance(responses, dict) else set()


@rule(
    "CK127", "an operation's x-error-codes are unique codes of documented statuses", needs_ir=False
)
def listed_codes_documented(ctx: LintContext) -> Iterator[Finding]:
    status_of = {row.code: row.status for row in table_rows(ctx)}
    for op in http_operations(ctx):
        listed = op.node.get("x-error-codes")
        if listed is None:
            continue
        if not isinstance(listed.value, list):
            yield listed.finding("x-error-codes must be a list of error codes")
            continue
        where, documented, seen = f"{op.method.upper()} {op.path}", _statuses(op), set()
        for item in listed.elements():
            code = item.value
            if not isinstance(code, int) or isinstance(code, bool):
                yield item.finding(f"{code!r} is not an error code")
            elif code in seen:
                yield item.finding(f"{code} is listed twice")
            elif code in status_of and str(status_of[code]) not in documented:
                yield item.finding(
                    f"{code} is a {status_of[code]} error, but {where} does not "
                    f"document a {status_of[code]} response"
                )
            seen.add(code)


@rule(
    "CK128",
    "every documented error status has a code in the operation's x-error-codes",
    needs_ir=False,
)
def documented_statuses_listed(ctx: LintContext) -> Iterator[Finding]:
    status_of = {row.code: row.status for row in table_rows(ctx)}
    for op in http_operations(ctx):
        listed = op.node.value.get("x-error-codes")
        responses = op.node.get("responses")
        if not isinstance(listed, list) or responses is None:
            continue
        covered = {status_of.get(code) for code in listed}
        for status, response in responses.items():
            if status.isdigit() and int(status) >= 400 and int(status) not in covered:
                yield response.finding(
                    f"{op.method.upper()} {op.path} documents {status}, but "
                    f"its x-error-codes list no {status} code"
                )
