"""Login rate limit per IP (429 + Retry-After) and account lockout (423 + Retry-After)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import update

from server_impl.db.models import LoginAttempt
from tests.conftest import LiveServer, ServerFactory, register_user

from .helpers import assert_error, sql


@pytest.fixture(scope="module")
def strict_server(start_server: ServerFactory) -> LiveServer:
    """The seed's numbers: 5 logins per minute per IP, 5 registrations per minute per IP."""
    return start_server(login_rate_limit=5, register_rate_limit=5, lockout_threshold=100)


@pytest.fixture(scope="module")
def lockout_server(start_server: ServerFactory) -> LiveServer:
    """Lock after 5 consecutive failures for 15 minutes; no IP limit in the way."""
    return start_server(lockout_threshold=5, lockout_seconds=900)


def login(client: httpx.Client, email: str, password: str) -> httpx.Response:
    return client.post("/auth/login", json={"email": email, "password": password})


def fresh_email() -> str:
    return f"l{secrets.token_hex(6)}@example.com"


def test_sixth_login_in_a_minute_from_one_ip_is_429(strict_server: LiveServer) -> None:
    with strict_server.client() as client:
        for _ in range(5):
            assert_error(login(client, fresh_email(), "Wrong1234"), 401, 40101)
        response = login(client, fresh_email(), "Wrong1234")
        body = assert_error(response, 429, 42901)
        retry_after = int(response.headers["Retry-After"])
        assert 1 <= retry_after <= 60
        assert body["details"]["retry_after"] == retry_after


def test_sixth_registration_in_a_minute_from_one_ip_is_429(strict_server: LiveServer) -> None:
    with strict_server.client() as client:
        codes = []
        for _ in range(6):
            body = {"email": fresh_email(), "password": "Password123", "nickname": "限流"}
            codes.append(client.post("/auth/register", json=body).status_code)
        assert codes == [201] * 5 + [429]


def test_five_failures_lock_the_account_even_for_the_right_password(
    lockout_server: LiveServer,
) -> None:
    with lockout_server.client() as client:
        user = register_user(client)
        for _ in range(5):
            assert_error(login(client, user.email, "Wrong1234"), 401, 40101)
        response = login(client, user.email, user.password)
        assert_error(response, 423, 42301)
        assert 1 <= int(response.headers["Retry-After"]) <= 900


def test_unknown_emails_lock_the_same_way(lockout_server: LiveServer) -> None:
    """No account enumeration through the lock: unknown addresses behave like known ones."""
    with lockout_server.client() as client:
        email = fresh_email()
        answers = [login(client, email, "Wrong1234").status_code for _ in range(6)]
        assert answers == [401] * 5 + [423]


def test_a_success_resets_the_failure_count(lockout_server: LiveServer) -> None:
    with lockout_server.client() as client:
        user = register_user(client)
        for _ in range(4):
            assert login(client, user.email, "Wrong1234").status_code == 401
        assert login(client, user.email, user.password).status_code == 200
        for _ in range(4):
            assert login(client, user.email, "Wrong1234").status_code == 401
        assert login(client, user.email, user.password).status_code == 200


def test_the_lock_ends_after_its_time(lockout_server: LiveServer) -> None:
    with lockout_server.client() as client:
        user = register_user(client)
        for _ in range(5):
            login(client, user.email, "Wrong1234")
        assert login(client, user.email, user.password).status_code == 423
        # let the 15 minutes pass in the database
        sql(
            lockout_server.settings,
            update(LoginAttempt)
            .where(LoginAttempt.email_key == user.email.lower())
            .values(locked_until=datetime(2000, 1, 1, tzinfo=UTC)),
        )
        assert login(client, user.email, user.password).status_code == 200
