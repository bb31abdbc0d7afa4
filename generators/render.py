"""Stage 3 plumbing: the Jinja environment (with user overrides) and output formatting."""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
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

    def __init__(
        self, override_dir: Path | None = None, bytecode_cache: Path | None = None
    ) -> None:
        """`bytecode_cache`: a directory for compiled templates (keyed on their source)."""
        loaders: list[jinja2.BaseLoader] = []
        if override_dir is not None:
            loaders.append(jinja2.FileSystemLoader(str(override_dir)))
        loaders.append(jinja2.FileSystemLoader(str(BUILTIN_TEMPLATES)))
        settings: dict[str, Any] = {
            "undefined": jinja2.StrictUndefined,
            "keep_trailing_newline": True,
            "trim_blocks": True,
            "lstrip_blocks": True,
            "autoescape": False,
        }
        self.env = jinja2.Environment(
            loader=jinja2.ChoiceLoader(loaders),
            bytecode_cache=_bytecode_cache(bytecode_cache, settings),
            **settings,
        )

    def render(self, template: str, ctx: TemplateContext) -> str:
        return self.env.get_template(template).render(ctx=ctx)


def _bytecode_cache(
    directory: Path | None, settings: dict[str, Any]
) -> jinja2.BytecodeCache | None:
    """Jinja validates cached code against the template source only, so the environment's
    settings (which change the compiled code) pick the sub-directory."""
    if directory is None:
        return None
    key = hashlib.sha256(f"{jinja2.__version__}{sorted(settings.items())!r}".encode())
    folder = directory / key.hexdigest()[:16]
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(str(folder))


_DEFERRED: ContextVar[bool] = ContextVar("contractkit_deferred_formatting", default=False)


@contextmanager
def deferred_formatting() -> Iterator[None]:
    """Inside this block `format_python` returns its input unchanged: the caller (the
    pipeline) formats every emitted Python file afterwards in one ruff batch."""
    token = _DEFERRED.set(True)
    try:
        yield
    finally:
        _DEFERRED.reset(token)


def format_python(source: str, filename: str = "generated.py") -> str:
    """Format (and import-sort) Python source with ruff, in memory."""
    if _DEFERRED.get():
        return source
    fixed = _ruff(["check", "--fix-only", "--select", "I,F401,UP", "--exit-zero"], source, filename)
    return _ruff(["format"], fixed, filename)


def _ruff(args: list[str], source: str, filename: str) -> str:
    from generators.pyformat import ruff_command  # the binary itself: no extra interpreter

    cmd = [*ruff_command(), *args, "--stdin-filename", filename, "-"]
    proc = subprocess.run(cmd, input=source, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"ruff {args[0]} failed on {filename}: {proc.stderr.strip()}")
    return proc.stdout
