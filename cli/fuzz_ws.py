"""WebSocket fuzzing for `contractkit fuzz`: the part schemathesis cannot do.

`run_ws_fuzz(base_url)` drives any running server by URL: it registers two users and a
meeting through the REST contract, then runs the stateful machine of `cli.fuzz_ws_machine`
(frames from the generated Hypothesis strategies, checks from the AsyncAPI schemas) until at
least `messages` frames were sent. `run_ws_mode` is the `ws` entry for `cli.fuzz.MODES`;
`ws_command` is a standalone typer command.
"""

from __future__ import annotations

import importlib
import json
import secrets
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from hypothesis import HealthCheck, Phase, settings
from hypothesis.reporting import with_reporter
from hypothesis.stateful import run_state_machine_as_test

from cli.fuzz_ws_machine import FuzzContext, build_machine
from cli.fuzz_ws_session import FuzzFailure, server_validators
from generators import pipeline
from generators.config import find_config
from generators.ir import ApiIR

MAX_BATCHES = 1000


@dataclass
class WsFuzzReport:
    """What was sent, what came back, and the first failure (with its minimal sequence)."""

    messages: int = 0
    examples: int = 0
    seconds: float = 0.0
    sent: Counter[str] = field(default_factory=Counter)
    answers: Counter[str] = field(default_factory=Counter)
    failure: str | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None

    def render(self) -> str:
        """A human summary."""
        lines = [
            f"WebSocket fuzz: {self.messages} frames in {self.examples} sequences, "
            f"{self.seconds:.1f} s: {'0 failures' if self.ok else 'FAILED'}",
            "  sent:    " + ", ".join(f"{k} {v}" for k, v in sorted(self.sent.items())),
            "  answers: " + ", ".join(f"{k} {v}" for k, v in sorted(self.answers.items())),
        ]
        if self.failure:
            lines.append(self.failure)
        return "\n".join(lines)


def ws_url_for(base_url: str, ir: ApiIR) -> str:
    """`http://h:p/v1` -> `ws://h:p/v1/ws` (the contract's base path and channel address)."""
    root = base_url.rstrip("/")
    if ir.base_path and root.endswith(ir.base_path):
        root = root[: -len(ir.base_path)]
    scheme, rest = root.split("://", 1)
    return f"{'wss' if scheme == 'https' else 'ws'}://{rest}{ir.base_path}{ir.channel.address}"


def setup_meeting(base_url: str, ir: ApiIR) -> tuple[str, tuple[str, str]]:
    """Two fresh users, a meeting created by the first, both admitted: (room_id, tokens)."""
    api = base_url.rstrip("/")
    if ir.base_path and not api.endswith(ir.base_path):
        api += ir.base_path
    with httpx.Client(base_url=api, timeout=30) as http:
        tokens = []
        for name in ("fuzz-a", "fuzz-b"):
            body = {
                "email": f"{name}-{secrets.token_hex(6)}@example.com",
                "password": "Fuzz" + secrets.token_hex(8) + "9",
                "nickname": name,
            }
            resp = http.post(ir.operation("register_user").path, json=body)
            resp.raise_for_status()
            tokens.append(resp.json()["data"]["tokens"]["access_token"])
        auth = [{"Authorization": f"Bearer {t}"} for t in tokens]
        create = http.post(ir.operation("create_meeting").path, json={}, headers=auth[0])
        create.raise_for_status()
        meeting = create.json()["data"]
        join_path = ir.operation("join_meeting").path.replace(
            "{meeting_number}", meeting["meeting_number"]
        )
        for headers in auth:
            http.post(join_path, headers=headers).raise_for_status()
    return str(meeting["id"]), (tokens[0], tokens[1])


def run_ws_fuzz(
    base_url: str,
    *,
    messages: int = 2000,
    steps: int = 40,
    ws_url: str | None = None,
    config_path: Path | None = None,
    strategies_module: str = "generated.ws.strategies",
    max_message_bytes: int = 64 * 1024,
    derandomize: bool = False,
    shrink: bool = False,
) -> WsFuzzReport:
    """Fuzz the server at `base_url` (REST base, e.g. `http://127.0.0.1:3000/v1`)."""
    config = pipeline.read_config(config_path or find_config())
    if str(config.root) not in sys.path:
        sys.path.insert(0, str(config.root))
    ir = pipeline.load_ir(config)
    room_id, tokens = setup_meeting(base_url, ir)
    ctx = FuzzContext(
        ws_url=ws_url or ws_url_for(base_url, ir),
        validators=server_validators(ir),
        strategies=importlib.import_module(strategies_module),
        room_id=room_id,
        tokens=tokens,
        max_message_bytes=max_message_bytes,
    )
    machine = build_machine(ctx)
    report = WsFuzzReport(sent=ctx.sent, answers=ctx.answers)
    log: list[str] = []

    def keep(value: object) -> None:
        log.append(str(value))

    options = settings(
        max_examples=max(1, messages // max(1, steps)),
        stateful_step_count=steps,
        deadline=None,
        database=None,
        derandomize=derandomize,
        suppress_health_check=list(HealthCheck),
        # Shrinking replays sequences against the live server (slow, and its state moves on);
        # the first failure is reported with its full sequence either way.
        phases=[Phase.generate, Phase.shrink] if shrink else [Phase.generate],
        report_multiple_bugs=False,
    )
    started = time.monotonic()
    for _ in range(MAX_BATCHES):
        if _frames(ctx) >= messages:
            break
        try:
            with with_reporter(keep):
                run_state_machine_as_test(machine, settings=options)
        except Exception as exc:  # FuzzFailure, or Hypothesis unable to replay it (Flaky)
            if ctx.first_failure is None and not isinstance(exc, FuzzFailure):
                raise
            first = ctx.first_failure or str(exc)
            shrunk = "\n".join([*log, f"{type(exc).__name__}: {exc}"])
            report.failure = f"FuzzFailure: {first}\n\nHypothesis:\n{shrunk}"
            break
        report.examples += options.max_examples
    report.messages = _frames(ctx)
    report.seconds = time.monotonic() - started
    return report


def run_ws_mode(options: Any) -> Any:
    """`contractkit fuzz --mode ws`: takes `cli.fuzz.FuzzOptions`, returns a `FuzzResult`."""
    from cli.fuzz import FuzzResult  # here, not at the top: cli.fuzz lists this mode

    messages = int(getattr(options, "ws_messages", 0) or 2000)
    report = run_ws_fuzz(options.url, messages=messages, derandomize=options.seed is not None)
    path = None
    if options.report_dir is not None:
        path = Path(options.report_dir) / "ws-fuzz.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        body = {
            "messages": report.messages,
            "sequences": report.examples,
            "seconds": round(report.seconds, 1),
            "sent": dict(report.sent),
            "answers": dict(report.answers),
            "failure": report.failure,
        }
        path.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return FuzzResult(
        mode="ws",
        returncode=0 if report.ok else 1,
        operations=len([k for k in report.sent if k.startswith("valid:")]),
        test_cases=report.messages,
        failures=0 if report.ok else 1,
        report=path,
        output=report.render(),
    )


def _frames(ctx: FuzzContext) -> int:
    return sum(n for kind, n in ctx.sent.items() if kind != "reconnect")


def ws_command(
    base_url: Annotated[str, typer.Argument(help="REST base URL, e.g. http://127.0.0.1:3000/v1")],
    messages: Annotated[int, typer.Option(help="Frames to send, at least.")] = 2000,
    steps: Annotated[int, typer.Option(help="Steps per generated sequence.")] = 40,
    ws_url: Annotated[
        str | None, typer.Option(help="WebSocket URL (default: from the contract).")
    ] = None,
    derandomize: Annotated[bool, typer.Option(help="Same frames on every run.")] = False,
    shrink: Annotated[bool, typer.Option(help="Minimize a failing sequence (slow).")] = False,
    config: Annotated[Path | None, typer.Option("--config", "-c")] = None,
) -> None:
    """Fuzz the WebSocket of a running server: stateful sequences of valid, invalid and garbage
    frames; every answer checked against the AsyncAPI contract."""
    report = run_ws_fuzz(
        base_url,
        messages=messages,
        steps=steps,
        ws_url=ws_url,
        config_path=config,
        derandomize=derandomize,
        shrink=shrink,
    )
    typer.echo(report.render())
    if not report.ok:
        raise typer.Exit(1)
