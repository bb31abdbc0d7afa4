"""Scratch contractkit projects in a temporary directory, and the CLI run as a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from generators.pipeline import load_ir, read_config, render, write

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-c", "from cli.main import app; app()"]


@dataclass
class Run:
    """A finished `contractkit` invocation."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def write_config(root: Path, **changes: object) -> Path:
    """The repository's contractkit.yaml with top-level `changes`, written under `root`."""
    data = yaml.safe_load((ROOT / "contractkit.yaml").read_text(encoding="utf-8"))
    data.update(changes)
    path = root / "contractkit.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def make_project(
    root: Path, *, impl: str = "impl_pkg", missing: str = "warning", generate: bool = True
) -> Path:
    """Contracts + config (implementation: `impl`) + freshly generated output under `root`."""
    shutil.copytree(ROOT / "contracts", root / "contracts")
    write_config(root, implementation={"package": impl, "missing": missing})
    (root / impl).mkdir()
    (root / impl / "__init__.py").write_text('"""Handlers under test."""\n', encoding="utf-8")
    if generate:
        config = read_config(root / "contractkit.yaml")
        write(render(load_ir(config), config), root)
    return root


def contractkit(root: Path, *args: str, timeout: float = 300) -> Run:
    """Run `contractkit ARGS` with `root` as the working directory."""
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", "TERM": "dumb"}
    proc = subprocess.run(
        [*CLI, *args], cwd=root, capture_output=True, text=True, timeout=timeout, env=env
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)
