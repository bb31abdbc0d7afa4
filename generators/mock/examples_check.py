"""Check, at start-up, that every example the mock would serve validates against its schema.

Findings are warnings with code MOCK001 (an example the mock answers with does not match its
schema) and MOCK002 (a request example that the mock itself would reject).
"""

from __future__ import annotations

from generators.diagnostics import Diagnostics, Severity
from generators.ir import ApiIR
from generators.mock.schema_check import SchemaRegistry


def check_examples(ir: ApiIR, registry: SchemaRegistry | None = None) -> Diagnostics:
    """MOCK001/MOCK002 warnings for examples that do not validate."""
    registry = registry or SchemaRegistry(ir)
    diags = Diagnostics()

    def report(code: str, file: str, where: str, what: str, reasons: list[str]) -> None:
        msg = f"{what} does not match its schema: {'; '.join(reasons[:3])}"
        diags.add(code, msg, file=file, pointer=where, severity=Severity.WARNING)

    for op in ir.operations:
        for resp in op.responses:
            if resp.json_schema is None or resp.is_binary:
                continue
            checker = registry.checker(resp.json_schema)
            for name, example in resp.examples.items():
                issues = checker.issues(example)
                if issues:
                    what = f"{op.operation_id} {resp.status} example {name!r}"
                    report(
                        "MOCK001",
                        resp.location.file,
                        resp.location.pointer,
                        what,
                        [f"{i.field}: {i.reason}" for i in issues],
                    )
        if (
            op.body is not None
            and op.body.example is not None
            and op.body.content_type.endswith("json")
        ):
            issues = registry.checker(op.body.json_schema).issues(op.body.example)
            if issues:
                report(
                    "MOCK002",
                    op.body.location.file,
                    op.body.location.pointer,
                    f"{op.operation_id} request example",
                    [i.reason for i in issues],
                )
    for msg in ir.messages:
        checker = registry.checker(msg.payload)
        code = "MOCK001" if msg.direction == "server" else "MOCK002"
        for i, example in enumerate(msg.examples):
            issues = checker.issues(example)
            if issues:
                report(
                    code,
                    msg.location.file,
                    f"{msg.location.pointer}/examples/{i}",
                    f"{msg.key} example {i}",
                    [f"{x.field}: {x.reason}" for x in issues],
                )
    return diags
