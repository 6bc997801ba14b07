"""TikTok emulator: OAuth with PKCE and rotating refresh, creator info, chunked video upload, photos, metrics."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx2

from psn_core.emulator import Emulator, ManualClock, make_pkce_pair

MB = 1024 * 1024


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json; charset=UTF-8"}


def _token(emu: Emulator, http: httpx2.Client, **form: str) -> httpx2.Response:
    app = emu.default_app("tiktok")
    return http.post(
        f"{emu.url_for('tiktok')}/v2/oauth/token/",
        data={"client_key": app.client_id, "client_secret": app.client_secret, **form},
    )


def _code(emu: Emulator, http: httpx2.Client, challenge: str) -> str:
    app = emu.default_app("tiktok")
    response = http.get(
        f"{emu.url_for('tiktok')}/v2/auth/authorize/",
        params={
            "client_key": app.client_id,
            "response_type": "code",
            "scope": "user.info.basic,video.publish",
            "redirect_uri": app.redirect_uri,
            "state": "s",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )
    return parse_qs(urlsplit(response.headers["location"]).query)["code"][0]


def test_tiktok_pkce_exchange_and_rotating_refresh_tokens(emu: Emulator, http: httpx2.Client) -> None:
    verifier, challenge = make_pkce_pair()
    redirect_uri = emu.default_app("tiktok").redirect_uri
    wrong = _token(
        emu,
        http,
        grant_type="authorization_code",
        code=_code(emu, http, challenge),
        redirect_uri=redirect_uri,
        code_verifier="nope",
    )
    assert wrong.json()["error"] == "invalid_grant"
    first = _token(
        emu,
        http,
        grant_type="authorization_code",
        code=_code(emu, http, challenge),
        redirect_uri=redirect_uri,
        code_verifier=verifier,
    ).json()
    assert first["open_id"] == emu.default_user("tiktok").user_id
    assert (first["expires_in"], first["refresh_expires_in"]) == (86400, 365 * 86400)
    second = _token(emu, http, grant_type="refresh_token", refresh_token=first["refresh_token"]).json()
    assert second["refresh_token"] != first["refresh_token"]
    reused = _token(emu, http, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"
    assert "log_id" in reused.json()


def test_tiktok_unaudited_app_may_only_post_self_only(emu: Emulator, http: httpx2.Client) -> None:
    token = emu.grant_tokens("tiktok").access_token
    base = emu.url_for("tiktok")
    info = http.post(f"{base}/v2/post/publish/creator_info/query/", headers=bearer(token)).json()
    assert info["data"]["privacy_level_options"] == ["SELF_ONLY"]
    assert info["error"]["code"] == "ok"
    public = http.post(
        f"{base}/v2/post/publish/video/init/",
        headers=bearer(token),
        json={
            "post_info": {"title": "t", "privacy_level": "PUBLIC_TO_EVERYONE"},
            "source_info": {"source": "FILE_UPLOAD", "video_size": 100, "chunk_size": 100, "total_chunk_count": 1},
        },
    )
    assert public.status_code == 403
    assert public.json()["error"]["code"] == "unaudited_client_can_only_post_to_private_accounts"


def test_tiktok_chunk_rules_are_enforced_at_init(emu: Emulator, http: httpx2.Client) -> None:
    token = emu.grant_tokens("tiktok").access_token
    response = http.post(
        f"{emu.url_for('tiktok')}/v2/post/publish/video/init/",
        headers=bearer(token),
        json={
            "post_info": {"privacy_level": "SELF_ONLY"},
            "source_info": {
                "source": "FILE_UPLOAD",
                "video_size": 70 * MB,
                "chunk_size": 70 * MB,
                "total_chunk_count": 1,
            },
        },
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_params"


def test_tiktok_chunked_upload_processes_to_publish_complete_with_metrics(
    emu: Emulator, http: httpx2.Client, clock: ManualClock
) -> None:
    token = emu.grant_tokens("tiktok").access_token
    base = emu.url_for("tiktok")
    size, chunk = 11 * MB + 7, 5 * MB
    init = http.post(
        f"{base}/v2/post/publish/video/init/",
        headers=bearer(token),
        json={
            "post_info": {"title": "clip", "privacy_level": "SELF_ONLY"},
            "source_info": {"source": "FILE_UPLOAD", "video_size": size, "chunk_size": chunk, "total_chunk_count": 2},
        },
    ).json()["data"]
    publish_id = init["publish_id"]

    def status() -> dict[str, object]:
        data = http.post(
            f"{base}/v2/post/publish/status/fetch/", headers=bearer(token), json={"publish_id": publish_id}
        ).json()["data"]
        assert isinstance(data, dict)
        return data

    first = http.put(
        init["upload_url"],
        content=b"a" * chunk,
        headers={"Content-Type": "video/mp4", "Content-Range": f"bytes 0-{chunk - 1}/{size}"},
    )
    assert first.status_code == 206
    assert status() == {"status": "PROCESSING_UPLOAD", "uploaded_bytes": chunk}
    out_of_order = http.put(
        init["upload_url"],
        content=b"b" * 10,
        headers={"Content-Type": "video/mp4", "Content-Range": f"bytes 0-9/{size}"},
    )
    assert out_of_order.status_code == 416
    last = http.put(
        init["upload_url"],
        content=b"b" * (size - chunk),
        headers={"Content-Type": "video/mp4", "Content-Range": f"bytes {chunk}-{size - 1}/{size}"},
    )
    assert last.status_code == 201
    clock.advance(seconds=31)
    done = status()
    assert done["status"] == "PUBLISH_COMPLETE"
    assert done["publicaly_available_post_id"] == []

    clock.advance(hours=1)
    fields = {"fields": "id,title,view_count,like_count"}
    listed = http.post(f"{base}/v2/video/list/", params=fields, headers=bearer(token), json={"max_count": 10}).json()
    video = listed["data"]["videos"][0]
    assert video["title"] == "clip"
    assert video["view_count"] > 0
    queried = http.post(
        f"{base}/v2/video/query/", params=fields, headers=bearer(token), json={"filters": {"video_ids": [video["id"]]}}
    ).json()
    assert queried["data"]["videos"][0]["id"] == video["id"]


def test_tiktok_photo_post_pulls_urls_and_fails_when_unreachable(
    emu: Emulator, http: httpx2.Client, clock: ManualClock
) -> None:
    token = emu.grant_tokens("tiktok").access_token
    base = emu.url_for("tiktok")
    good = emu.host_media("p.jpg", b"\xff\xd8\xff" + b"0" * 32)

    def post(urls: list[str]) -> str:
        response = http.post(
            f"{base}/v2/post/publish/content/init/",
            headers=bearer(token),
            json={
                "post_info": {"title": "pics", "privacy_level": "SELF_ONLY"},
                "post_mode": "DIRECT_POST",
                "media_type": "PHOTO",
                "source_info": {"source": "PULL_FROM_URL", "photo_cover_index": 0, "photo_images": urls},
            },
        )
        return str(response.json()["data"]["publish_id"])

    ok, bad = post([good, good]), post([f"{emu.base_url}/_media/nothing.jpg"])
    assert (
        http.post(f"{base}/v2/post/publish/status/fetch/", headers=bearer(token), json={"publish_id": ok}).json()[
            "data"
        ]["status"]
        == "PROCESSING_DOWNLOAD"
    )
    clock.advance(seconds=31)
    statuses = [
        http.post(f"{base}/v2/post/publish/status/fetch/", headers=bearer(token), json={"publish_id": pid}).json()[
            "data"
        ]
        for pid in (ok, bad)
    ]
    assert statuses[0]["status"] == "PUBLISH_COMPLETE"
    assert statuses[1]["status"] == "FAILED"
    assert statuses[1]["fail_reason"] == "photo_pull_failed"


def test_tiktok_inbox_upload_ends_in_the_user_inbox(emu: Emulator, http: httpx2.Client, clock: ManualClock) -> None:
    token = emu.grant_tokens("tiktok").access_token
    base = emu.url_for("tiktok")
    init = http.post(
        f"{base}/v2/post/publish/inbox/video/init/",
        headers=bearer(token),
        json={"source_info": {"source": "FILE_UPLOAD", "video_size": 10, "chunk_size": 10, "total_chunk_count": 1}},
    )
    data = init.json()["data"]
    http.put(data["upload_url"], content=b"0123456789", headers={"Content-Range": "bytes 0-9/10"})
    clock.advance(seconds=31)
    status = http.post(
        f"{base}/v2/post/publish/status/fetch/", headers=bearer(token), json={"publish_id": data["publish_id"]}
    ).json()["data"]
    assert status["status"] == "SEND_TO_USER_INBOX"


def test_tiktok_user_info_rate_limit_is_429_rate_limit_exceeded(emu: Emulator, http: httpx2.Client) -> None:
    token = emu.grant_tokens("tiktok").access_token
    url = f"{emu.url_for('tiktok')}/v2/user/info/"
    codes = [
        http.get(url, params={"fields": "open_id,display_name"}, headers=bearer(token)).status_code for _ in range(4)
    ]
    assert codes == [200, 200, 200, 429]
    limited = http.get(url, params={"fields": "open_id"}, headers=bearer(token)).json()
    assert limited["error"]["code"] == "rate_limit_exceeded"
