"""Meetings: create, list, join, detail, leave, end; lifecycle and access rules."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from server_impl.db.models import Meeting
from tests.conftest import ApiUser, LiveServer, UserFactory

from .helpers import assert_error, create_meeting, join, sql


# ---------------------------------------------------------------------- create
def test_create_with_defaults(api: httpx.Client, make_user: UserFactory) -> None:
    host = make_user()
    response = api.post("/meetings", headers=host.headers)
    assert response.status_code == 201 and response.json()["message"] == "会议创建成功"
    data = response.json()["data"]
    assert re.fullmatch(r"\d{9}", data["meeting_number"])
    assert data["creator_id"] == host.id and data["status"] == "waiting"
    assert data["max_participants"] == 4 and data["has_password"] is False
    assert data["title"] is None and data["started_at"] is None and data["ended_at"] is None


def test_create_with_title_password_and_capacity(api: httpx.Client, make_user: UserFactory) -> None:
    host = make_user()
    data = create_meeting(api, host, title="每周例会", password="123456", max_participants=8)
    assert data["title"] == "每周例会" and data["has_password"] is True
    assert data["max_participants"] == 8
    assert "password" not in data and "password_hash" not in data


@pytest.mark.parametrize(
    "body",
    [
        {"creator_id": "user_000000000000000000000000"},
        {"status": "active"},
        {"participant_count": 3},
        {"max_participants": 17},
        {"max_participants": 1},
        {"password": "abc"},
        {"title": "x" * 101},
    ],
)
def test_create_rejects_mass_assignment_and_out_of_range(
    api: httpx.Client, make_user: UserFactory, body: dict[str, Any]
) -> None:
    host = make_user()
    response = api.post("/meetings", json=body, headers=host.headers)
    assert response.status_code == 400
    assert response.json()["code"] in (40003, 40004)


def test_meeting_numbers_are_distinct(api: httpx.Client, make_user: UserFactory) -> None:
    host = make_user()
    numbers = {create_meeting(api, host)["meeting_number"] for _ in range(30)}
    assert len(numbers) == 30


# ---------------------------------------------------------------------- join
def test_join_returns_detail_ice_servers_and_ws_url(
    api: httpx.Client, server: LiveServer, make_user: UserFactory
) -> None:
    host, guest = make_user(), make_user(nickname="访客")
    meeting = create_meeting(api, host)
    response = join(api, guest, meeting["meeting_number"], audio_muted=True)
    assert response.status_code == 200 and response.json()["message"] == "成功加入会议"
    data = response.json()["data"]
    assert data["id"] == meeting["id"] and data["status"] == "active"
    assert data["started_at"] is not None
    assert data["participant_count"] == 1
    [p] = data["participants"]
    assert p["user_id"] == guest.id and p["nickname"] == "访客"
    assert p["audio_muted"] is True and p["video_muted"] is False
    assert data["ice_servers"] == [{"urls": ["stun:stun.l.google.com:19302"]}]
    assert data["ws_url"] == f"ws://127.0.0.1:{server.port}/v1/ws"


def test_join_is_idempotent(api: httpx.Client, make_user: UserFactory) -> None:
    host = make_user()
    meeting = create_meeting(api, host)
    first = join(api, host, meeting["meeting_number"])
    second = join(api, host, meeting["meeting_number"], audio_muted=True)
    assert first.status_code == second.status_code == 200
    assert second.json()["data"]["participant_count"] == 1
    assert second.json()["data"]["participants"] == first.json()["data"]["participants"]


def test_join_checks_the_meeting_password(api: httpx.Client, make_user: UserFactory) -> None:
    host, guest = make_user(), make_user()
    number = create_meeting(api, host, password="s3cret!")["meeting_number"]
    assert_error(join(api, guest, number), 403, 40302)
    assert_error(join(api, guest, number, password="wrong"), 403, 40302)
    assert join(api, guest, number, password="s3cret!").status_code == 200


def test_join_unknown_number_is_404(api: httpx.Client, make_user: UserFactory) -> None:
    user = make_user()
    host = make_user()
    numbers = {create_meeting(api, host)["meeting_number"]}
    unknown = next(n for n in ("000000001", "999999998", "123123123") if n not in numbers)
    assert_error(join(api, user, unknown), 404, 40402)


# "١٢٣٤٥٦٧٨٩": Arabic-Indic digits, which Python's `\d` takes and ECMAScript's does not
@pytest.mark.parametrize("number", ["12345678", "1234567890", "abcdefghi", "١٢٣٤٥٦٧٨٩"])
def test_join_with_malformed_number_is_400(
    api: httpx.Client, make_user: UserFactory, number: str
) -> None:
    user = make_user()
    assert_error(join(api, user, number), 400, 40004)


def test_meeting_full_at_capacity(api: httpx.Client, make_user: UserFactory) -> None:
    host = make_user()
    number = create_meeting(api, host, max_participants=2)["meeting_number"]
    assert join(api, make_user(), number).status_code == 200
    assert join(api, make_user(), number).status_code == 200
    assert_error(join(api, make_user(), number), 409, 40902)


def test_default_capacity_is_four(api: httpx.Client, make_user: UserFactory) -> None:
    host = make_user()
    number = create_meeting(api, host)["meeting_number"]
    codes = [join(api, make_user(), number).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 200, 409]


def test_leaving_frees_a_seat(api: httpx.Client, make_user: UserFactory) -> None:
    host = make_user()
    meeting = create_meeting(api, host, max_participants=2)
    first, second, third = make_user(), make_user(), make_user()
    join(api, first, meeting["meeting_number"])
    join(api, second, meeting["meeting_number"])
    assert api.post(f"/meetings/{meeting['id']}/leave", headers=first.headers).status_code == 200
    assert join(api, third, meeting["meeting_number"]).status_code == 200


# ---------------------------------------------------------------------- detail, leave, end
def test_detail_for_creator_and_participants_404_for_others(
    api: httpx.Client, make_user: UserFactory
) -> None:
    host, guest, stranger = make_user(), make_user(), make_user()
    meeting = create_meeting(api, host)
    join(api, guest, meeting["meeting_number"])
    for user in (host, guest):
        response = api.get(f"/meetings/{meeting['id']}", headers=user.headers)
        assert response.status_code == 200
        assert response.json()["data"]["participant_count"] == 1
    assert_error(api.get(f"/meetings/{meeting['id']}", headers=stranger.headers), 404, 40402)


def test_leave(api: httpx.Client, make_user: UserFactory) -> None:
    host, guest = make_user(), make_user()
    meeting = create_meeting(api, host)
    join(api, guest, meeting["meeting_number"])
    response = api.post(f"/meetings/{meeting['id']}/leave", headers=guest.headers)
    assert response.json() == {"code": 0, "message": "已离开会议"}
    detail = api.get(f"/meetings/{meeting['id']}", headers=host.headers).json()["data"]
    assert detail["participants"] == [] and detail["participant_count"] == 0
    assert detail["status"] == "active"
    # a past participant still sees the meeting, but cannot leave twice
    assert api.get(f"/meetings/{meeting['id']}", headers=guest.headers).status_code == 200
    again = api.post(f"/meetings/{meeting['id']}/leave", headers=guest.headers)
    assert_error(again, 404, 40402)


def test_leave_a_meeting_never_joined_is_404(api: httpx.Client, make_user: UserFactory) -> None:
    host, stranger = make_user(), make_user()
    meeting = create_meeting(api, host)
    assert_error(api.post(f"/meetings/{meeting['id']}/leave", headers=stranger.headers), 404, 40402)
    assert_error(api.post(f"/meetings/{meeting['id']}/leave", headers=host.headers), 404, 40402)


def test_end_by_creator_removes_everyone_and_blocks_joins(
    api: httpx.Client, make_user: UserFactory
) -> None:
    host, guest, late = make_user(), make_user(), make_user()
    meeting = create_meeting(api, host)
    join(api, host, meeting["meeting_number"])
    join(api, guest, meeting["meeting_number"])
    response = api.post(f"/meetings/{meeting['id']}/end", headers=host.headers)
    assert response.json() == {"code": 0, "message": "会议已结束"}
    detail = api.get(f"/meetings/{meeting['id']}", headers=guest.headers).json()["data"]
    assert detail["status"] == "ended" and detail["ended_at"] is not None
    assert detail["participants"] == [] and detail["participant_count"] == 0
    assert_error(join(api, late, meeting["meeting_number"]), 409, 40903)
    assert_error(join(api, guest, meeting["meeting_number"]), 409, 40903)
    assert_error(api.post(f"/meetings/{meeting['id']}/end", headers=host.headers), 409, 40903)
    assert_error(api.post(f"/meetings/{meeting['id']}/leave", headers=guest.headers), 404, 40402)


def test_only_the_creator_can_end(api: httpx.Client, make_user: UserFactory) -> None:
    host, guest, stranger = make_user(), make_user(), make_user()
    meeting = create_meeting(api, host)
    join(api, guest, meeting["meeting_number"])
    assert_error(api.post(f"/meetings/{meeting['id']}/end", headers=guest.headers), 403, 40301)
    assert_error(api.post(f"/meetings/{meeting['id']}/end", headers=stranger.headers), 404, 40402)
    assert api.get(f"/meetings/{meeting['id']}", headers=host.headers).json()["data"]["status"] == (
        "active"
    )


@pytest.mark.parametrize(
    "meeting_id", ["meeting_000000000000000000000000", "nope", "x" * 64, "meeting_ZZZ"]
)
@pytest.mark.parametrize(("method", "suffix"), [("get", ""), ("post", "/leave"), ("post", "/end")])
def test_unknown_meeting_ids_are_404(
    api: httpx.Client, make_user: UserFactory, meeting_id: str, method: str, suffix: str
) -> None:
    user = make_user()
    response = api.request(method, f"/meetings/{meeting_id}{suffix}", headers=user.headers)
    assert_error(response, 404, 40402)


def test_meeting_id_longer_than_the_contract_allows_is_400(
    api: httpx.Client, make_user: UserFactory
) -> None:
    user = make_user()
    assert_error(api.get("/meetings/" + "x" * 65, headers=user.headers), 400, 40004)


# ---------------------------------------------------------------------- expiry
def _age(server: LiveServer, meeting_id: str, hours: float) -> None:
    created = datetime.now(UTC) - timedelta(hours=hours)
    sql(server.settings, update(Meeting).where(Meeting.id == meeting_id).values(created_at=created))


def test_an_unstarted_meeting_expires_after_24_hours(
    api: httpx.Client, server: LiveServer, make_user: UserFactory
) -> None:
    host, guest = make_user(), make_user()
    meeting = create_meeting(api, host)
    _age(server, meeting["id"], 24.5)
    detail = api.get(f"/meetings/{meeting['id']}", headers=host.headers).json()["data"]
    assert detail["status"] == "ended" and detail["ended_at"] is not None
    assert_error(join(api, guest, meeting["meeting_number"]), 409, 40903)
    ended = api.get("/meetings", params={"status": "ended"}, headers=host.headers).json()["data"]
    assert [m["id"] for m in ended["meetings"]] == [meeting["id"]]
    waiting = api.get("/meetings", params={"status": "waiting"}, headers=host.headers)
    assert waiting.json()["data"]["meetings"] == []


def test_a_started_meeting_does_not_expire(
    api: httpx.Client, server: LiveServer, make_user: UserFactory
) -> None:
    host, guest = make_user(), make_user()
    meeting = create_meeting(api, host)
    join(api, host, meeting["meeting_number"])
    _age(server, meeting["id"], 30)
    assert join(api, guest, meeting["meeting_number"]).status_code == 200


# ---------------------------------------------------------------------- list
def _list(api: httpx.Client, user: ApiUser, **params: str | int) -> dict[str, Any]:
    response = api.get("/meetings", params=params, headers=user.headers)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def test_list_my_history_status_and_pagination(api: httpx.Client, make_user: UserFactory) -> None:
    host, guest = make_user(), make_user()
    created = [create_meeting(api, host, title=f"m{i}") for i in range(5)]
    join(api, guest, created[0]["meeting_number"])
    join(api, guest, created[1]["meeting_number"])
    api.post(f"/meetings/{created[1]['id']}/end", headers=host.headers)

    mine = _list(api, host)
    assert mine["pagination"] == {"page": 1, "limit": 20, "total": 5, "total_pages": 1}
    assert [m["title"] for m in mine["meetings"]] == ["m4", "m3", "m2", "m1", "m0"]

    page = _list(api, host, page=2, limit=2)
    assert page["pagination"] == {"page": 2, "limit": 2, "total": 5, "total_pages": 3}
    assert [m["title"] for m in page["meetings"]] == ["m2", "m1"]
    assert _list(api, host, page=4, limit=2)["meetings"] == []

    assert [m["title"] for m in _list(api, host, status="waiting")["meetings"]] == [
        "m4",
        "m3",
        "m2",
    ]
    assert [m["title"] for m in _list(api, host, status="active")["meetings"]] == ["m0"]
    assert [m["title"] for m in _list(api, host, status="ended")["meetings"]] == ["m1"]

    history = _list(api, guest, type="history")
    assert [m["title"] for m in history["meetings"]] == ["m1", "m0"]
    assert history["pagination"]["total"] == 2
    assert _list(api, guest)["pagination"] == {"page": 1, "limit": 20, "total": 0, "total_pages": 0}
    assert _list(api, host, type="history")["meetings"] == []


@pytest.mark.parametrize(
    "params",
    [{"type": "all"}, {"status": "paused"}, {"page": 0}, {"limit": 101}, {"limit": "x"}],
)
def test_list_rejects_bad_parameters(
    api: httpx.Client, make_user: UserFactory, params: dict[str, Any]
) -> None:
    user = make_user()
    response = api.get("/meetings", params=params, headers=user.headers)
    assert_error(response, 400, 40004)
