"""Stage 3 plumbing: the Jinja environment (with user overrides) and output formatting."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from generators.ir import ApiIR

BUILTIN_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@dataclass(frozen=True)
class TemplateContext:
    """The one object every template receives, as `ctx`.

    Attributes:
        ir: the whole intermediate representation (operations, schemas, channel, messages).
        target: the name of the target being rendered (e.g. `ws_messages`).
        options: that target's options from `contractkit.yaml`.
        extra: target-specific precomputed values (documented by each target module).
    """

    ir: ApiIR
    target: str
    options: Mapping[str, Any]
    extra: Mapping[str, Any]


class Renderer:
    """Renders `templates/<target>/<file>.jinja`; a user directory may override any template."""

    def __init__(self, override_dir: Path | None = None) -> None:
        loaders: list[jinja2.BaseLoader] = []
        if override_dir is not None:
            loaders.append(jinja2.FileSystemLoader(str(override_dir)))
        loaders.append(jinja2.FileSystemLoader(str(BUILTIN_TEMPLATES)))
        self.env = jinja2.Environment(
            loader=jinja2.ChoiceLoader(loaders),
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
            autoescape=False,
        )

    def render(self, template: str, ctx: TemplateContext) -> str:
        return self.env.get_template(template).render(ctx=ctx)


def format_python(source: str, filename: str = "generated.py") -> str:
    """Format (and import-sort) Python source with ruff, in memory."""
    fixed = _ruff(["check", "--fix-only", "--select", "I,F401,UP", "--exit-zero"], source, filename)
    return _ruff(["format"], fixed, filename)


def _ruff(args: list[str], source: str, filename: str) -> str:
    cmd = [sys.executable, "-m", "ruff", *args, "--stdin-filename", filename, "-"]
    proc = subprocess.run(cmd, input=source, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"ruff {args[0]} failed on {filename}: {proc.stderr.strip()}")
    return proc.stdout
