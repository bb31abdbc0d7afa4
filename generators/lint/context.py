"""What every lint rule reads: the loaded documents, the IR (when it could be built), helpers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from generators.diagnostics import pointer
from generators.ir import ApiIR, Location
from generators.lint.validate import ExampleChecker
from generators.loader import Contracts

Json = Any


@dataclass(frozen=True)
class Finding:
    """One problem a rule found: where (display file + JSON pointer) and what."""

    file: str
    pointer: str
    message: str


@dataclass(frozen=True)
class Node:
    """A node of a contract document and where it lives."""

    path: Path
    file: str
    pointer: str
    value: Json

    def get(self, *tokens: str | int) -> Node | None:
        """The child at `tokens` (no `$ref` following), or None when absent."""
        node = self.value
        for token in tokens:
            in_dict = isinstance(node, dict) and token in node
            in_list = isinstance(node, list) and isinstance(token, int) and 0 <= token < len(node)
            if not (in_dict or in_list):
                return None
            node = node[token]
        return Node(self.path, self.file, self.pointer + pointer(*tokens), node)

    def items(self) -> Iterator[tuple[str, Node]]:
        """(key, child) of a mapping node; nothing for other nodes."""
        if isinstance(self.value, dict):
            for key in self.value:
                child = self.get(key)
                if child is not None:
                    yield str(key), child

    def elements(self) -> Iterator[Node]:
        """Children of a list node; nothing for other nodes."""
        if isinstance(self.value, list):
            for i in range(len(self.value)):
                child = self.get(i)
                if child is not None:
                    yield child

    def finding(self, message: str, *tokens: str | int) -> Finding:
        """A finding at this node (or below it, at `tokens`)."""
        return Finding(self.file, self.pointer + pointer(*tokens), message)


def display_name(path: Path, root: Path) -> str:
    """`path` relative to `root` when inside it (the form the IR records), else as given."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


class LintContext:
    """The documents, the IR (None when it could not be built) and navigation helpers."""

    def __init__(self, contracts: Contracts, ir: ApiIR | None, root: Path) -> None:
        self.contracts = contracts
        self.root = root
        self._ir = ir
        self._names: dict[Path, str] = {}
        self.oas = Node(
            contracts.openapi_path,
            display_name(contracts.openapi_path, root),
            "",
            contracts.openapi,
        )
        self.aas = Node(
            contracts.asyncapi_path,
            display_name(contracts.asyncapi_path, root),
            "",
            contracts.asyncapi,
        )

    @property
    def has_ir(self) -> bool:
        return self._ir is not None

    @property
    def ir(self) -> ApiIR:
        if self._ir is None:
            raise RuntimeError("this rule needs the IR, which could not be built")
        return self._ir

    @cached_property
    def examples(self) -> ExampleChecker:
        """Validates examples against schemas bundled with the IR's `definitions()`."""
        return ExampleChecker(self.ir.definitions())

    def display(self, path: Path) -> str:
        """The file name diagnostics use for `path`."""
        if path not in self._names:
            self._names[path] = display_name(path, self.root)
        return self._names[path]

    def deref(self, node: Node) -> Node:
        """Follow a `$ref` chain from `node`; the result says where the target lives."""
        seen: set[tuple[Path, str]] = set()
        while isinstance(node.value, dict) and isinstance(node.value.get("$ref"), str):
            path, frag, value = self.contracts.resolve(node.value["$ref"], node.path)
            if (path, frag) in seen:
                raise ValueError(f"circular $ref at {path}#{frag}")
            seen.add((path, frag))
            node = Node(path, self.display(path), frag, value)
        return node

    def at(self, location: Location) -> Node:
        """The document node of an IR element, with any `$ref` there followed."""
        doc = self.oas if location.file == self.oas.file else self.aas
        node = Node(doc.path, doc.file, "", doc.value)
        tokens = [t.replace("~1", "/").replace("~0", "~") for t in location.pointer.split("/")[1:]]
        for token in tokens:
            child = node.get(int(token) if isinstance(node.value, list) else token)
            if child is None:
                raise KeyError(f"{location.file}#{location.pointer} is not in the document")
            node = child
        return self.deref(node)

    def child(self, node: Node, *tokens: str | int) -> Node | None:
        """`node.get(*tokens)` with `$ref`s followed at every step."""
        for token in tokens:
            got = self.deref(node).get(token)
            if got is None:
                return None
            node = got
        return self.deref(node)


def last_token(ptr: str) -> str:
    """The unescaped last reference token of a JSON pointer."""
    return ptr.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
