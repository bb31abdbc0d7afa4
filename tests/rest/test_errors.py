"""Every error is `{code, message, details?}`; bad bytes are 400; nothing is a 500."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import UserFactory

from .helpers import assert_error


def test_unknown_route_is_404_40404(api: httpx.Client) -> None:
    assert_error(api.get("/no/such/route"), 404, 40404)
    assert_error(api.get("/../../etc/passwd"), 404, 40404)


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("delete", "/health", {"GET"}),
        ("put", "/auth/login", {"POST"}),
        ("delete", "/meetings", {"GET", "POST"}),
        ("post", "/users/me", {"GET", "PATCH"}),
    ],
)
def test_wrong_method_is_405_with_allow(
    api: httpx.Client, method: str, path: str, allowed: set[str]
) -> None:
    response = api.request(method, path)
    assert_error(response, 405, 40501)
    advertised = {m.strip() for m in response.headers["Allow"].split(",")}
    assert allowed <= advertised <= allowed | {"HEAD", "OPTIONS"}


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"email": "a@example.com", "password": ', "application/json"),
        (b"not json at all", "application/json"),
        (b'{"email": "\xff\xfe", "password": "x"}', "application/json"),
        (b"\xc3\x28", "application/json"),
        (b"email=a@example.com&password=x", "application/x-www-form-urlencoded"),
        (b'{"email": "a@example.com", "password": "x"}', "text/plain"),
        (b"[1, 2, 3]", "application/json"),
    ],
)
def test_bad_bytes_and_wrong_content_types_are_400(
    api: httpx.Client, content: bytes, content_type: str
) -> None:
    response = api.post("/auth/login", content=content, headers={"Content-Type": content_type})
    assert response.status_code == 400, response.text
    assert response.json()["code"] in (40003, 40004, 40005)


def test_json_with_lone_surrogate_is_400(api: httpx.Client, make_user: UserFactory) -> None:
    user = make_user()
    response = api.patch(
        "/users/me",
        content=b'{"nickname": "ab\\ud800cd"}',
        headers={**user.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["code"] in (40004, 40005)


def test_json_with_escaped_nul_is_400_on_every_backend(
    api: httpx.Client, make_user: UserFactory
) -> None:
    user = make_user()
    response = api.post(
        "/meetings",
        content=b'{"title": "a\\u0000b"}',
        headers={**user.headers, "Content-Type": "application/json"},
    )
    assert_error(response, 400, 40004)


def test_login_email_with_nul_is_400_not_500(api: httpx.Client) -> None:
    response = api.post(
        "/auth/login",
        content=b'{"email": "a\\u0000@example.com", "password": "x"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400


def test_missing_body_is_400(api: httpx.Client) -> None:
    assert_error(api.post("/auth/login"), 400, 40003)


def test_a_whitespace_body_is_malformed_json_even_where_the_body_is_optional(
    api: httpx.Client, make_user: UserFactory
) -> None:
    headers = {**make_user().headers, "Content-Type": "application/json"}
    assert_error(api.post("/meetings", content=b"\n", headers=headers), 400, 40005)
    assert api.post("/meetings", headers=make_user().headers).status_code == 201  # no body


def test_additional_properties_are_rejected(api: httpx.Client) -> None:
    response = api.post(
        "/auth/login", json={"email": "a@example.com", "password": "x", "admin": True}
    )
    assert_error(response, 400, 40004)


def test_missing_token_is_401_with_www_authenticate(api: httpx.Client) -> None:
    response = api.get("/meetings")
    assert_error(response, 401, 40103)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_error_bodies_are_json_with_the_table_message(api: httpx.Client) -> None:
    response = api.get("/nope")
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"code": 40404, "message": "接口不存在"}


def test_openapi_document_is_served(api: httpx.Client) -> None:
    response = api.get("/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"] == "3.0.3" and "/meetings" in document["paths"]


def test_swagger_ui_is_served(api: httpx.Client) -> None:
    response = api.get("/ui/")
    assert response.status_code == 200 and "swagger-ui" in response.text
    assert api.get("/ui/static/swagger-ui-bundle.js").status_code == 200


def test_chunked_json_body_is_read(api: httpx.Client, make_user: UserFactory) -> None:
    """Connexion treats a body without Content-Length as missing; the server spools it."""
    user = make_user()

    def chunks() -> Iterator[bytes]:
        yield b'{"email": "' + user.email.encode()
        yield b'", "password": "' + user.password.encode() + b'"}'

    response = api.post(
        "/auth/login", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200, response.text
