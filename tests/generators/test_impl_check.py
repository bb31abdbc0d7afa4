"""The implementation check: missing handlers, signature mismatches, missing modules."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

from generated.models import Health, MeetingStatus, RegisterRequest
from generated.server.context import RequestContext
from generated.server.interfaces import MeetingsHandlers, SystemHandlers
from generators.impl_check import signature_problems
from tests.generators.project import contractkit, make_project, write_config

SYSTEM_OK = """
    from generated.models import Health
    from generated.server.context import RequestContext
    from generated.server.interfaces import SystemHandlers


    class Handlers(SystemHandlers):
        async def get_health(self, ctx: RequestContext) -> Health:
            return Health(status="ok", version="1")
"""

AUTH_MIXED = """
    from generated.models import AuthResult, RegisterRequest, TokenPair
    from generated.server.context import RequestContext
    from generated.server.interfaces import AuthHandlers


    class AuthHandlers(AuthHandlers):
        async def register_user(self, ctx: RequestContext, *, body: RegisterRequest) -> AuthResult:
            raise NotImplementedError

        async def login_user(self, ctx: RequestContext, *, payload: RegisterRequest) -> AuthResult:
            raise NotImplementedError

        def refresh_token(self, ctx: RequestContext, *, body) -> TokenPair:
            raise NotImplementedError
"""


def write_module(root: Path, package: str, name: str, source: str) -> None:
    (root / package / f"{name}.py").write_text(textwrap.dedent(source), encoding="utf-8")


def diagnostics(root: Path) -> tuple[int, list[dict[str, Any]]]:
    run = contractkit(root, "check", "--format", "json")
    assert run.returncode in (0, 1), run.output
    return run.returncode, [d for d in json.loads(run.stdout) if d["code"].startswith("IMPL")]


def by_message(diags: list[dict[str, Any]], code: str, needle: str) -> dict[str, Any]:
    hits = [d for d in diags if d["code"] == code and needle in d["message"]]
    assert len(hits) == 1, (code, needle, diags)
    return hits[0]


def test_missing_mismatched_and_absent_handlers(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    write_module(root, "impl_pkg", "system", SYSTEM_OK)
    write_module(root, "impl_pkg", "auth", AUTH_MIXED)
    write_module(root, "impl_pkg", "meetings", '"""No handler class here."""\n')
    rc, diags = diagnostics(root)
    assert rc == 1  # signature mismatches are errors

    assert not [d for d in diags if "get_health" in d["message"]]  # correct: nothing to say

    logout = by_message(diags, "IMPL001", "logout_user")
    assert logout["severity"] == "warning"
    assert logout["file"] == "contracts/meeting.openapi.yaml"
    assert logout["pointer"] == "/paths/~1auth~1logout/post"

    login = by_message(diags, "IMPL002", "login_user")
    assert login["severity"] == "error"
    assert "parameters are (self, ctx, payload), expected (self, ctx, body)" in login["message"]

    refresh = by_message(diags, "IMPL002", "refresh_token")
    assert "must be `async def`" in refresh["message"]
    assert "parameter 'body' is annotated <none>, expected RefreshRequest" in refresh["message"]

    assert by_message(diags, "IMPL003", "impl_pkg.users is missing")["severity"] == "warning"
    assert by_message(diags, "IMPL003", "defines no subclass of MeetingsHandlers")


def test_missing_is_an_error_when_configured(tmp_path: Path) -> None:
    root = make_project(tmp_path, missing="error")
    write_module(root, "impl_pkg", "system", SYSTEM_OK)
    rc, diags = diagnostics(root)
    assert rc == 1
    assert {d["severity"] for d in diags if d["code"] in ("IMPL001", "IMPL003")} == {"error"}

    write_config(root, implementation={"package": "impl_pkg", "missing": "warning"})
    rc, diags = diagnostics(root)
    assert rc == 0
    assert diags and {d["severity"] for d in diags} == {"warning"}


def test_broken_implementation_module_is_reported(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    write_module(root, "impl_pkg", "system", "raise RuntimeError('boom at import')\n")
    rc, diags = diagnostics(root)
    assert rc == 1
    assert "boom at import" in by_message(diags, "IMPL005", "impl_pkg.system")["message"]


# ------------------------------------------------------------------ signature_problems


class GoodSystem(SystemHandlers):
    async def get_health(self, ctx: RequestContext) -> Health:
        return Health(status="ok", version="1")


class OptionalStyle(MeetingsHandlers):
    async def list_meetings(  # typing.Optional spelled differently is still equal
        self,
        ctx: RequestContext,
        *,
        type_: Any = "my",
        status: MeetingStatus | None = None,
        page: int = 1,
        limit: int = 20,
    ) -> Any:
        raise NotImplementedError


def test_signature_problems_pure() -> None:
    assert signature_problems(SystemHandlers.get_health, GoodSystem.get_health) == []

    async def positional(self: Any, ctx: RequestContext, body: RegisterRequest) -> Health:
        raise NotImplementedError

    async def wrong_return(self: Any, ctx: RequestContext) -> str:
        return ""

    problems = signature_problems(SystemHandlers.get_health, wrong_return)
    assert problems == ["returns str, expected Health"]
    problems = signature_problems(MeetingsHandlers.list_meetings, OptionalStyle.list_meetings)
    assert "parameter 'type_' is annotated Any, expected Literal['my', 'history']" in problems
    assert not [p for p in problems if "'status'" in p]
    problems = signature_problems(MeetingsHandlers.create_meeting, positional)
    assert any("positional or keyword, expected keyword-only" in p for p in problems)
