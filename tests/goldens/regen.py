"""`python -m tests.goldens.regen`: re-render `tests/goldens/<target>/...` from the contracts."""

from __future__ import annotations

import sys
from pathlib import Path

from generators.pipeline import load_ir, read_config, render, selected

ROOT = Path(__file__).resolve().parents[2]
GOLDENS = Path(__file__).resolve().parent


def render_goldens(root: Path = ROOT) -> dict[str, str]:
    """Golden path (relative to tests/goldens, `<target>/<file>`) -> expected content."""
    config = read_config(root / "contractkit.yaml")
    ir = load_ir(config)
    out: dict[str, str] = {}
    for name in selected(config):
        prefix = config.targets[name].output_rel.rstrip("/") + "/"
        for path, content in render(ir, config, [name]).items():
            out[f"{name}/{path.removeprefix(prefix)}"] = content
    return out


def golden_files() -> dict[str, str]:
    """The committed goldens (same keys as `render_goldens`)."""
    return {
        p.relative_to(GOLDENS).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(GOLDENS.rglob("*"))
        if p.is_file() and p.parent != GOLDENS and "__pycache__" not in p.parts
    }


def main() -> int:
    expected = render_goldens()
    current = golden_files()
    for rel, content in expected.items():
        path = GOLDENS / rel
        if current.get(rel) != content:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
            print(f"updated {rel}")
    for rel in sorted(set(current) - set(expected)):
        (GOLDENS / rel).unlink()
        print(f"removed {rel}")
    print(f"{len(expected)} golden file(s) in {GOLDENS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
