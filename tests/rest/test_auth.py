"""Registration, login, refresh rotation, logout and token attacks (RFC 8725), over HTTP."""

from __future__ import annotations

import time
from typing import Any

import httpx
import jwt
import pytest

from tests.conftest import ApiUser, LiveServer, UserFactory, register_user

from .helpers import assert_error, claims_for, forge_token, sql


def me(api: httpx.Client, token: str) -> httpx.Response:
    return api.get("/users/me", headers={"Authorization": f"Bearer {token}"})


# ---------------------------------------------------------------------- register
def test_register_returns_user_and_token_pair(api: httpx.Client) -> None:
    response = api.post(
        "/auth/register",
        json={"email": "Reg.Case@Example.com", "password": "Password123", "nickname": "张三"},
    )
    if response.status_code == 409:  # the shared server of a re-run; use a fresh address
        pytest.skip("address taken by an earlier run of this session")
    assert response.status_code == 201
    body = response.json()
    assert body["code"] == 0 and body["message"] == "注册成功"
    user, tokens = body["data"]["user"], body["data"]["tokens"]
    assert set(user) == {"id", "email", "nickname", "avatar", "created_at", "updated_at"}
    assert user["email"] == "Reg.Case@Example.com" and user["nickname"] == "张三"
    assert user["avatar"] is None and user["id"].startswith("user_")
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 3600
    assert me(api, tokens["access_token"]).json()["data"]["id"] == user["id"]


def test_register_same_email_in_other_case_is_409(
    api: httpx.Client, make_user: UserFactory
) -> None:
    user = make_user()
    response = api.post(
        "/auth/register",
        json={"email": user.email.upper(), "password": "Password123", "nickname": "李四"},
    )
    assert_error(response, 409, 40901)


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"email": "not-an-email", "password": "Password123", "nickname": "ab"}, 40001, "email"),
        ({"email": "a@example.com", "password": "short1", "nickname": "ab"}, 40002, "password"),
        ({"email": "a@example.com", "password": "lettersonly", "nickname": "ab"}, 40002, None),
        ({"email": "a@example.com", "password": "1234567890", "nickname": "ab"}, 40002, None),
        ({"email": "a@example.com", "password": "Password123"}, 40003, "nickname"),
        ({"password": "Password123", "nickname": "ab"}, 40003, "email"),
        ({"email": "a@example.com", "password": "Password123", "nickname": "   "}, 40004, None),
        # blank to Python's regex only (\x1c-\x1f), to Python's and Rust's (\x85), to
        # ECMAScript's only (\ufeff): the contract's pattern treats each as blank everywhere
        *[
            ({"email": "a@example.com", "password": "Password123", "nickname": blank}, 40004, None)
            for blank in ("\x1c\x1c", "\x1f\x1e", "\x85\x85", "\ufeff\ufeff", " \u3000")
        ],
    ],
)
def test_register_validation_codes(
    api: httpx.Client, body: dict[str, Any], code: int, field: str | None
) -> None:
    error = assert_error(api.post("/auth/register", json=body), 400, code)
    if field is not None:
        assert error["details"]["field"] == field


def test_one_visible_character_makes_a_nickname(api: httpx.Client) -> None:
    body = {"email": "visible@example.com", "password": "Password123", "nickname": "\x1c李\ufeff"}
    response = api.post("/auth/register", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["data"]["user"]["nickname"] == "\x1c李\ufeff"


def test_register_rejects_nul_in_nickname_with_400(api: httpx.Client) -> None:
    body = {"email": "nul@example.com", "password": "Password123", "nickname": "ab\u0000cd"}
    assert_error(api.post("/auth/register", json=body), 400, 40004)


def test_passwords_are_stored_as_bcrypt(server: LiveServer, make_user: UserFactory) -> None:
    user = make_user()
    [(stored,)] = sql(server.settings, "SELECT password_hash FROM users WHERE id = :id", id=user.id)
    assert stored.startswith("$2b$") and user.password not in stored


def test_default_bcrypt_cost_is_at_least_12() -> None:
    from server_impl.settings import Settings

    assert Settings().bcrypt_rounds >= 12


# ---------------------------------------------------------------------- login
def test_login_returns_fresh_tokens(api: httpx.Client, make_user: UserFactory) -> None:
    user = make_user()
    response = api.post("/auth/login", json={"email": user.email, "password": user.password})
    assert response.status_code == 200
    body = response.json()
    assert body["message"] == "登录成功"
    assert body["data"]["user"]["id"] == user.id
    assert me(api, body["data"]["tokens"]["access_token"]).status_code == 200


def test_login_email_is_case_insensitive(api: httpx.Client, make_user: UserFactory) -> None:
    user = make_user()
    response = api.post(
        "/auth/login", json={"email": user.email.upper(), "password": user.password}
    )
    assert response.status_code == 200


def test_wrong_password_and_unknown_email_answer_identically(
    api: httpx.Client, make_user: UserFactory
) -> None:
    user = make_user()
    wrong = api.post("/auth/login", json={"email": user.email, "password": "Nope12345"})
    unknown = api.post(
        "/auth/login", json={"email": "nobody-" + user.email, "password": "Nope12345"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"code": 40101, "message": "邮箱或密码错误"}


def test_long_non_ascii_password_beyond_72_bytes_is_handled(
    api: httpx.Client, make_user: UserFactory
) -> None:
    user = make_user()
    long_password = "密码" * 60  # 360 UTF-8 bytes, within the contract's 128 characters
    response = api.post("/auth/login", json={"email": user.email, "password": long_password})
    assert_error(response, 401, 40101)


# ---------------------------------------------------------------------- refresh
def test_refresh_rotates_and_a_used_refresh_token_is_rejected(
    api: httpx.Client, make_user: UserFactory
) -> None:
    user = make_user()
    first = api.post("/auth/refresh", json={"refresh_token": user.refresh_token})
    assert first.status_code == 200
    pair = first.json()["data"]
    assert first.json()["message"] == "Token 刷新成功"
    assert set(pair) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert pair["refresh_token"] != user.refresh_token
    assert me(api, pair["access_token"]).status_code == 200
    again = api.post("/auth/refresh", json={"refresh_token": user.refresh_token})
    assert_error(again, 401, 40103)
    assert (
        api.post("/auth/refresh", json={"refresh_token": pair["refresh_token"]}).status_code == 200
    )


def test_access_token_cannot_refresh(api: httpx.Client, make_user: UserFactory) -> None:
    user = make_user()
    response = api.post("/auth/refresh", json={"refresh_token": user.access_token})
    assert_error(response, 401, 40103)


def test_refresh_token_cannot_authenticate(api: httpx.Client, make_user: UserFactory) -> None:
    user = make_user()
    assert_error(me(api, user.refresh_token), 401, 40103)


def test_garbage_refresh_token_is_401(api: httpx.Client) -> None:
    assert_error(api.post("/auth/refresh", json={"refresh_token": "x.y.z"}), 401, 40103)


# ---------------------------------------------------------------------- logout
def test_logout_revokes_the_access_token(api: httpx.Client, make_user: UserFactory) -> None:
    user = make_user()
    response = api.post("/auth/logout", headers=user.headers)
    assert response.status_code == 200
    assert response.json() == {"code": 0, "message": "登出成功"}
    assert_error(me(api, user.access_token), 401, 40103)
    # the refresh token was not given, so it still works
    assert api.post("/auth/refresh", json={"refresh_token": user.refresh_token}).status_code == 200


def test_logout_with_refresh_token_revokes_both(api: httpx.Client, make_user: UserFactory) -> None:
    user = make_user()
    response = api.post(
        "/auth/logout", json={"refresh_token": user.refresh_token}, headers=user.headers
    )
    assert response.status_code == 200
    assert_error(api.post("/auth/refresh", json={"refresh_token": user.refresh_token}), 401, 40103)


def test_logout_ignores_someone_elses_refresh_token(
    api: httpx.Client, make_user: UserFactory
) -> None:
    alice, bob = make_user(), make_user()
    response = api.post(
        "/auth/logout", json={"refresh_token": bob.refresh_token}, headers=alice.headers
    )
    assert response.status_code == 200
    assert api.post("/auth/refresh", json={"refresh_token": bob.refresh_token}).status_code == 200


def test_logout_without_token_is_401(api: httpx.Client) -> None:
    assert_error(api.post("/auth/logout"), 401, 40103)


# ---------------------------------------------------------------------- token attacks
def test_alg_none_token_is_rejected(api: httpx.Client, make_user: UserFactory) -> None:
    user = make_user()
    token = forge_token(claims_for(user.id), alg="none")
    assert_error(me(api, token), 401, 40103)


def test_token_signed_with_another_key_is_rejected(
    api: httpx.Client, make_user: UserFactory
) -> None:
    user = make_user()
    token = forge_token(claims_for(user.id), secret="another-secret-" + "y" * 40)
    assert_error(me(api, token), 401, 40103)


def test_token_with_other_algorithm_is_rejected(api: httpx.Client, make_user: UserFactory) -> None:
    user = make_user()
    token = jwt.encode(claims_for(user.id), "k" * 64, algorithm="HS512")
    assert_error(me(api, token), 401, 40103)


def test_expired_token_is_40102(api: httpx.Client, make_user: UserFactory) -> None:
    user = make_user()
    past = int(time.time()) - 7200
    token = forge_token(claims_for(user.id, iat=past, exp=past + 3600))
    assert_error(me(api, token), 401, 40102)


def test_a_token_accepted_before_expires_on_time(api: httpx.Client, make_user: UserFactory) -> None:
    """Verified tokens are remembered (`TokenService.decode`), their expiry is not."""
    user = make_user()
    now = int(time.time())
    token = forge_token(claims_for(user.id, iat=now, exp=now + 2))
    assert me(api, token).status_code == 200
    assert me(api, token).status_code == 200  # the remembered verification
    time.sleep(max(0.0, now + 2 - time.time()) + 0.05)
    assert_error(me(api, token), 401, 40102)


def test_a_remembered_access_token_is_no_refresh_token(
    api: httpx.Client, make_user: UserFactory
) -> None:
    user = make_user()
    assert me(api, user.access_token).status_code == 200
    response = api.post("/auth/refresh", json={"refresh_token": user.access_token})
    assert_error(response, 401, 40103)


@pytest.mark.parametrize(
    "change",
    [
        {"aud": "someone-else"},
        {"iss": "someone-else"},
        {"typ": "refresh"},
        {"ver": 1},
        {"ver": True},
        {"sub": "user_000000000000000000000000"},
    ],
)
def test_tokens_with_wrong_claims_are_rejected(
    api: httpx.Client, make_user: UserFactory, change: dict[str, Any]
) -> None:
    user = make_user()
    assert_error(me(api, forge_token(claims_for(user.id, **change))), 401, 40103)


@pytest.mark.parametrize("missing", ["jti", "typ", "exp", "iat", "aud", "iss", "ver"])
def test_tokens_missing_a_claim_are_rejected(
    api: httpx.Client, make_user: UserFactory, missing: str
) -> None:
    user = make_user()
    claims = claims_for(user.id)
    del claims[missing]
    assert_error(me(api, forge_token(claims)), 401, 40103)


def test_correctly_forged_token_is_accepted(api: httpx.Client, make_user: UserFactory) -> None:
    """The attack tests above are meaningful: the same forging with the right key works."""
    user = make_user()
    assert me(api, forge_token(claims_for(user.id))).status_code == 200


@pytest.mark.parametrize(
    "header", ["Bearer", "Bearer  x.y.z", "Basic abc", "bearer x.y.z", "Token abc", "Bearer a b"]
)
def test_malformed_authorization_headers_are_401(api: httpx.Client, header: str) -> None:
    response = api.get("/users/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["code"] in (40102, 40103)


def test_users_registered_by_helper_work(api: httpx.Client) -> None:
    user: ApiUser = register_user(api)
    assert me(api, user.access_token).status_code == 200
