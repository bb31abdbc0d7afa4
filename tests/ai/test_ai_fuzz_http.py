"""schemathesis 4 over the three AI operations of a live server: every check, the examples,
coverage and fuzzing phases (the AI operations have no links: nothing stateful), 100
examples per operation, zero failures. It is the REST harness `cli.fuzz.run_rest` (what
`contractkit fuzz --url URL` runs) restricted to the `AI` tag.

Most generated audio is refused before the worker pool (a WAV without a header, an odd
PCM byte count, no `sample_rate`, an unknown language); what is left is a few samples of
PCM, cheap to process. The run's figures, including how many requests reached a worker,
are printed (`-s`).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from cli.fuzz import ALL_PHASES, FuzzOptions, run_rest
from tests.conftest import ServerFactory

from .helpers import require_ai
from .live_ai import start_ai_server

pytestmark = [pytest.mark.ai, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]
AI_OPERATIONS = 3
EXAMPLES = 100
#: the AI operations have no OpenAPI links, so there is no stateful phase to run
PHASES = tuple(p for p in ALL_PHASES if p != "stateful")


@pytest.mark.timeout(1800)
def test_schemathesis_finds_nothing_in_the_ai_operations(
    start_server: ServerFactory, tmp_path: Path
) -> None:
    require_ai()
    server = start_ai_server(start_server)
    try:
        started = time.monotonic()
        result = run_rest(
            FuzzOptions(
                url=server.url,
                max_examples=EXAMPLES,
                phases=PHASES,
                report_dir=tmp_path,
                extra_args=("--include-tag", "AI"),
            )
        )
        elapsed = time.monotonic() - started
        ai: dict[str, Any] = server.app.state.services.ai.service.stats()
    finally:
        server.stop()
    summary = f"\n{result.output[-8000:]}"
    print(
        f"\nschemathesis AI: {result.operations} operations, {result.test_cases} test cases, "
        f"{result.failures} failures, {result.errors} errors in {elapsed:.1f} s; "
        f"{ai['completed']} requests reached a worker"
    )
    assert result.report is not None, summary
    assert result.failures == 0 and result.errors == 0, summary
    assert result.returncode == 0, summary
    assert result.operations == AI_OPERATIONS, summary
    assert result.test_cases >= EXAMPLES * AI_OPERATIONS, summary
