"""`/users/me` and `/users/me/password`."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import UserFactory

from .helpers import assert_error


def test_get_current_user(api: httpx.Client, make_user: UserFactory) -> None:
    user = make_user()
    response = api.get("/users/me", headers=user.headers)
    assert response.status_code == 200
    body = response.json()
    assert body["message"] == "成功"
    assert body["data"]["id"] == user.id and body["data"]["email"] == user.email


def test_patch_nickname_keeps_avatar(api: httpx.Client, make_user: UserFactory) -> None:
    user = make_user()
    first = api.patch(
        "/users/me", json={"avatar": "https://cdn.example.com/a.jpg"}, headers=user.headers
    )
    assert first.status_code == 200 and first.json()["message"] == "资料更新成功"
    second = api.patch("/users/me", json={"nickname": "李四"}, headers=user.headers)
    data = second.json()["data"]
    assert data["nickname"] == "李四" and data["avatar"] == "https://cdn.example.com/a.jpg"
    assert data["updated_at"] >= data["created_at"]


def test_patch_avatar_null_clears_it_and_keeps_nickname(
    api: httpx.Client, make_user: UserFactory
) -> None:
    user = make_user(nickname="王五")
    api.patch("/users/me", json={"avatar": "https://cdn.example.com/a.jpg"}, headers=user.headers)
    response = api.patch("/users/me", json={"avatar": None}, headers=user.headers)
    assert response.json()["data"]["avatar"] is None
    assert response.json()["data"]["nickname"] == "王五"


@pytest.mark.parametrize(
    "body",
    [{}, {"email": "x@example.com"}, {"nickname": "ok", "id": "user_x"}, {"nickname": None}],
)
def test_patch_rejects_empty_unknown_and_protected_fields(
    api: httpx.Client, make_user: UserFactory, body: dict[str, Any]
) -> None:
    user = make_user()
    response = api.patch("/users/me", json=body, headers=user.headers)
    assert response.status_code == 400
    assert response.json()["code"] in (40003, 40004)
    assert api.get("/users/me", headers=user.headers).json()["data"]["email"] == user.email


def test_change_password_then_old_tokens_die_and_new_password_works(
    api: httpx.Client, make_user: UserFactory
) -> None:
    user = make_user()
    response = api.put(
        "/users/me/password",
        json={"old_password": user.password, "new_password": "NewPassword456"},
        headers=user.headers,
    )
    assert response.status_code == 200
    assert response.json() == {"code": 0, "message": "密码修改成功"}
    assert_error(api.get("/users/me", headers=user.headers), 401, 40103)
    refresh = api.post("/auth/refresh", json={"refresh_token": user.refresh_token})
    assert_error(refresh, 401, 40103)
    old = api.post("/auth/login", json={"email": user.email, "password": user.password})
    assert_error(old, 401, 40101)
    new = api.post("/auth/login", json={"email": user.email, "password": "NewPassword456"})
    assert new.status_code == 200


def test_change_password_with_wrong_old_password_is_40011(
    api: httpx.Client, make_user: UserFactory
) -> None:
    user = make_user()
    response = api.put(
        "/users/me/password",
        json={"old_password": "Wrong12345", "new_password": "NewPassword456"},
        headers=user.headers,
    )
    assert_error(response, 400, 40011)
    assert api.get("/users/me", headers=user.headers).status_code == 200


def test_change_password_applies_the_password_rules(
    api: httpx.Client, make_user: UserFactory
) -> None:
    user = make_user()
    response = api.put(
        "/users/me/password",
        json={"old_password": user.password, "new_password": "onlyletters"},
        headers=user.headers,
    )
    assert_error(response, 400, 40002)


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/users/me"), ("patch", "/users/me"), ("put", "/users/me/password")],
)
def test_user_routes_need_a_token(api: httpx.Client, method: str, path: str) -> None:
    response = api.request(method, path, json={"nickname": "ab"})
    assert_error(response, 401, 40103)
    assert response.headers.get("WWW-Authenticate", "").startswith("Bearer")
