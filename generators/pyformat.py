"""Format many generated Python files with ruff in one batch (three ruff runs in total).

Files are formatted under the project's ruff configuration (the nearest `ruff.toml`,
`.ruff.toml` or `pyproject.toml` with a `[tool.ruff]` table above the project root), so the
output passes `ruff check` and `ruff format --check` in that project. Lint codes that only
flag contract prose (full-width punctuation, long description lines) are exempted per file
with a `# ruff: noqa: ...` line, listing only the codes that actually fire.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from functools import cache
from pathlib import Path

# Contract text copied into docstrings/strings may trip these; nothing else is exempted.
PROSE_CODES = ("E501", "RUF001", "RUF002", "RUF003")


def find_ruff_config(root: Path) -> Path | None:
    """The ruff configuration file governing `root`, if any."""
    for directory in (root, *root.parents):
        for name in ("ruff.toml", ".ruff.toml"):
            if (directory / name).is_file():
                return directory / name
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file() and "[tool.ruff" in pyproject.read_text(encoding="utf-8"):
            return pyproject
    return None


@cache
def ruff_command() -> list[str]:
    """The ruff executable (directly: `python -m ruff` would add an interpreter start)."""
    try:
        from ruff.__main__ import find_ruff_bin  # type: ignore[import-untyped]

        return [str(find_ruff_bin())]
    except (ImportError, FileNotFoundError):
        return [sys.executable, "-m", "ruff"]


def _ruff(args: list[str], config: Path | None, cwd: Path) -> subprocess.CompletedProcess[str]:
    cfg = ["--config", str(config)] if config else ["--isolated"]
    cmd = [*ruff_command(), *args, *cfg, "."]
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"ruff {args[0]} failed: {proc.stderr.strip()}")
    return proc


def format_python_files(files: Mapping[str, str], root: Path) -> dict[str, str]:
    """Return `files` (relative path -> source) sorted, fixed (imports) and formatted."""
    if not files:
        return {}
    config = find_ruff_config(root)
    with tempfile.TemporaryDirectory(prefix="contractkit-fmt-") as tmp:
        base = Path(tmp)
        for rel, source in files.items():
            target = base / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(source, encoding="utf-8")
        _ruff(["check", "--fix-only", "--exit-zero"], config, base)
        _ruff(["format"], config, base)
        report = _ruff(
            ["check", "--select", ",".join(PROSE_CODES), "--output-format", "json", "--exit-zero"],
            config,
            base,
        )
        prose: dict[str, set[str]] = {}
        for item in json.loads(report.stdout or "[]"):
            rel = Path(item["filename"]).resolve().relative_to(base.resolve()).as_posix()
            prose.setdefault(rel, set()).add(item["code"])
        out: dict[str, str] = {}
        for rel in sorted(files):
            text = (base / rel).read_text(encoding="utf-8")
            codes = sorted(prose.get(Path(rel).as_posix(), ()))
            out[rel] = f"# ruff: noqa: {', '.join(codes)}\n{text}" if codes else text
        return out
