"""Fixtures for the lint tests: the repo contracts, mutated on purpose into tmp_path."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from lint_support import ASYNCAPI, OPENAPI, Change, Linted, add_pending_400, write_docs

from generators.lint import lint_contracts

Json = Any


@pytest.fixture(scope="session")
def repo_docs() -> tuple[dict[str, Json], dict[str, Json]]:
    return (
        yaml.safe_load(OPENAPI.read_text(encoding="utf-8")),
        yaml.safe_load(ASYNCAPI.read_text(encoding="utf-8")),
    )


@pytest.fixture
def write_mutated(tmp_path: Path, repo_docs) -> Callable[..., tuple[Path, Path]]:
    """Write the repo contracts to tmp_path after `changes` (the pending 400 fix is applied)."""

    def write(*changes: Change, fix_pending: bool = True) -> tuple[Path, Path]:
        oas, aas = copy.deepcopy(repo_docs)
        for change in ((add_pending_400,) if fix_pending else ()) + changes:
            change(oas, aas)
        return write_docs(tmp_path, oas, aas)

    return write


@pytest.fixture
def lint_mutated(tmp_path: Path, write_mutated) -> Callable[..., Linted]:
    """Lint the repo contracts after `changes`; file names are relative to tmp_path."""

    def run(*changes: Change, fix_pending: bool = True) -> Linted:
        oas_path, aas_path = write_mutated(*changes, fix_pending=fix_pending)
        return Linted(lint_contracts(oas_path, aas_path, tmp_path))

    return run
