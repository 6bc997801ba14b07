"""Fault injection and request recording across the four platforms."""

from __future__ import annotations

import threading
import time

import httpx2
import pytest

from psn_core.emulator import Emulator, EmulatorConfig
from psn_core.emulator.tiktok import TikTokEmulator

LI_REST = {"LinkedIn-Version": "202505", "X-Restli-Protocol-Version": "2.0.0"}


def _me(emu: Emulator, http: httpx2.Client, platform: str) -> httpx2.Response:
    token = emu.grant_tokens(platform).access_token
    headers = {"Authorization": f"Bearer {token}"}
    if platform == "x":
        return http.get(f"{emu.url_for('x')}/2/users/me", headers=headers)
    if platform == "linkedin":
        return http.get(f"{emu.url_for('linkedin')}/v2/userinfo", headers=headers)
    if platform == "instagram":
        return http.get(f"{emu.url_for('instagram')}/me", params={"access_token": token})
    return http.get(f"{emu.url_for('tiktok')}/v2/user/info/", params={"fields": "open_id"}, headers=headers)


@pytest.mark.parametrize(
    ("spec", "status", "shape"),
    [
        ("x:401*2", 401, lambda b: b["title"] == "Unauthorized"),
        ("x:402", 402, lambda b: b["status"] == 402),
        ("linkedin:401", 401, lambda b: b["code"] == "EXPIRED_ACCESS_TOKEN"),
        ("linkedin:500*3", 500, lambda b: b["status"] == 500),
        ("instagram:401", 400, lambda b: b["error"]["code"] == 190),
        ("instagram:429*1", 429, lambda b: b["error"]["code"] == 80002),
        ("tiktok:503", 503, lambda b: b["error"]["code"] == "internal_error"),
        ("tiktok:429", 429, lambda b: b["error"]["code"] == "rate_limit_exceeded"),
    ],
)
def test_status_fault_uses_the_platform_error_shape_then_clears(
    emu: Emulator, http: httpx2.Client, spec: str, status: int, shape: object
) -> None:
    emu.faults.add(spec)
    platform = spec.split(":")[0]
    count = int(spec.split("*")[1]) if "*" in spec else 1
    for _ in range(count):
        response = _me(emu, http, platform)
        assert response.status_code == status
        assert callable(shape) and shape(response.json())
    assert _me(emu, http, platform).status_code == 200
    assert emu.faults.pending() == []


def test_x_429_fault_carries_rate_limit_headers(emu: Emulator, http: httpx2.Client) -> None:
    emu.faults.add("x:429")
    response = _me(emu, http, "x")
    assert response.status_code == 429
    assert response.headers["x-rate-limit-remaining"] == "0"


def test_endpoint_scoped_fault_spares_other_endpoints(emu: Emulator, http: httpx2.Client) -> None:
    emu.faults.add("x/create_tweet:503")
    token = emu.grant_tokens("x").access_token
    headers = {"Authorization": f"Bearer {token}"}
    assert _me(emu, http, "x").status_code == 200
    assert http.post(f"{emu.url_for('x')}/2/tweets", json={"text": "a"}, headers=headers).status_code == 503
    assert http.post(f"{emu.url_for('x')}/2/tweets", json={"text": "a"}, headers=headers).status_code == 201


def test_unknown_endpoint_in_a_fault_is_rejected(emu: Emulator) -> None:
    with pytest.raises(ValueError, match="no endpoint"):
        emu.faults.add("x/no_such_endpoint:500")


def test_platform_faults_do_not_touch_oauth_endpoints(emu: Emulator, http: httpx2.Client) -> None:
    emu.faults.add("tiktok:500")
    app = emu.default_app("tiktok")
    code = emu.issue_code("tiktok")
    response = http.post(
        f"{emu.url_for('tiktok')}/v2/oauth/token/",
        data={
            "client_key": app.client_id,
            "client_secret": app.client_secret,
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": app.redirect_uri,
        },
    )
    assert response.status_code == 200


def test_revoke_token_fault_makes_tokens_fail(emu: Emulator, http: httpx2.Client) -> None:
    token = emu.grant_tokens("x").access_token
    emu.faults.add("x:revoke_token")
    response = http.get(f"{emu.url_for('x')}/2/users/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    li_token = emu.grant_tokens("linkedin").access_token
    emu.faults.add("linkedin:revoke_token")
    li = http.get(f"{emu.url_for('linkedin')}/v2/userinfo", headers={"Authorization": f"Bearer {li_token}"})
    assert li.json()["code"] == "REVOKED_ACCESS_TOKEN"


def test_timeout_after_write_applies_the_write_then_withholds_the_answer(emu: Emulator, http: httpx2.Client) -> None:
    emu.faults.add("tiktok:timeout_after_write*1")
    token = emu.grant_tokens("tiktok").access_token
    headers = {"Authorization": f"Bearer {token}"}
    with pytest.raises(httpx2.ReadTimeout):
        http.post(
            f"{emu.url_for('tiktok')}/v2/post/publish/video/init/",
            headers=headers,
            timeout=0.5,
            json={
                "post_info": {"privacy_level": "SELF_ONLY"},
                "source_info": {"source": "FILE_UPLOAD", "video_size": 10, "chunk_size": 10, "total_chunk_count": 1},
            },
        )
    tiktok = emu.platform("tiktok")
    assert isinstance(tiktok, TikTokEmulator)
    assert len(tiktok.posting.posts) == 1
    assert [r.endpoint for r in emu.requests][-1] == "video_init"


def test_stop_releases_held_answers() -> None:
    with httpx2.Client(timeout=10) as http:
        emu = Emulator(config=EmulatorConfig(hold_seconds=60), faults=["x:timeout_after_write"])
        emu.start()
        token = emu.grant_tokens("x").access_token
        result: dict[str, int] = {}

        def post() -> None:
            result["status"] = http.post(
                f"{emu.url_for('x')}/2/tweets", json={"text": "held"}, headers={"Authorization": f"Bearer {token}"}
            ).status_code

        worker = threading.Thread(target=post)
        worker.start()
        assert emu.wait_for_requests(1)
        started = time.monotonic()
        emu.stop()
        worker.join(timeout=10)
        assert result["status"] == 201
        assert time.monotonic() - started < 10


def test_requests_are_recorded_with_secrets_masked(emu: Emulator, http: httpx2.Client) -> None:
    token = emu.grant_tokens("instagram").access_token
    http.get(
        f"{emu.url_for('instagram')}/v21.0/me",
        params={"access_token": token, "fields": "id"},
        headers={"Authorization": f"Bearer {token}"},
    )
    app = emu.default_app("linkedin")
    http.post(
        f"{emu.url_for('linkedin')}/oauth/v2/accessToken",
        data={
            "grant_type": "authorization_code",
            "code": "abcdefgh",
            "client_id": app.client_id,
            "client_secret": app.client_secret,
        },
    )
    ig, li = emu.requests[-2:]
    assert ig.path == "/instagram/v21.0/me"
    assert ig.headers["authorization"] == f"Bearer ****{token[-4:]}"
    assert ig.query == {"access_token": f"****{token[-4:]}", "fields": "id"}
    assert token not in ig.model_dump_json()
    assert app.client_secret not in li.body
    assert f"****{app.client_secret[-4:]}" in li.body
    assert li.endpoint == "token"
