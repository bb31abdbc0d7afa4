"""Fixtures for the lint tests: the repo contracts, mutated on purpose into tmp_path."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from generators.lint import lint_contracts
from tests.lint.lint_support import ASYNCAPI, OPENAPI, Change, Linted, write_docs

Json = Any


@pytest.fixture(scope="session")
def repo_docs() -> tuple[dict[str, Json], dict[str, Json]]:
    return (
        yaml.safe_load(OPENAPI.read_text(encoding="utf-8")),
        yaml.safe_load(ASYNCAPI.read_text(encoding="utf-8")),
    )


@pytest.fixture
def write_mutated(tmp_path: Path, repo_docs) -> Callable[..., tuple[Path, Path]]:
    """Write the repo contracts to tmp_path after `changes`."""

    def write(*changes: Change) -> tuple[Path, Path]:
        oas, aas = copy.deepcopy(repo_docs)
        for change in changes:
            change(oas, aas)
        return write_docs(tmp_path, oas, aas)

    return write


@pytest.fixture
def lint_mutated(tmp_path: Path, write_mutated) -> Callable[..., Linted]:
    """Lint the repo contracts after `changes`; file names are relative to tmp_path."""

    def run(*changes: Change) -> Linted:
        oas_path, aas_path = write_mutated(*changes)
        return Linted(lint_contracts(oas_path, aas_path, tmp_path))

    return run
