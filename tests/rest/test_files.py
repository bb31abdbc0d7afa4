"""Meeting files: upload, list, download, integrity, size limits, sanitizing, access."""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ApiUser, LiveServer, ServerFactory, UserFactory, register_user

from .helpers import assert_error, create_meeting, join, sql


def upload(
    client: httpx.Client,
    user: ApiUser,
    meeting_id: str,
    content: bytes,
    filename: str = "minutes.pdf",
    content_type: str = "application/pdf",
    file_type: str | None = None,
) -> httpx.Response:
    data = {"file_type": file_type} if file_type else None
    return client.post(
        f"/meetings/{meeting_id}/files",
        files={"file": (filename, content, content_type)},
        data=data,
        headers=user.headers,
    )


Room = tuple[dict[str, Any], ApiUser, ApiUser]


@pytest.fixture
def room(api: httpx.Client, make_user: UserFactory) -> Room:
    """A meeting, its host, and a guest who joined it."""
    host, guest = make_user(), make_user()
    meeting = create_meeting(api, host)
    assert join(api, guest, meeting["meeting_number"]).status_code == 200
    return meeting, host, guest


def test_upload_list_download_round_trip(api: httpx.Client, room: Room) -> None:
    meeting, host, guest = room
    content = os.urandom(300_000) + b"end"
    response = upload(api, guest, meeting["id"], content, file_type="document")
    assert response.status_code == 201 and response.json()["message"] == "文件上传成功"
    meta = response.json()["data"]
    assert meta["meeting_id"] == meeting["id"] and meta["uploader_id"] == guest.id
    assert meta["filename"] == "minutes.pdf" and meta["content_type"] == "application/pdf"
    assert meta["file_type"] == "document" and meta["size"] == len(content)
    assert meta["sha256"] == hashlib.sha256(content).hexdigest()

    listing = api.get(f"/meetings/{meeting['id']}/files", headers=host.headers)
    assert listing.status_code == 200
    assert listing.json()["data"]["files"] == [meta]

    download = api.get(f"/meetings/{meeting['id']}/files/{meta['id']}", headers=host.headers)
    assert download.status_code == 200
    assert download.content == content
    assert download.headers["content-type"] == "application/octet-stream"
    assert download.headers["x-content-sha256"] == meta["sha256"]
    assert download.headers["content-disposition"].startswith('attachment; filename="minutes.pdf"')


def test_list_is_newest_first_and_type_is_inferred(api: httpx.Client, room: Room) -> None:
    meeting, host, _ = room
    first = upload(api, host, meeting["id"], b"a", "a.png", "image/png").json()["data"]
    second = upload(api, host, meeting["id"], b"b", "b.bin", "application/x-thing").json()["data"]
    assert first["file_type"] == "image" and second["file_type"] == "other"
    files = api.get(f"/meetings/{meeting['id']}/files", headers=host.headers).json()["data"]
    assert [f["id"] for f in files["files"]] == [second["id"], first["id"]]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("/absolute/path/report.txt", "report.txt"),
        ("..", "file"),
        ("a\u202eb<c>|.txt", "abc.txt"),
        ("会议纪要.docx", "会议纪要.docx"),
        ("x" * 300 + ".pdf", "x" * 251 + ".pdf"),
    ],
)
def test_filenames_are_sanitized_and_never_reach_the_disk(
    api: httpx.Client, server: LiveServer, room: Room, name: str, expected: str
) -> None:
    meeting, host, _ = room
    response = upload(api, host, meeting["id"], b"data", name, "text/plain")
    assert response.status_code == 201, response.text
    assert response.json()["data"]["filename"] == expected
    [(key,)] = sql(
        server.settings,
        "SELECT storage_key FROM files WHERE id = :id",
        id=response.json()["data"]["id"],
    )
    root = server.settings.effective_files_dir.resolve()
    stored = (root / key[:2] / key).resolve()
    assert stored.is_file() and stored.is_relative_to(root)
    assert name not in str(stored) and expected not in stored.name


def test_download_header_encodes_non_ascii_names(api: httpx.Client, room: Room) -> None:
    meeting, host, _ = room
    meta = upload(api, host, meeting["id"], b"x", "会议纪要.txt", "text/plain").json()["data"]
    response = api.get(f"/meetings/{meeting['id']}/files/{meta['id']}", headers=host.headers)
    disposition = response.headers["content-disposition"]
    assert 'filename="____.txt"' in disposition
    assert "filename*=UTF-8''%E4%BC%9A%E8%AE%AE%E7%BA%AA%E8%A6%81.txt" in disposition


def test_empty_file_is_accepted(api: httpx.Client, room: Room) -> None:
    meeting, host, _ = room
    meta = upload(api, host, meeting["id"], b"").json()["data"]
    assert meta["size"] == 0 and meta["sha256"] == hashlib.sha256(b"").hexdigest()


def test_upload_without_file_part_is_400(api: httpx.Client, room: Room) -> None:
    meeting, host, _ = room
    response = api.post(
        f"/meetings/{meeting['id']}/files",
        files={"file_type": (None, "document")},  # multipart, but no `file` part
        headers=host.headers,
    )
    assert_error(response, 400, 40003)


def test_upload_as_urlencoded_form_is_400(api: httpx.Client, room: Room) -> None:
    meeting, host, _ = room
    response = api.post(
        f"/meetings/{meeting['id']}/files", data={"file_type": "document"}, headers=host.headers
    )
    assert_error(response, 400, 40005)


def test_upload_with_bad_file_type_is_400(api: httpx.Client, room: Room) -> None:
    meeting, host, _ = room
    assert_error(upload(api, host, meeting["id"], b"x", file_type="spreadsheet"), 400, 40004)


# ---------------------------------------------------------------------- access
def test_strangers_get_404_on_every_file_route(
    api: httpx.Client, room: Room, make_user: UserFactory
) -> None:
    meeting, host, _ = room
    meta = upload(api, host, meeting["id"], b"secret").json()["data"]
    stranger = make_user()
    base = f"/meetings/{meeting['id']}/files"
    assert_error(upload(api, stranger, meeting["id"], b"x"), 404, 40402)
    assert_error(api.get(base, headers=stranger.headers), 404, 40402)
    assert_error(api.get(f"{base}/{meta['id']}", headers=stranger.headers), 404, 40402)


def test_a_file_is_only_reachable_through_its_own_meeting(
    api: httpx.Client, room: Room, make_user: UserFactory
) -> None:
    meeting, host, _ = room
    meta = upload(api, host, meeting["id"], b"secret").json()["data"]
    other = create_meeting(api, host)
    response = api.get(f"/meetings/{other['id']}/files/{meta['id']}", headers=host.headers)
    assert_error(response, 404, 40403)


@pytest.mark.parametrize("file_id", ["file_000000000000000000000000", "nope", "..%2F..%2Fx"])
def test_unknown_file_ids_are_404(api: httpx.Client, room: Room, file_id: str) -> None:
    meeting, host, _ = room
    response = api.get(f"/meetings/{meeting['id']}/files/{file_id}", headers=host.headers)
    assert response.status_code == 404
    assert response.json()["code"] in (40403, 40404)


def test_past_participants_keep_access_but_ended_meetings_take_no_uploads(
    api: httpx.Client, room: Room
) -> None:
    meeting, host, guest = room
    meta = upload(api, guest, meeting["id"], b"notes").json()["data"]
    api.post(f"/meetings/{meeting['id']}/leave", headers=guest.headers)
    api.post(f"/meetings/{meeting['id']}/end", headers=host.headers)
    download = api.get(f"/meetings/{meeting['id']}/files/{meta['id']}", headers=guest.headers)
    assert download.content == b"notes"
    assert_error(upload(api, guest, meeting["id"], b"late"), 409, 40903)


# ---------------------------------------------------------------------- size limit
@pytest.fixture(scope="module")
def small_server(start_server: ServerFactory) -> LiveServer:
    """Uploads capped at 100 KiB."""
    return start_server(max_upload_bytes=100 * 1024)


def _small_room(client: httpx.Client) -> tuple[ApiUser, str]:
    host = register_user(client)
    return host, create_meeting(client, host)["id"]


def test_file_at_the_limit_is_accepted_and_one_byte_more_is_413(small_server: LiveServer) -> None:
    with small_server.client() as client:
        host, meeting_id = _small_room(client)
        ok = upload(client, host, meeting_id, b"a" * (100 * 1024))
        assert ok.status_code == 201
        too_big = upload(client, host, meeting_id, b"a" * (100 * 1024 + 1))
        body = assert_error(too_big, 413, 41301)
        assert body["details"] == {"max_bytes": 100 * 1024}


def test_declared_oversize_body_is_refused_before_reading(small_server: LiveServer) -> None:
    with small_server.client() as client:
        host, meeting_id = _small_room(client)
        response = upload(client, host, meeting_id, b"a" * (400 * 1024))
        assert_error(response, 413, 41301)


def test_chunked_oversize_upload_is_cut_off_while_streaming(small_server: LiveServer) -> None:
    boundary = secrets.token_hex(8)

    def body() -> Iterator[bytes]:
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n'
        )
        yield head.encode()
        for _ in range(64):  # 4 MiB in 64 KiB chunks, no Content-Length
            yield b"b" * 65536
        yield f"\r\n--{boundary}--\r\n".encode()

    files_dir = Path(small_server.settings.effective_files_dir)
    before = sorted(files_dir.rglob("*")) if files_dir.exists() else []
    with small_server.client() as client:
        host, meeting_id = _small_room(client)
        response = client.post(
            f"/meetings/{meeting_id}/files",
            content=body(),
            headers={**host.headers, "Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        assert_error(response, 413, 41301)
        listing = client.get(f"/meetings/{meeting_id}/files", headers=host.headers)
        assert listing.json()["data"]["files"] == []
    after = sorted(files_dir.rglob("*")) if files_dir.exists() else []
    assert after == before  # nothing stored, no partial file left behind


def test_chunked_upload_within_the_limit_is_stored(small_server: LiveServer) -> None:
    content = os.urandom(50_000)
    boundary = secrets.token_hex(8)

    def body() -> Iterator[bytes]:
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="small.bin"\r\nContent-Type: application/octet-stream\r\n\r\n'
        ).encode()
        yield content[:20_000]
        yield content[20_000:]
        yield f"\r\n--{boundary}--\r\n".encode()

    with small_server.client() as client:
        host, meeting_id = _small_room(client)
        response = client.post(
            f"/meetings/{meeting_id}/files",
            content=body(),
            headers={**host.headers, "Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        assert response.status_code == 201, response.text
        assert response.json()["data"]["sha256"] == hashlib.sha256(content).hexdigest()
