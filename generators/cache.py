"""A small content-addressed cache for expensive, pure steps (contract validation, models).

Entries are keyed by a SHA-256 over everything the result depends on (input bytes, tool
versions, options), so a stale entry can never be returned; it is just never looked up
again. The directory defaults to `<project>/var/cache/contractkit` (git-ignored);
`CONTRACTKIT_CACHE_DIR` moves it, and `CONTRACTKIT_CACHE_DIR=off` disables caching.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

ENV = "CONTRACTKIT_CACHE_DIR"
DEFAULT_DIR = Path("var") / "cache" / "contractkit"


def package_version(name: str) -> str:
    """Installed version of `name` ('' when it is not installed)."""
    try:
        return version(name)
    except PackageNotFoundError:
        return ""


def digest(*parts: str | bytes) -> str:
    """SHA-256 over `parts` (length-prefixed, so boundaries matter)."""
    h = hashlib.sha256(sys.version.encode())
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


class Cache:
    """Text values under `<dir>/<namespace>/<key>`; a disabled cache stores nothing."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory

    @classmethod
    def for_project(cls, root: Path) -> Cache:
        configured = os.environ.get(ENV)
        if configured is not None and configured.strip().lower() in ("", "off", "0", "none"):
            return cls(None)
        return cls(Path(configured) if configured else root / DEFAULT_DIR)

    def get(self, namespace: str, key: str) -> str | None:
        if self.directory is None:
            return None
        try:
            return (self.directory / namespace / key).read_text(encoding="utf-8")
        except (FileNotFoundError, NotADirectoryError, UnicodeDecodeError):
            return None

    def put(self, namespace: str, key: str, value: str) -> None:
        if self.directory is None:
            return
        folder = self.directory / namespace
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(value)
            os.replace(tmp, folder / key)
        except OSError:
            pass  # a read-only checkout still works, just without the cache
