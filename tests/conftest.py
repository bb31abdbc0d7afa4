"""Shared fixtures: database backends, settings, a real uvicorn server, registered users.

Reusable by every suite (REST, WebSocket):
- `backend`: "sqlite" | "postgres" (parametrized; PostgreSQL skips with a reason when it is
  unreachable, and fails instead when CONTRACTKIT_REQUIRE_SERVICES=1).
- `make_settings(**overrides)`: Settings on a fresh database of the current backend.
- `start_server(settings=None, **overrides)`: a running `LiveServer` (uvicorn, real HTTP).
- `server`: one LiveServer per backend for the whole session (relaxed rate limits).
- `api`: an httpx.Client on `server` with base URL `.../v1`.
- `make_user()`: registers a fresh user on `server`, returns a `ApiUser`.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from server_impl.settings import Settings

PG_URL = os.environ.get(
    "CONTRACTKIT_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
REQUIRE_SERVICES = os.environ.get("CONTRACTKIT_REQUIRE_SERVICES") == "1"
TEST_SECRET = "test-secret-" + "x" * 40
RELAXED = {
    "login_rate_limit": 100_000,
    "register_rate_limit": 100_000,
    "bcrypt_rounds": 4,
    "jwt_secret": TEST_SECRET,
    "gc_tuning": False,
    "validate_responses": True,  # the suite always checks responses against the contract
}


# ---------------------------------------------------------------------- PostgreSQL
_pg_state: dict[str, str | None] = {}


def postgres_unavailable_reason() -> str | None:
    """None when PostgreSQL answers at PG_URL, else why not (checked once per session)."""
    if "reason" not in _pg_state:
        _pg_state["reason"] = asyncio.run(_probe_pg())
    return _pg_state["reason"]


async def _probe_pg() -> str | None:
    import asyncpg

    dsn = PG_URL.replace("postgresql+asyncpg://", "postgresql://")
    try:
        conn = await asyncio.wait_for(asyncpg.connect(dsn), timeout=3)
    except Exception as exc:  # any failure means "not usable here"
        return f"PostgreSQL unreachable at {dsn}: {type(exc).__name__}: {exc}"
    await conn.close()
    return None


def require_postgres() -> None:
    """Skip (or fail under CONTRACTKIT_REQUIRE_SERVICES=1) when PostgreSQL is unreachable."""
    reason = postgres_unavailable_reason()
    if reason is None:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"CONTRACTKIT_REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


async def _drop_schema(schema: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_URL.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


# ---------------------------------------------------------------------- settings
@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    """The database backend under test."""
    if request.param == "postgres":
        require_postgres()
    return str(request.param)


SettingsFactory = Callable[..., Settings]


@pytest.fixture(scope="session")
def make_settings(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SettingsFactory]:
    """Settings on a brand-new database of `backend` (each call: a new one)."""
    schemas: list[str] = []

    def factory(**overrides: Any) -> Settings:
        data_dir = tmp_path_factory.mktemp("data")
        values: dict[str, Any] = {"data_dir": data_dir, **RELAXED}
        if backend == "postgres":
            schema = "ck_t_" + secrets.token_hex(6)
            schemas.append(schema)
            values.update(database_url=PG_URL, database_schema=schema)
        values.update(overrides)
        return Settings(**values)

    yield factory
    for schema in schemas:
        asyncio.run(_drop_schema(schema))


# ---------------------------------------------------------------------- live server
class LiveServer:
    """The service under a real uvicorn server, in a background thread, on a free port."""

    def __init__(self, settings: Settings, app: Any | None = None) -> None:
        from server_impl.app import create_app
        from server_impl.http.uvicorn_http import UVICORN_OPTIONS

        self.settings = settings
        self.app = app if app is not None else create_app(settings)
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.api_url = self.url + "/v1"
        config = uvicorn.Config(self.app, log_level="warning", lifespan="on", **UVICORN_OPTIONS)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True
        )

    def start(self) -> LiveServer:
        """Start and wait until it accepts requests (start-up includes migrations)."""
        self._thread.start()
        deadline = time.monotonic() + 60
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("uvicorn exited during start-up (see the log above)")
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start within 60 s")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Graceful shutdown (runs the app's lifespan shutdown)."""
        self._server.should_exit = True
        self._thread.join(timeout=30)
        self._sock.close()

    def client(self, **kwargs: Any) -> httpx.Client:
        """A client with base URL `<server>/v1`."""
        return httpx.Client(base_url=self.api_url, timeout=30, **kwargs)

    def async_client(self, **kwargs: Any) -> httpx.AsyncClient:
        """An async client with base URL `<server>/v1`."""
        return httpx.AsyncClient(base_url=self.api_url, timeout=30, **kwargs)


ServerFactory = Callable[..., LiveServer]


@pytest.fixture(scope="session")
def start_server(make_settings: SettingsFactory) -> Iterator[ServerFactory]:
    """Start servers on demand (stopped at the end of the session, or earlier by the test)."""
    started: list[LiveServer] = []

    def factory(settings: Settings | None = None, **overrides: Any) -> LiveServer:
        server = LiveServer(settings or make_settings(**overrides)).start()
        started.append(server)
        return server

    yield factory
    for server in started:
        if server._thread.is_alive():
            server.stop()


@pytest.fixture(scope="session")
def server(start_server: ServerFactory) -> LiveServer:
    """The shared server of this backend."""
    return start_server()


@pytest.fixture
def api(server: LiveServer) -> Iterator[httpx.Client]:
    """A client for the shared server."""
    with server.client() as client:
        yield client


# ---------------------------------------------------------------------- users
@dataclass
class ApiUser:
    """A registered user and its tokens."""

    id: str
    email: str
    password: str
    nickname: str
    access_token: str
    refresh_token: str
    raw: dict[str, Any] = field(repr=False, default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        """`Authorization: Bearer <access token>`."""
        return {"Authorization": f"Bearer {self.access_token}"}


def register_user(client: httpx.Client, *, nickname: str = "测试用户", **extra: Any) -> ApiUser:
    """Register a fresh user through the API (asserts success)."""
    email = f"u{secrets.token_hex(6)}@example.com"
    password = "Passw0rd" + secrets.token_hex(4)
    response = client.post(
        "/auth/register", json={"email": email, "password": password, "nickname": nickname}
    )
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    return ApiUser(
        id=data["user"]["id"],
        email=email,
        password=password,
        nickname=nickname,
        access_token=data["tokens"]["access_token"],
        refresh_token=data["tokens"]["refresh_token"],
        raw=data,
    )


UserFactory = Callable[..., ApiUser]


@pytest.fixture
def make_user(api: httpx.Client) -> UserFactory:
    """Register a new user on the shared server."""

    def factory(**kwargs: Any) -> ApiUser:
        return register_user(api, **kwargs)

    return factory


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A scratch data directory."""
    return tmp_path / "data"
