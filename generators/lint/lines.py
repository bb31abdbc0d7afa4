"""Find the line of a JSON pointer in a YAML file (for GitHub annotations)."""

from __future__ import annotations

from pathlib import Path

import yaml

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: much faster


class LineIndex:
    """Parses each file once (YAML node tree with positions) and answers pointer -> line."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._trees: dict[str, yaml.Node | None] = {}

    def _tree(self, file: str) -> yaml.Node | None:
        if file not in self._trees:
            path = Path(file) if Path(file).is_absolute() else self.root / file
            try:
                self._trees[file] = yaml.compose(path.read_text(encoding="utf-8"), Loader=LOADER)
            except (OSError, yaml.YAMLError):
                self._trees[file] = None
        return self._trees[file]

    def line(self, file: str, pointer: str) -> int | None:
        """1-based line of the deepest node on `pointer` that exists, or None."""
        node = self._tree(file)
        if node is None:
            return None
        line = node.start_mark.line + 1
        for raw in pointer.split("/")[1:]:
            token = raw.replace("~1", "/").replace("~0", "~")
            step = _step(node, token)
            if step is None:
                break
            node, line = step
        return line


def _step(node: yaml.Node, token: str) -> tuple[yaml.Node, int] | None:
    """The child at `token` and the line that names it (the key's line for mappings)."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and str(key.value) == token:
                return value, key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode) and token.isdigit() and int(token) < len(node.value):
        item = node.value[int(token)]
        return item, item.start_mark.line + 1
    return None
