"""REST side of `contractkit mock`, over a real socket: every operation, every documented
response, and the error paths (validation, auth, routing)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from generators.ir import ApiIR
from tests.mock.mock_support import (
    AUTH,
    assert_error,
    assert_valid,
    example_path,
    example_request,
    load_ir,
    response_for,
)

OPS = [
    "get_health",
    "register_user",
    "login_user",
    "refresh_token",
    "logout_user",
    "get_current_user",
    "update_profile",
    "change_password",
    "list_meetings",
    "create_meeting",
    "join_meeting",
    "get_meeting_detail",
    "leave_meeting",
    "end_meeting",
    "list_meeting_files",
    "upload_meeting_file",
    "download_meeting_file",
    "recognize_speech",
    "detect_emotion",
    "enhance_audio",
]


@pytest.fixture(scope="module")
def client(origin: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"http://{origin}", timeout=10) as c:
        yield c


def test_op_list_covers_the_contract(ir: ApiIR) -> None:
    assert sorted(OPS) == sorted(op.operation_id for op in ir.operations)


@pytest.mark.parametrize("operation_id", OPS)
def test_every_operation_answers_its_success_example(
    ir: ApiIR, client: httpx.Client, operation_id: str
) -> None:
    op = ir.operation(operation_id)
    resp = client.request(op.method, example_path(ir, op), **example_request(ir, op))
    success = op.success
    assert resp.status_code == success.status, resp.text
    assert resp.headers["content-type"].startswith(success.content_type or "")
    example = success.examples["default"]
    if success.is_binary:
        assert resp.content == str(example).encode()
        for header in success.headers:
            assert resp.headers.get(header.name), header.name
            assert_valid(ir, header.json_schema, resp.headers[header.name])
    else:
        assert success.json_schema is not None
        assert_valid(ir, success.json_schema, resp.json())
        assert resp.json() == example


DOCUMENTED = [(op.operation_id, r.status) for op in load_ir().operations for r in op.responses]


@pytest.mark.parametrize(("operation_id", "status"), DOCUMENTED)
def test_prefer_code_selects_every_documented_response(
    ir: ApiIR, client: httpx.Client, operation_id: str, status: int
) -> None:
    op = ir.operation(operation_id)
    kwargs = example_request(ir, op)
    kwargs["headers"] = {**kwargs["headers"], "Prefer": f"code={status}"}
    resp = client.request(op.method, example_path(ir, op), **kwargs)
    assert resp.status_code == status
    documented = response_for(op, status)
    if not documented.is_binary and documented.json_schema is not None:
        assert_valid(ir, documented.json_schema, resp.json())
        assert resp.json() == next(iter(documented.examples.values()))
    for header in documented.headers:
        assert_valid(ir, header.json_schema, _typed(header.json_schema, resp.headers[header.name]))


def _typed(schema: dict[str, Any], raw: str) -> Any:
    return int(raw) if schema.get("type") == "integer" else raw


def test_prefer_example_picks_a_named_example(ir: ApiIR, client: httpx.Client) -> None:
    path = f"{ir.base_path}/meetings/meeting_1"
    for prefer in ("example=meeting_not_found", "code=404, example=meeting_not_found"):
        resp = client.get(path, headers={**AUTH, "Prefer": prefer})
        assert_error(ir, resp, 40402)
    resp = client.get(path, headers=AUTH, params={"__code": "404", "__example": "file_not_found"})
    assert_error(ir, resp, 40403)


@pytest.mark.parametrize(
    "prefer", ["code=418", "code=abc", "example=nope", "code=500, example=meeting_not_found"]
)
def test_prefer_for_something_undocumented_is_rejected(
    ir: ApiIR, client: httpx.Client, prefer: str
) -> None:
    resp = client.get(f"{ir.base_path}/meetings/m1", headers={**AUTH, "Prefer": prefer})
    body = assert_error(ir, resp, 40004)
    assert body["details"]["field"] == "Prefer"


@pytest.mark.parametrize(
    "operation_id",
    [o for o in OPS if o not in {"get_health", "register_user", "login_user", "refresh_token"}],
)
@pytest.mark.parametrize("authorization", [None, "Basic dXNlcjpwdw==", "Bearer", "Token abc"])
def test_secured_operations_need_a_bearer_token(
    ir: ApiIR, client: httpx.Client, operation_id: str, authorization: str | None
) -> None:
    op = ir.operation(operation_id)
    assert op.secured
    kwargs = example_request(ir, op)
    kwargs["headers"] = {"Authorization": authorization} if authorization else {}
    resp = client.request(op.method, example_path(ir, op), **kwargs)
    assert_error(ir, resp, 40103)
    assert resp.headers["www-authenticate"] == "Bearer"


def test_unsecured_operations_need_no_token(ir: ApiIR) -> None:
    assert {o.operation_id for o in ir.operations if not o.secured} == {
        "get_health",
        "register_user",
        "login_user",
        "refresh_token",
    }


BAD_BODIES = [
    # operation, body, expected code, expected field
    (
        "register_user",
        {"email": "nope", "password": "Password123", "nickname": "张三"},
        40001,
        "email",
    ),
    (
        "register_user",
        {"email": "a@example.com", "password": "short", "nickname": "张三"},
        40002,
        "password",
    ),
    ("register_user", {"email": "a@example.com", "password": "Password123"}, 40003, "nickname"),
    (
        "register_user",
        {"email": "a@example.com", "password": "Password123", "nickname": "x"},
        40004,
        "nickname",
    ),
    (
        "register_user",
        {"email": "a@example.com", "password": "Password123", "nickname": "张三", "role": "admin"},
        40004,
        "body",
    ),
    ("register_user", [1, 2], 40004, "body"),
    ("login_user", {"password": "x"}, 40003, "email"),
    (
        "change_password",
        {"old_password": "Password123", "new_password": "abcdefgh"},
        40002,
        "new_password",
    ),
    ("update_profile", {}, 40004, "body"),
    ("update_profile", {"avatar": 42}, 40004, "avatar"),
    ("create_meeting", {"max_participants": 99}, 40004, "max_participants"),
    ("join_meeting", {"audio_muted": "yes"}, 40004, "audio_muted"),
    ("recognize_speech", {"audio_format": "mp3", "audio_data": "AAAA"}, 40004, "audio_format"),
    ("enhance_audio", {"audio_data": "AAAA", "audio_format": "wav"}, 40003, "enhancement_type"),
]


@pytest.mark.parametrize(("operation_id", "body", "code", "field"), BAD_BODIES)
def test_invalid_json_bodies_get_the_mapped_code(
    ir: ApiIR, client: httpx.Client, operation_id: str, body: Any, code: int, field: str
) -> None:
    op = ir.operation(operation_id)
    resp = client.request(op.method, example_path(ir, op), json=body, headers=AUTH)
    details = assert_error(ir, resp, code)["details"]
    assert details["field"] == field
    assert details["in"] == "body"


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"{", "application/json"),
        (b'{"email": NaN}', "application/json"),
        (b"\xff\xfe", "application/json"),
        (b'{"email": "a@example.com"}', "text/plain"),
        (b'{"email": "a@example.com"}', "application/x-www-form-urlencoded"),
    ],
)
def test_malformed_bodies_get_40005(
    ir: ApiIR, client: httpx.Client, content: bytes, content_type: str
) -> None:
    resp = client.post(
        f"{ir.base_path}/auth/login", content=content, headers={"Content-Type": content_type}
    )
    assert_error(ir, resp, 40005)


def test_required_body_missing_is_40003(ir: ApiIR, client: httpx.Client) -> None:
    resp = client.post(f"{ir.base_path}/auth/login")
    assert assert_error(ir, resp, 40003)["details"]["field"] == "body"


def test_optional_body_may_be_omitted(ir: ApiIR, client: httpx.Client) -> None:
    resp = client.post(f"{ir.base_path}/meetings", headers=AUTH)
    assert resp.status_code == 201


@pytest.mark.parametrize(
    ("params", "code", "field"),
    [
        ({"limit": "0"}, 40004, "limit"),
        ({"limit": "abc"}, 40004, "limit"),
        ({"limit": ""}, 40004, "limit"),
        ({"page": "1.5"}, 40004, "page"),
        ({"type": "all"}, 40004, "type"),
        ({"status": "paused"}, 40004, "status"),
    ],
)
def test_invalid_query_parameters(
    ir: ApiIR, client: httpx.Client, params: dict[str, str], code: int, field: str
) -> None:
    resp = client.get(f"{ir.base_path}/meetings", params=params, headers=AUTH)
    details = assert_error(ir, resp, code)["details"]
    assert (details["field"], details["in"]) == (field, "query")


def test_valid_query_parameters(ir: ApiIR, client: httpx.Client) -> None:
    params = {"type": "history", "status": "ended", "page": "2", "limit": "100", "other": "x"}
    assert client.get(f"{ir.base_path}/meetings", params=params, headers=AUTH).status_code == 200


def test_invalid_path_parameter(ir: ApiIR, client: httpx.Client) -> None:
    resp = client.post(f"{ir.base_path}/meetings/12345/join", headers=AUTH)
    details = assert_error(ir, resp, 40004)["details"]
    assert (details["field"], details["in"]) == ("meeting_number", "path")
    resp = client.get(f"{ir.base_path}/meetings/{'m' * 65}", headers=AUTH)
    assert assert_error(ir, resp, 40004)["details"]["field"] == "meeting_id"


@pytest.mark.parametrize(
    "path", ["/v1/nope", "/health", "/v1/health/", "/v1/meetings/a/b/c/d", "/v1/ws", "/"]
)
def test_unknown_route_is_40404(ir: ApiIR, client: httpx.Client, path: str) -> None:
    assert_error(ir, client.get(path, headers=AUTH), 40404)


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", "/users/me", "GET, PATCH"),
        ("PUT", "/meetings", "GET, POST"),
        ("GET", "/auth/login", "POST"),
        ("DELETE", "/meetings/m1/files/f1", "GET"),
        ("OPTIONS", "/health", "GET"),
    ],
)
def test_wrong_method_is_405_with_allow(
    ir: ApiIR, client: httpx.Client, method: str, path: str, allow: str
) -> None:
    resp = client.request(method, ir.base_path + path, headers=AUTH)
    assert_error(ir, resp, 40501)
    assert resp.headers["allow"] == allow


def test_literal_segments_win_over_parameters(ir: ApiIR, client: httpx.Client) -> None:
    resp = client.get(f"{ir.base_path}/users/me", headers=AUTH)
    assert resp.json()["data"]["id"] == "user_123456789"


def test_upload_requires_the_file_part(ir: ApiIR, client: httpx.Client) -> None:
    url = f"{ir.base_path}/meetings/m1/files"
    resp = client.post(
        url, data={"file_type": "document"}, files={"other": ("a", b"x")}, headers=AUTH
    )
    assert assert_error(ir, resp, 40003)["details"]["field"] == "file"
    resp = client.post(url, data={"file": "not a file part"}, files={"x": ("a", b"")}, headers=AUTH)
    assert assert_error(ir, resp, 40004)["details"]["field"] == "file"
    resp = client.post(
        url, data={"file_type": "spreadsheet"}, files={"file": ("a", b"x")}, headers=AUTH
    )
    assert assert_error(ir, resp, 40004)["details"]["field"] == "file_type"
    resp = client.post(url, json={"file": "x"}, headers=AUTH)
    assert_error(ir, resp, 40005)
    resp = client.post(url, files={"file": ("minutes.pdf", b"%PDF-1.4")}, headers=AUTH)
    assert resp.status_code == 201


def test_download_serves_example_bytes_with_documented_headers(
    ir: ApiIR, client: httpx.Client
) -> None:
    resp = client.get(f"{ir.base_path}/meetings/m1/files/f1", headers=AUTH)
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/octet-stream"
    assert resp.content == "会议纪要内容".encode()
    assert resp.headers["content-disposition"].startswith("attachment")
    assert len(resp.headers["x-content-sha256"]) == 64


def test_cors_preflight_and_exposed_headers(ir: ApiIR, client: httpx.Client) -> None:
    origin = "http://localhost:5173"
    resp = client.options(
        f"{ir.base_path}/meetings",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type,prefer",
        },
    )
    assert resp.status_code == 200
    assert resp.headers["access-control-allow-origin"] in ("*", origin)
    resp = client.get(f"{ir.base_path}/meetings/m1/files/f1", headers={**AUTH, "Origin": origin})
    exposed = resp.headers["access-control-expose-headers"].lower()
    assert "x-content-sha256" in exposed and "content-disposition" in exposed
