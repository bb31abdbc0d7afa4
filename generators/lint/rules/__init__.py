"""Every lint rule module; importing this package registers all rules in `RULES`."""

from generators.lint.rules import (
    descriptions,
    document,
    error_codes,
    examples,
    links,
    messages,
    operation_errors,
    operations,
    responses,
    schemas,
)

__all__ = [
    "descriptions",
    "document",
    "error_codes",
    "examples",
    "links",
    "messages",
    "operation_errors",
    "operations",
    "responses",
    "schemas",
]
