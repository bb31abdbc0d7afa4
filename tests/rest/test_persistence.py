"""A restart keeps users, meetings, participants, files, revocations and the signing secret."""

from __future__ import annotations

import hashlib
import os
import stat

import httpx

from server_impl.auth.secret import SECRET_FILE
from tests.conftest import LiveServer, ServerFactory, SettingsFactory, register_user

from .helpers import create_meeting, join


def test_everything_survives_a_restart(
    make_settings: SettingsFactory, start_server: ServerFactory
) -> None:
    settings = make_settings(jwt_secret=None)  # generated and persisted on first start
    first = start_server(settings)
    content = os.urandom(10_000)
    with first.client() as api:
        host, guest, leaver = register_user(api), register_user(api), register_user(api)
        meeting = create_meeting(api, host, title="持久化", password="pass1234")
        join(api, host, meeting["meeting_number"], password="pass1234")
        join(api, guest, meeting["meeting_number"], password="pass1234", video_muted=True)
        file_meta = api.post(
            f"/meetings/{meeting['id']}/files",
            files={"file": ("a.bin", content, "application/octet-stream")},
            headers=guest.headers,
        ).json()["data"]
        assert api.post("/auth/logout", headers=leaver.headers).status_code == 200
        rotated = api.post("/auth/refresh", json={"refresh_token": host.refresh_token})
        assert rotated.status_code == 200
    first.stop()

    secret_path = settings.data_dir / SECRET_FILE
    assert stat.S_IMODE(secret_path.stat().st_mode) == 0o600

    second = start_server(settings)
    with second.client() as api:
        # tokens issued before the restart still verify (same persisted secret)
        assert api.get("/users/me", headers=guest.headers).status_code == 200
        # the revoked one stays revoked, the spent refresh token stays spent
        assert api.get("/users/me", headers=leaver.headers).status_code == 401
        spent = api.post("/auth/refresh", json={"refresh_token": host.refresh_token})
        assert spent.status_code == 401
        login = api.post("/auth/login", json={"email": host.email, "password": host.password})
        assert login.status_code == 200
        detail = api.get(f"/meetings/{meeting['id']}", headers=host.headers).json()["data"]
        assert detail["title"] == "持久化" and detail["status"] == "active"
        assert detail["has_password"] is True
        assert [(p["user_id"], p["video_muted"]) for p in detail["participants"]] == [
            (host.id, False),
            (guest.id, True),
        ]
        download = api.get(
            f"/meetings/{meeting['id']}/files/{file_meta['id']}", headers=host.headers
        )
        assert download.content == content
        assert download.headers["x-content-sha256"] == hashlib.sha256(content).hexdigest()
        assert join(api, register_user(api), meeting["meeting_number"]).status_code == 403
    second.stop()


def test_configured_secret_is_used_and_not_written(
    make_settings: SettingsFactory, start_server: ServerFactory
) -> None:
    settings = make_settings()  # jwt_secret configured
    server: LiveServer = start_server(settings)
    with server.client() as api:
        user = register_user(api)
        assert isinstance(user.access_token, str)
    server.stop()
    assert not (settings.data_dir / SECRET_FILE).exists()


def test_a_different_secret_invalidates_old_tokens(
    make_settings: SettingsFactory, start_server: ServerFactory
) -> None:
    settings = make_settings()
    first = start_server(settings)
    with first.client() as api:
        user = register_user(api)
    first.stop()
    second = start_server(settings.replace(jwt_secret="rotated-" + "z" * 40))
    with httpx.Client(base_url=second.api_url) as api:
        assert api.get("/users/me", headers=user.headers).status_code == 401
    second.stop()
