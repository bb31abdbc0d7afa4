"""schemathesis 4 against a live server: all checks, all phases (stateful via the contract's
links), 100 examples per operation, zero failures. Uses `cli.fuzz`, i.e. what
`contractkit fuzz --url URL` runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cli.fuzz import ALL_PHASES, FuzzOptions, preflight_unimplemented, run_rest
from generated.server.interfaces import HANDLER_CLASSES, is_implemented
from server_impl.handlers import build_handlers
from tests.conftest import LiveServer, ServerFactory


def implemented_operations(server: LiveServer) -> set[str]:
    """operationIds our handlers override (the rest answer 501)."""
    handlers = build_handlers(server.app.state.services)
    implemented = set()
    for module, base in HANDLER_CLASSES.items():
        instance = getattr(handlers, module)
        for name in vars(base):
            method = getattr(base, name)
            if (
                not name.startswith("_")
                and callable(method)
                and is_implemented(getattr(instance, name))
            ):
                implemented.add(name)
    return implemented


def _problems(output: str) -> str:
    """The FAILURES / ERRORS sections of schemathesis' output (else its tail)."""
    start = min(
        (i for i in (output.find("= FAILURES"), output.find("= ERRORS")) if i >= 0), default=-1
    )
    end = output.find("= WARNINGS") if "= WARNINGS" in output else output.find("= SUMMARY")
    if start < 0:
        return output[-8000:]
    return output[start : end if end > start else None][:20000]


@pytest.fixture(scope="module")
def fuzz_server(start_server: ServerFactory) -> LiveServer:
    """Response validation on. The per-IP login/registration limits are relaxed (they are
    tested in test_limits.py): at 5 logins a minute the stateful phase rarely gets past login.
    The account lockout stays on (5 failures)."""
    return start_server()


def test_preflight_finds_exactly_the_unimplemented_operations(fuzz_server: LiveServer) -> None:
    skipped = set(
        preflight_unimplemented(fuzz_server.api_url, Path("contracts/meeting.openapi.yaml"))
    )
    implemented = implemented_operations(fuzz_server)
    assert not skipped & implemented
    assert len(skipped) + len(implemented) == 20


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_schemathesis_finds_nothing(fuzz_server: LiveServer, tmp_path: Path) -> None:
    result = run_rest(
        FuzzOptions(url=fuzz_server.url, max_examples=100, phases=ALL_PHASES, report_dir=tmp_path)
    )
    summary = "\n" + _problems(result.output)
    (tmp_path / "schemathesis-output.txt").write_text(result.output, encoding="utf-8")
    assert result.report is not None, summary
    assert result.failures == 0 and result.errors == 0, summary
    assert result.returncode == 0, summary
    assert result.operations == len(implemented_operations(fuzz_server)), summary
    assert result.test_cases >= 100 * 10, summary


def test_contractkit_fuzz_command(fuzz_server: LiveServer, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cli.main import app

    result = CliRunner().invoke(
        app,
        [
            "fuzz",
            "--url",
            fuzz_server.url,
            "--phases",
            "examples",
            "--max-examples",
            "5",
            "--report-dir",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "[rest] operations=" in result.output and "failures=0" in result.output
    assert (tmp_path / "schemathesis-run.json").exists()


def test_contractkit_fuzz_rejects_unknown_modes(fuzz_server: LiveServer) -> None:
    from typer.testing import CliRunner

    from cli.main import app

    result = CliRunner().invoke(app, ["fuzz", "--url", fuzz_server.url, "--mode", "nope"])
    assert result.exit_code != 0


AI_OPERATIONS = {"POST /ai/audio/enhance", "POST /ai/emotion/detect", "POST /ai/speech/recognize"}


@pytest.mark.parametrize("slow_side", ["general", "ai"])
def test_response_time_limits_apply_per_operation_group(
    fuzz_server: LiveServer, tmp_path: Path, slow_side: str
) -> None:
    """The general limit and the AI operations' own (longer) limit each reach only their
    operations: a limit no answer can meet fails exactly that group with ST112."""
    from typer.testing import CliRunner

    from cli.main import app

    impossible, generous = "0.000001", "1000"
    general, ai = (impossible, generous) if slow_side == "general" else (generous, impossible)
    result = CliRunner().invoke(
        app,
        [
            "fuzz", "--url", fuzz_server.url, "--phases", "examples", "--max-examples", "1",
            "--report-dir", str(tmp_path),
            "--max-response-time", general, "--ai-max-response-time", ai,
        ],
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    sections = re.split(r"^_{3,} (\w+ \S+) _{3,}$", result.output, flags=re.M)
    failed = {
        label
        for label, body in zip(sections[1::2], sections[2::2], strict=True)
        if "Response time limit exceeded" in body
    }
    assert failed, result.output
    assert (failed <= AI_OPERATIONS) == (slow_side == "ai"), failed
    assert (failed.isdisjoint(AI_OPERATIONS)) == (slow_side == "general"), failed
    if slow_side == "ai":
        assert failed == AI_OPERATIONS
