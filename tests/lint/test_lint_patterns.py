"""CK162: a schema `pattern` must mean the same to every validator of the contract.

JSON Schema patterns are ECMA-262 regexes (the TypeScript client, schemathesis); the server
checks requests with jsonschema-rs (Rust) and builds pydantic models with Python's `re`. Their
`\\d`, `\\w`, `\\s` and `\\b` differ on Unicode (Python's `\\s` takes U+001C, ECMAScript's
takes U+FEFF, Python's `\\d` takes Arabic-Indic digits), which once let schemathesis send a
nickname the contract allows and the server refused.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from typing import Any

import jsonschema_rs
import pytest

from generators.diagnostics import pointer as P
from tests.lint.lint_support import AAS_FILE, OAS_FILE

#: characters some dialect treats differently: every white space of any of them, digits and
#: letters beyond ASCII
DIALECT_CHARS = [chr(c) for c in range(0x110000) if chr(c).isspace()] + [
    "\ufeff",
    "\u0663",  # ARABIC-INDIC DIGIT THREE
    "\uff13",  # FULLWIDTH DIGIT THREE
    "é",
    "李",
    "_",
]


def test_dialect_escapes_are_reported_where_they_stand(lint_mutated: Any) -> None:
    def change(oas: dict[str, Any], aas: dict[str, Any]) -> None:
        schemas = oas["components"]["schemas"]
        schemas["Nickname"]["pattern"] = "\\S"
        schemas["Digits"] = {"type": "string", "pattern": "^\\d+$", "description": "数字"}
        schemas["Keyed"] = {
            "type": "object",
            "description": "按正则取键",
            "patternProperties": {"^\\w+$": {"type": "string"}},
        }
        schemas["Escaped"] = {"type": "string", "pattern": "^a\\\\d[0-9]$", "description": "\\\\d"}
        aas["components"]["schemas"]["Sdp"]["pattern"] = "^v=0\\b"

    linted = lint_mutated(change)
    assert linted.pointers("CK162", OAS_FILE) == {
        P("components", "schemas", "Nickname", "pattern"),
        P("components", "schemas", "Digits", "pattern"),
        P("components", "schemas", "Keyed", "patternProperties", "^\\w+$"),
    }  # an escaped backslash before `d` is a literal backslash, not `\d`
    assert linted.pointers("CK162", AAS_FILE) == {P("components", "schemas", "Sdp", "pattern")}


def test_repo_contracts_use_portable_patterns(lint_mutated: Any) -> None:
    linted = lint_mutated()
    assert linted.pointers("CK162") == set()


@pytest.mark.skipif(shutil.which("node") is None, reason="node (ECMAScript regexes) not found")
def test_every_contract_pattern_agrees_across_the_three_validators(
    repo_docs: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    """Each pattern of both contracts, on strings of every dialect-sensitive character:
    jsonschema-rs, Python's `re` and node's `RegExp` (with the `u` flag) say the same."""
    patterns = sorted({p for doc in repo_docs for p in _patterns(doc)})
    assert patterns, "the contracts have patterns"
    probes = [c * n for c in DIALECT_CHARS for n in (1, 2, 9)] + [f"ab{c}1" for c in DIALECT_CHARS]
    script = (
        "const [ps, ss] = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "console.log(JSON.stringify(ps.map(p => { const r = new RegExp(p, 'u');"
        " return ss.map(s => r.test(s)); })));"
    )
    node = subprocess.run(
        ["node", "-e", script],
        input=json.dumps([patterns, probes]),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    ecma = json.loads(node.stdout)
    for pattern, ecma_verdicts in zip(patterns, ecma, strict=True):
        rust = jsonschema_rs.Draft7Validator({"type": "string", "pattern": pattern})
        python = re.compile(pattern)
        for probe, in_ecma in zip(probes, ecma_verdicts, strict=True):
            verdicts = (in_ecma, rust.is_valid(probe), python.search(probe) is not None)
            assert len(set(verdicts)) == 1, (pattern, probe, verdicts)


def _patterns(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        if isinstance(value.get("pattern"), str):
            yield value["pattern"]
        for key, child in value.items():
            if key == "patternProperties" and isinstance(child, dict):
                yield from child
            if key not in ("example", "examples", "default", "enum", "const"):
                yield from _patterns(child)
    elif isinstance(value, list):
        for child in value:
            yield from _patterns(child)
