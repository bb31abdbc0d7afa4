"""`contractkit fuzz --url URL`: property-based fuzzing of a running server against the contract.

Modes are entries of `MODES` (name -> runner); each runner takes `FuzzOptions` and returns a
`FuzzResult`. `rest` (this module) runs schemathesis 4 with every check, in every phase
(examples, coverage, fuzzing, stateful through the contract's links), at `--max-examples`
per operation. A WebSocket mode plugs in by adding a runner to `MODES`.

REST mode details:
- The schema is the local contract (the single source of truth), not whatever the server
  serves; requests go to `<url>` + the contract's base path (`/v1`).
- Identity: one fresh user is registered on the server (used by the pre-flight too); its
  refresh token is handed to the schemathesis process, whose auth hook turns it into access
  tokens and, after any 401 (logout!), rotates it through `/auth/refresh`. Registration
  (first, or again if a refresh ever fails) waits out 429 `Retry-After` answers.
- Operations the server answers 501 (NOT_IMPLEMENTED) for are found by a pre-flight with the
  contract's examples and skipped (listed in the result), unless `--include-unimplemented`.
- NUL characters are not generated (`generation.allow-x00 = false`): no database stores them
  in text, and the server answers them 400 (tested separately).
- The `Authorization` value itself is not fuzzed on the AI operations (see `write_config`).
- Schema-valid input the contract says is refused is accepted by the positive-data check:
  `change_password` 400 (40011, the fuzzer cannot know the old password) and `login_user`
  423 (42301, an account locked by earlier failures). See `DOCUMENTED_REFUSALS`.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
import yaml

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CONTRACT = REPO / "contracts" / "meeting.openapi.yaml"
HOOKS_ENV = "CONTRACTKIT_FUZZ_API"  # set for the schemathesis process: the API base URL
REFRESH_ENV = "CONTRACTKIT_FUZZ_REFRESH"  # the identity's refresh token, handed over
REGISTER_RETRIES = 5
ALL_PHASES = ("examples", "coverage", "fuzzing", "stateful")
#: operations that end the pre-flight user's session; probed last
_SESSION_ENDING = ("change_password", "logout_user")
#: schemathesis' default for positive_data_acceptance
POSITIVE_DEFAULT = ("2xx", "3xx", "401", "403", "404", "409", "429", "5xx")
#: statuses the contract documents for schema-valid requests the server must still refuse:
#: a wrong old password (400 40011), a locked account (423 42301), and audio the schema
#: cannot judge (400: not Base64 40006, empty 40007, too long 40008, not the declared
#: format 40009, pcm without sample_rate 40004)
DOCUMENTED_REFUSALS: dict[str, tuple[str, ...]] = {
    "change_password": ("400",),
    "login_user": ("423",),
    "recognize_speech": ("400",),
    "detect_emotion": ("400",),
    "enhance_audio": ("400",),
}
#: schemathesis' default for not_a_server_error
NOT_A_SERVER_ERROR_DEFAULT = ("2xx", "3xx", "4xx")
#: 5xx answers the contract documents: the AI operations' 503 (50301 no model for the
#: language / the `ai` extra missing, 50302 processing timeout)
DOCUMENTED_SERVER_ERRORS: dict[str, tuple[str, ...]] = {
    "recognize_speech": ("503",),
    "detect_emotion": ("503",),
    "enhance_audio": ("503",),
}


@dataclass
class FuzzOptions:
    """What to fuzz and how hard."""

    url: str  # server origin, e.g. http://127.0.0.1:3000
    contract: Path = DEFAULT_CONTRACT
    max_examples: int = 100
    phases: tuple[str, ...] = ALL_PHASES
    workers: int = 1
    seed: int | None = None
    report_dir: Path | None = None
    exclude_operation_ids: tuple[str, ...] = ()
    include_unimplemented: bool = False
    max_time: int | None = None  # seconds; fuzzing and stateful repeat until it is spent
    #: seconds a request may take; above the AI operations' own 30 s deadline (50302), so a
    #: slow machine's answer within the contract is not reported as a network error
    request_timeout: float = 60.0
    #: seconds an answer may take before schemathesis' max_response_time check fails it
    response_time_limit: float = 10.0
    #: the same for the AI operations: their contract allows 30 s of queueing and work
    #: before 503/50302, plus time to move a multi-megabyte body on a loaded machine
    ai_response_time_limit: float = 45.0
    extra_args: tuple[str, ...] = ()


@dataclass
class FuzzResult:
    """The outcome of one mode."""

    mode: str
    returncode: int
    operations: int = 0
    test_cases: int = 0
    failures: int = 0
    errors: int = 0
    skipped: list[str] = field(default_factory=list)
    report: Path | None = None
    output: str = ""

    @property
    def ok(self) -> bool:
        """No failure, no error, and schemathesis exited 0."""
        return self.returncode == 0 and self.failures == 0 and self.errors == 0


# ---------------------------------------------------------------------- REST mode
def api_base(url: str, contract: Path) -> str:
    """`url` plus the contract's base path (its first server's URL path)."""
    document = yaml.safe_load(contract.read_text(encoding="utf-8"))
    servers = document.get("servers") or [{"url": ""}]
    path = httpx.URL(servers[0]["url"]).path.rstrip("/")
    return url.rstrip("/") + path


def preflight_unimplemented(
    base: str, contract: Path, identity: FuzzIdentity | None = None
) -> list[str]:
    """operationIds the server answers 501 for, probed with the contract's examples."""
    document = yaml.safe_load(contract.read_text(encoding="utf-8"))
    with httpx.Client(base_url=base, timeout=30) as client:
        identity = identity or FuzzIdentity(client)
        probes = sorted(_operations(document), key=lambda op: op[2] in _SESSION_ENDING)
        unimplemented = []
        for method, path, op_id, operation in probes:
            response = client.request(
                method,
                _example_path(path, operation, document),
                json=_example_body(operation),
                headers={"Authorization": f"Bearer {identity.access_token()}"},
            )
            if response.status_code == 501:
                unimplemented.append(op_id)
    return unimplemented


def _operations(document: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any]]]:
    out = []
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "operationId" in operation:
                out.append((method, path, operation["operationId"], operation))
    return out


def _example_body(operation: dict[str, Any]) -> Any:
    content = operation.get("requestBody", {}).get("content", {})
    return content.get("application/json", {}).get("example")


def _example_path(path: str, operation: dict[str, Any], document: dict[str, Any]) -> str:
    for parameter in operation.get("parameters", []):
        if "$ref" in parameter:
            name = parameter["$ref"].rsplit("/", 1)[-1]
            parameter = document["components"]["parameters"][name]
        if parameter.get("in") == "path":
            value = str(parameter.get("example", "x"))
            path = path.replace("{" + parameter["name"] + "}", value)
    return path


def _report_counts(report: Path) -> tuple[int, int, int, int]:
    """(operations tested, test cases, unique failures, errors) from the JSON run report."""
    data = json.loads(report.read_text(encoding="utf-8"))
    operations = data.get("operations", {})
    cases = data.get("test_cases", {})
    errors = int(operations.get("errored", 0)) + int(cases.get("errored", 0))
    errors += len(data.get("errors") or [])
    return (
        int(operations.get("tested", 0)),
        int(cases.get("generated", 0)),
        int(cases.get("unique_failures", 0)),
        errors,
    )


def write_config(directory: Path, options: FuzzOptions) -> Path:
    """A schemathesis.toml for this run."""
    lines = [
        "[checks]",
        f"max_response_time = {options.response_time_limit}",
        "",
        "[generation]",
        "allow-x00 = false",
        f"max-examples = {options.max_examples}",
    ]
    lines += [
        "",
        "# Header values with control characters are not HTTP (RFC 9110 5.5): the server's",
        "# parser answers 400 and closes before the application runs, which resets a client",
        "# still uploading a multi-megabyte AI body (reported as a network error). Auth on these",
        "# operations is still probed by ignored_auth and missing_required_header.",
        "[[operations]]",
        'include-tag = "AI"',
        "generation.with-security-parameters = false",
        "# Work waits in a bounded queue (a 1-byte request behind a long recognition), so the",
        "# AI operations answer within their own deadline, not the general limit.",
        f"checks.max_response_time = {options.ai_response_time_limit}",
    ]
    for operation_id, statuses in DOCUMENTED_REFUSALS.items():
        accepted = ", ".join(f'"{s}"' for s in (*POSITIVE_DEFAULT, *statuses))
        lines += [
            "",
            "[[operations]]",
            f'include-operation-id = "{operation_id}"',
            f"checks.positive_data_acceptance.expected-statuses = [{accepted}]",
        ]
    for operation_id, statuses in DOCUMENTED_SERVER_ERRORS.items():
        tolerated = ", ".join(f'"{s}"' for s in (*NOT_A_SERVER_ERROR_DEFAULT, *statuses))
        lines += [
            "",
            "[[operations]]",
            f'include-operation-id = "{operation_id}"',
            f"checks.not_a_server_error.expected-statuses = [{tolerated}]",
        ]
    path = directory / "schemathesis.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_rest(options: FuzzOptions) -> FuzzResult:
    """schemathesis over every implemented REST operation of the server at `options.url`."""
    base = api_base(options.url, options.contract)
    with httpx.Client(base_url=base, timeout=30) as client:
        # One identity for the whole run: the pre-flight uses it, then schemathesis gets its
        # refresh token (and only rotates it), so no second registration is needed.
        identity = FuzzIdentity(client)
        identity.access_token()
        skipped = (
            []
            if options.include_unimplemented
            else preflight_unimplemented(base, options.contract, identity)
        )
        refresh = identity.refresh_token
    excluded = sorted({*skipped, *options.exclude_operation_ids})
    report_dir = options.report_dir or Path(tempfile.mkdtemp(prefix="contractkit-fuzz-"))
    report_dir.mkdir(parents=True, exist_ok=True)
    report = report_dir / "schemathesis-run.json"
    config = write_config(report_dir, options)
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(config),
        "run",
        str(options.contract),
        "--url",
        base,
        "--checks",
        "all",
        "--phases",
        ",".join(options.phases),
        "--max-examples",
        str(options.max_examples),
        "--workers",
        str(options.workers),
        "--report",
        "json",
        "--report-json-path",
        str(report),
        "--no-color",
        *(["--seed", str(options.seed)] if options.seed is not None else []),
        *(["--max-time", str(options.max_time)] if options.max_time else []),
        "--request-timeout",
        str(options.request_timeout),
        *(arg for op_id in excluded for arg in ("--exclude-operation-id", op_id)),
        *options.extra_args,
    ]
    env = {**os.environ, HOOKS_ENV: base, REFRESH_ENV: refresh, "SCHEMATHESIS_HOOKS": "cli.fuzz"}
    proc = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    result = FuzzResult("rest", proc.returncode, skipped=skipped, output=proc.stdout + proc.stderr)
    if report.exists():
        result.report = report
        result.operations, result.test_cases, result.failures, result.errors = _report_counts(
            report
        )
    return result


def run_ws(options: FuzzOptions) -> FuzzResult:
    """WebSocket mode: stateful sequences from the generated strategies (cli/fuzz_ws.py)."""
    from cli.fuzz_ws import run_ws_mode

    result: FuzzResult = run_ws_mode(options)
    return result


MODES: dict[str, Callable[[FuzzOptions], FuzzResult]] = {"rest": run_rest, "ws": run_ws}


# ---------------------------------------------------------------------- identity (auth hook)
class FuzzIdentity:
    """A user of the server under test; its access token survives logout via refresh."""

    def __init__(self, client: httpx.Client, refresh_token: str | None = None) -> None:
        self._client = client
        self._lock = threading.Lock()
        self._access: str | None = None
        self._refresh: str | None = refresh_token

    @property
    def refresh_token(self) -> str:
        """The current refresh token (after `access_token()`)."""
        assert self._refresh is not None
        return self._refresh

    def access_token(self) -> str:
        """The current access token (from the refresh token, or by registering)."""
        with self._lock:
            if self._access is None:
                self._renew_locked()
            assert self._access is not None
            return self._access

    def renew(self) -> str:
        """A new access token: rotate the refresh token, or register again if that fails."""
        with self._lock:
            self._renew_locked()
            assert self._access is not None
            return self._access

    def _renew_locked(self) -> None:
        if self._refresh is not None:
            response = self._client.post("/auth/refresh", json={"refresh_token": self._refresh})
            if response.status_code == 200:
                self._store(response.json()["data"])
                return
        self._register()

    def _register(self) -> None:
        body = {
            "email": f"fuzz-{secrets.token_hex(8)}@example.com",
            "password": "Fz" + secrets.token_hex(12) + "9",
            "nickname": "fuzzer",
        }
        for _ in range(REGISTER_RETRIES):
            response = self._client.post("/auth/register", json=body)
            if response.status_code == 201:
                self._store(response.json()["data"]["tokens"])
                return
            if response.status_code != 429:
                break
            time.sleep(min(60, int(response.headers.get("Retry-After", "5"))))
        raise RuntimeError(
            f"cannot register a fuzzing user: {response.status_code} {response.text}"
        )

    def _store(self, tokens: dict[str, Any]) -> None:
        self._access = tokens["access_token"]
        self._refresh = tokens["refresh_token"]


def _install_schemathesis_auth(base: str, refresh_token: str | None) -> None:
    """Register the auth provider with schemathesis (in the schemathesis process only)."""
    import schemathesis

    identity = FuzzIdentity(httpx.Client(base_url=base, timeout=30), refresh_token)

    @schemathesis.auth(refresh_interval=600)
    class ContractkitAuth:
        """Bearer token of the fuzzing identity; refetched after any 401."""

        fetched = False

        def get(self, case: Any, ctx: Any) -> str:
            if not ContractkitAuth.fetched:
                ContractkitAuth.fetched = True
                return identity.access_token()
            return identity.renew()

        def set(self, case: Any, data: str, ctx: Any) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


if os.environ.get(HOOKS_ENV) and "schemathesis" in sys.modules:
    _install_schemathesis_auth(os.environ[HOOKS_ENV], os.environ.get(REFRESH_ENV) or None)


# ---------------------------------------------------------------------- command line
def register(app: typer.Typer) -> None:
    """Add `contractkit fuzz` to `app`."""

    @app.command("fuzz")
    def fuzz(
        url: Annotated[
            str, typer.Option("--url", help="Server origin, e.g. http://127.0.0.1:3000")
        ],
        mode: Annotated[
            str, typer.Option(help=f"What to fuzz: {', '.join(MODES)} or all")
        ] = "rest",
        max_examples: Annotated[int, typer.Option(help="Examples per operation")] = 100,
        phases: Annotated[str, typer.Option(help="Comma-separated phases")] = ",".join(ALL_PHASES),
        workers: Annotated[int, typer.Option(help="Concurrent schemathesis workers")] = 1,
        seed: Annotated[int | None, typer.Option(help="Random seed (reproducible runs)")] = None,
        report_dir: Annotated[Path | None, typer.Option(help="Where reports go")] = None,
        contract: Annotated[Path, typer.Option(help="The OpenAPI contract")] = DEFAULT_CONTRACT,
        exclude_operation_id: Annotated[
            list[str] | None, typer.Option(help="Operations to leave out (repeatable)")
        ] = None,
        include_unimplemented: Annotated[
            bool, typer.Option(help="Also fuzz operations answering 501")
        ] = False,
        max_time: Annotated[
            int | None, typer.Option(help="Seconds; fuzzing and stateful repeat until spent")
        ] = None,
        request_timeout: Annotated[
            float, typer.Option(help="Seconds a request may take (above the AI deadline)")
        ] = 60.0,
        max_response_time: Annotated[
            float, typer.Option(help="Seconds an answer may take (max_response_time check)")
        ] = 10.0,
        ai_max_response_time: Annotated[
            float, typer.Option(help="The same for the AI operations (queue + 30 s deadline)")
        ] = 45.0,
    ) -> None:
        """Fuzz a running server with schemathesis (all checks, all phases, stateful links)."""
        options = FuzzOptions(
            url=url,
            contract=contract,
            max_examples=max_examples,
            phases=tuple(p.strip() for p in phases.split(",") if p.strip()),
            workers=workers,
            seed=seed,
            report_dir=report_dir,
            exclude_operation_ids=tuple(exclude_operation_id or ()),
            include_unimplemented=include_unimplemented,
            max_time=max_time,
            request_timeout=request_timeout,
            response_time_limit=max_response_time,
            ai_response_time_limit=ai_max_response_time,
        )
        modes = list(MODES) if mode == "all" else [mode]
        unknown = [m for m in modes if m not in MODES]
        if unknown:
            raise typer.BadParameter(f"unknown mode {unknown[0]!r}; choose from {list(MODES)}")
        ok = True
        for name in modes:
            result = MODES[name](options)
            typer.echo(result.output)
            typer.echo(
                f"[{name}] operations={result.operations} test_cases={result.test_cases} "
                f"failures={result.failures} errors={result.errors} "
                f"skipped(501)={','.join(result.skipped) or '-'} report={result.report}"
            )
            ok = ok and result.ok
        raise typer.Exit(0 if ok else 1)
