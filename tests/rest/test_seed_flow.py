"""Seed 004's flow, with the seed's own example payloads, checking the exact response shapes.

A client written from seed 004 §1 must work unchanged: every field the seed promises is there
(our contract only adds fields), and every message is the seed's.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.conftest import LiveServer, ServerFactory

SEED_USER = {"email": "user@example.com", "password": "Password123", "nickname": "张三"}
USER_KEYS = {"id", "email", "nickname", "avatar", "created_at", "updated_at"}
TOKEN_KEYS = {"access_token", "refresh_token", "token_type", "expires_in"}
SEED_MEETING_KEYS = {
    "id",
    "meeting_number",
    "title",
    "creator_id",
    "status",
    "started_at",
    "ended_at",
    "created_at",
}
MEETING_KEYS = SEED_MEETING_KEYS | {"max_participants", "has_password"}
PARTICIPANT_KEYS = {"user_id", "nickname", "avatar", "joined_at", "audio_muted", "video_muted"}
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


@pytest.fixture(scope="module")
def seed_server(start_server: ServerFactory) -> LiveServer:
    """A fresh database, so the seed's example address is free."""
    return start_server()


def envelope(response: httpx.Response, status: int, message: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "message", "data"}
    assert body["code"] == 0 and body["message"] == message
    data: dict[str, Any] = body["data"]
    return data


def test_seed_004_flow(seed_server: LiveServer) -> None:
    with seed_server.client() as api:
        # 注册 (seed example payload)
        data = envelope(api.post("/auth/register", json=SEED_USER), 201, "注册成功")
        assert set(data) == {"user", "tokens"}
        assert set(data["user"]) == USER_KEYS and set(data["tokens"]) == TOKEN_KEYS
        assert data["user"]["email"] == "user@example.com" and data["user"]["nickname"] == "张三"
        assert ISO.match(data["user"]["created_at"]) and ISO.match(data["user"]["updated_at"])
        assert data["tokens"]["token_type"] == "Bearer" and data["tokens"]["expires_in"] == 3600

        # 登录 (seed example payload)
        login = {"email": "user@example.com", "password": "Password123"}
        data = envelope(api.post("/auth/login", json=login), 200, "登录成功")
        tokens = data["tokens"]
        auth = {"Authorization": f"Bearer {tokens['access_token']}"}

        # 获取当前用户信息
        me = envelope(api.get("/users/me", headers=auth), 200, "成功")
        assert set(me) == USER_KEYS

        # 创建会议 (seed example body: title only)
        meeting = envelope(
            api.post("/meetings", json={"title": "每周例会"}, headers=auth), 201, "会议创建成功"
        )
        assert set(meeting) == MEETING_KEYS
        assert re.fullmatch(r"\d{9}", meeting["meeting_number"])
        assert meeting["status"] == "waiting" and meeting["creator_id"] == me["id"]

        # 获取会议列表 (seed query parameters)
        listing = envelope(
            api.get("/meetings", params={"type": "my", "page": 1, "limit": 20}, headers=auth),
            200,
            "成功",
        )
        assert set(listing) == {"meetings", "pagination"}
        assert set(listing["pagination"]) == {"page", "limit", "total", "total_pages"}
        assert [m["id"] for m in listing["meetings"]] == [meeting["id"]]

        # 加入会议: the seed's join has no request body
        joined = envelope(
            api.post(f"/meetings/{meeting['meeting_number']}/join", headers=auth),
            200,
            "成功加入会议",
        )
        assert set(joined) == MEETING_KEYS | {
            "participants",
            "participant_count",
            "ice_servers",
            "ws_url",
        }
        assert joined["status"] == "active" and joined["participant_count"] == 1
        assert set(joined["participants"][0]) == PARTICIPANT_KEYS
        assert joined["ws_url"].endswith("/v1/ws")

        # 获取会议详情
        detail = envelope(api.get(f"/meetings/{meeting['id']}", headers=auth), 200, "成功")
        assert set(detail) == MEETING_KEYS | {"participants", "participant_count"}

        # 结束会议
        ended = api.post(f"/meetings/{meeting['id']}/end", headers=auth)
        assert ended.status_code == 200 and ended.json() == {"code": 0, "message": "会议已结束"}

        # 刷新 Token (the seed's response fields are all present)
        refreshed = envelope(
            api.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]}),
            200,
            "Token 刷新成功",
        )
        assert {"access_token", "token_type", "expires_in"} <= set(refreshed)

        # 登出 (the seed's logout has no body)
        auth = {"Authorization": f"Bearer {refreshed['access_token']}"}
        out = api.post("/auth/logout", headers=auth)
        assert out.status_code == 200 and out.json() == {"code": 0, "message": "登出成功"}

        # seed §4 error codes for the same flow's failure paths
        again = api.post("/auth/register", json=SEED_USER)
        assert again.status_code == 409 and again.json()["code"] == 40901
        wrong = api.post("/auth/login", json={**login, "password": "Wrong1234"})
        assert wrong.status_code == 401 and wrong.json() == {
            "code": 40101,
            "message": "邮箱或密码错误",
        }
        assert api.get("/users/me", headers=auth).json() == {"code": 40103, "message": "Token 无效"}
