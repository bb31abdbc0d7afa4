"""The generated Connexion wiring over a real socket: adapters, envelope, errors, security."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from generated.models import CreateMeetingRequest, MeetingStatus
from generated.server.context import RequestContext
from tests.generators.stub_app import SEEN, Live, build_app

GOOD = {"Authorization": "Bearer good"}
REGISTER = {"email": "a@example.com", "password": "Password123", "nickname": "张三"}


@pytest.fixture(scope="module")
def download(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dl") / "minutes.txt"
    path.write_bytes("会议纪要\n".encode() * 100)
    return path


@pytest.fixture(scope="module")
def client(download: Path) -> Iterator[httpx.Client]:
    with Live(build_app(download)) as live, httpx.Client(base_url=live.url, timeout=30) as c:
        yield c


@pytest.fixture(scope="module")
def lax_client(download: Path) -> Iterator[httpx.Client]:
    app = build_app(download, validate_responses=False)
    with Live(app) as live, httpx.Client(base_url=live.url, timeout=30) as c:
        yield c


def error(response: httpx.Response) -> tuple[int, int, dict[str, object] | None]:
    body = response.json()
    assert set(body) <= {"code", "message", "details"}, body
    assert isinstance(body["message"], str) and body["message"]
    return response.status_code, body["code"], body.get("details")


def test_success_envelope_and_context(client: httpx.Client) -> None:
    r = client.get("/health", headers={"X-Trace": "t1"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    assert r.json() == {"code": 0, "message": "成功", "data": {"status": "ok", "version": "1.0.0"}}
    ctx = SEEN["health_ctx"]
    assert isinstance(ctx, RequestContext)
    assert ctx.user_id is None and ctx.client_ip == "127.0.0.1"
    assert ctx.headers["x-trace"] == "t1"


def test_created_status_and_contract_message(client: httpx.Client) -> None:
    r = client.post("/auth/register", json=REGISTER)
    assert r.status_code == 201
    assert r.json()["message"] == "注册成功"
    assert r.json()["data"]["user"]["avatar"] is None  # nullable + required: kept as null
    assert SEEN["register"].email == "a@example.com"


def test_query_defaults_types_and_principal(client: httpx.Client) -> None:
    r = client.get("/meetings", headers=GOOD)
    assert r.status_code == 200, r.text
    assert SEEN["list"] == {"type_": "my", "status": None, "page": 1, "limit": 20}
    assert SEEN["list_ctx"].user_id == "user_1"
    assert SEEN["list_ctx"].claims == {"role": "member"}
    r = client.get(
        "/meetings", params={"type": "history", "status": "ended", "page": 3}, headers=GOOD
    )
    assert r.status_code == 200
    assert SEEN["list"]["status"] is MeetingStatus.ended
    assert SEEN["list"]["page"] == 3 and SEEN["list"]["type_"] == "history"
    assert r.json()["data"]["pagination"]["page"] == 3


@pytest.mark.parametrize(
    ("params", "field"),
    [({"page": "abc"}, "page"), ({"limit": "0"}, "limit"), ({"type": "all"}, "type")],
)
def test_invalid_parameter(client: httpx.Client, params: dict[str, str], field: str) -> None:
    status, code, details = error(client.get("/meetings", params=params, headers=GOOD))
    assert (status, code) == (400, 40004)
    assert details is not None and details["field"] == field


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"email": "a@example.com", "nickname": "张三"}, 40003, "password"),
        ({**REGISTER, "email": "not-an-email"}, 40001, "email"),
        ({**REGISTER, "password": "short"}, 40002, "password"),
        ({**REGISTER, "password": "lettersonly"}, 40002, "password"),
        ({**REGISTER, "nickname": "x"}, 40004, "nickname"),
        ({**REGISTER, "extra": 1}, 40004, "body"),
        ([1, 2], 40004, "body"),
    ],
)
def test_body_validation_codes(client: httpx.Client, body: object, code: int, field: str) -> None:
    status, got, details = error(client.post("/auth/register", json=body))
    assert (status, got) == (400, code)
    assert details is not None and details["field"] == field


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"email": ', "application/json"),
        (b'{"email": "\xff\xfe"}', "application/json"),
        (b"email=a@example.com", "text/plain"),
        (b"NaN", "application/json"),
    ],
)
def test_malformed_bodies(client: httpx.Client, content: bytes, content_type: str) -> None:
    r = client.post("/auth/register", content=content, headers={"Content-Type": content_type})
    assert error(r)[:2] == (400, 40005)


def test_missing_required_body(client: httpx.Client) -> None:
    r = client.post("/auth/register", headers={"Content-Type": "application/json"})
    assert error(r) == (400, 40003, {"field": "body"})


def test_optional_body_absent_or_present(client: httpx.Client) -> None:
    r = client.post("/meetings", headers=GOOD)
    assert r.status_code == 201, r.text
    assert SEEN["create"] is None
    r = client.post("/meetings", json={"max_participants": 8}, headers=GOOD)
    assert r.status_code == 201
    assert isinstance(SEEN["create"], CreateMeetingRequest)
    assert r.json()["data"]["max_participants"] == 8
    r = client.post(
        "/meetings", content=b"null", headers={**GOOD, "Content-Type": "application/json"}
    )
    assert error(r) == (400, 40004, {"field": "body", "rule": "type"})  # null is not absent


def test_path_param_and_optional_none_fields_are_omitted(client: httpx.Client) -> None:
    r = client.post("/meetings/987654321/join", json={"audio_muted": True}, headers=GOOD)
    assert r.status_code == 200, r.text
    number, body = SEEN["join"]
    assert number == "987654321" and body.audio_muted is True and body.video_muted is False
    ice = r.json()["data"]["ice_servers"][0]
    assert ice == {"urls": ["stun:stun.example.com:3478"]}  # `username: None` is absent
    assert r.json()["data"]["title"] is None  # nullable: kept


def test_security(client: httpx.Client) -> None:
    r = client.get("/meetings")
    assert error(r)[:2] == (401, 40103)
    assert r.headers["www-authenticate"] == "Bearer"
    assert error(client.get("/meetings", headers={"Authorization": "Bearer nope"}))[:2] == (
        401,
        40103,
    )
    assert error(client.get("/meetings", headers={"Authorization": "Bearer old"}))[:2] == (
        401,
        40102,
    )
    assert error(client.get("/meetings", headers={"Authorization": "Basic eDp5"}))[:2] == (
        401,
        40103,
    )


def test_routing_errors(client: httpx.Client) -> None:
    assert error(client.get("/no/such/route"))[:2] == (404, 40404)
    r = client.delete("/health")
    assert error(r)[:2] == (405, 40501)
    assert "GET" in r.headers["allow"]


def test_unimplemented_operation(client: httpx.Client) -> None:
    r = client.post("/auth/login", json={"email": "a@example.com", "password": "x"})
    assert error(r)[:2] == (501, 50101)


def test_api_error_details_headers_and_internal_errors(client: httpx.Client) -> None:
    r = client.post("/auth/register", json={**REGISTER, "nickname": "busy"})
    assert error(r) == (429, 42901, {"retry": 7})
    assert r.headers["retry-after"] == "7"
    r = client.post("/auth/register", json={**REGISTER, "nickname": "boom"})
    assert error(r)[:2] == (500, 50001)
    assert "secret" not in r.text


def test_response_validation_switch(client: httpx.Client, lax_client: httpx.Client) -> None:
    body = {**REGISTER, "nickname": "badout"}
    assert error(client.post("/auth/register", json=body))[:2] == (500, 50001)
    r = lax_client.post("/auth/register", json=body)
    assert r.status_code == 201
    assert r.json()["data"]["user"]["email"] == "not-an-email"


def test_multipart_upload(client: httpx.Client) -> None:
    files = {"file": ("minutes.txt", b"hello world", "text/plain")}
    r = client.post(
        "/meetings/meeting_1/files", files=files, data={"file_type": "document"}, headers=GOOD
    )
    assert r.status_code == 201, r.text
    filename, content, file_type = SEEN["upload"]
    assert (filename, content, file_type) == ("minutes.txt", b"hello world", "document")
    assert r.json()["data"]["size"] == 11 and r.json()["data"]["uploader_id"] == "user_1"
    no_file = {"file_type": (None, "document")}  # multipart, but without the file part
    r = client.post("/meetings/meeting_1/files", files=no_file, headers=GOOD)
    assert error(r) == (400, 40003, {"field": "file"})
    r = client.post("/meetings/meeting_1/files", data={"file_type": "document"}, headers=GOOD)
    assert error(r)[:2] == (400, 40005)  # urlencoded: not the documented media type


def test_file_download_streams_the_file(client: httpx.Client, download: Path) -> None:
    r = client.get("/meetings/meeting_1/files/file_1", headers=GOOD)
    assert r.status_code == 200
    assert r.content == download.read_bytes()
    assert r.headers["content-type"] == "application/octet-stream"
    assert "attachment" in r.headers["content-disposition"]
    assert len(r.headers["x-content-sha256"]) == 64


def test_swagger_ui_and_spec(client: httpx.Client) -> None:
    assert client.get("/ui/").status_code == 200
    assert client.get("/openapi.json").json()["info"]["title"] == "AI Meeting API"
