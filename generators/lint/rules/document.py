"""Rules on document-wide declarations: security schemes and tags (CK117-CK119)."""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterator

from generators.diagnostics import Severity
from generators.lint.context import Finding, LintContext, Node
from generators.lint.registry import rule
from generators.lint.walk import http_operations

MODULE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def _requirements(ctx: LintContext) -> Iterator[Node]:
    """Every security requirement list: the document's and each operation's."""
    top = ctx.oas.get("security")
    if top is not None:
        yield top
    for op in http_operations(ctx):
        own = op.node.get("security")
        if own is not None:
            yield own


@rule("CK117", "security requirements name a declared security scheme", needs_ir=False)
def security_schemes(ctx: LintContext) -> Iterator[Finding]:
    schemes = ctx.oas.get("components", "securitySchemes")
    declared = (
        set(schemes.value) if schemes is not None and isinstance(schemes.value, dict) else set()
    )
    for requirements in _requirements(ctx):
        for requirement in requirements.elements():
            for name, _ in requirement.items():
                if name not in declared:
                    yield requirement.finding(
                        f"security scheme {name!r} is not declared in components/securitySchemes",
                        name,
                    )


@rule("CK118", "every tag has a unique snake_case x-module-name", needs_ir=False)
def tag_modules(ctx: LintContext) -> Iterator[Finding]:
    tags = ctx.oas.get("tags")
    seen: dict[str, str] = {}
    for tag in tags.elements() if tags is not None else ():
        name, module = tag.value.get("name"), tag.value.get("x-module-name")
        if not isinstance(module, str):
            yield tag.finding(
                f"tag {name!r} has no x-module-name (the Python/TypeScript "
                "module its operations go to)"
            )
        elif not MODULE_NAME.match(module) or keyword.iskeyword(module):
            yield tag.finding(
                f"x-module-name {module!r} is not a snake_case identifier", "x-module-name"
            )
        elif module in seen:
            yield tag.finding(
                f"x-module-name {module!r} is also used by tag {seen[module]!r}", "x-module-name"
            )
        else:
            seen[module] = str(name)


@rule("CK119", "every declared tag is used", severity=Severity.WARNING, needs_ir=False)
def tags_used(ctx: LintContext) -> Iterator[Finding]:
    used = {t for op in http_operations(ctx) for t in op.node.value.get("tags") or []}
    tags = ctx.oas.get("tags")
    for tag in tags.elements() if tags is not None else ():
        if tag.value.get("name") not in used:
            yield tag.finding(f"tag {tag.value.get('name')!r} has no operations")
