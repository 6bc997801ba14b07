"""Instagram emulator: Business Login tokens, containers fetched from URLs, publishing, insights, limits."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import httpx2

from psn_core.emulator import Emulator, ManualClock

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


def _ig(emu: Emulator) -> tuple[str, str, str]:
    return (
        emu.url_for("instagram") + "/v21.0",
        emu.grant_tokens("instagram").access_token,
        emu.default_user("instagram").user_id,
    )


def test_instagram_login_exchanges_code_then_long_lived_then_refreshes(
    emu: Emulator, http: httpx2.Client, clock: ManualClock
) -> None:
    app = emu.default_app("instagram")
    base = emu.url_for("instagram")
    redirect = http.get(
        f"{base}/oauth/authorize",
        params={
            "client_id": app.client_id,
            "redirect_uri": app.redirect_uri,
            "response_type": "code",
            "scope": "instagram_business_basic,instagram_business_content_publish",
            "state": "s1",
        },
    )
    code = parse_qs(urlsplit(redirect.headers["location"]).query)["code"][0]
    short = http.post(
        f"{base}/oauth/access_token",
        data={
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "grant_type": "authorization_code",
            "redirect_uri": app.redirect_uri,
            "code": code,
        },
    ).json()["data"][0]
    assert short["user_id"] == emu.default_user("instagram").user_id
    long = http.get(
        f"{base}/access_token",
        params={
            "grant_type": "ig_exchange_token",
            "client_secret": app.client_secret,
            "access_token": short["access_token"],
        },
    ).json()
    assert long["expires_in"] == 60 * 86400
    too_soon = http.get(
        f"{base}/refresh_access_token", params={"grant_type": "ig_refresh_token", "access_token": long["access_token"]}
    )
    assert too_soon.status_code == 400
    clock.advance(days=2)
    refreshed = http.get(
        f"{base}/refresh_access_token", params={"grant_type": "ig_refresh_token", "access_token": long["access_token"]}
    )
    assert refreshed.status_code == 200
    assert refreshed.json()["access_token"] != long["access_token"]


def test_instagram_image_container_finishes_after_processing_and_publishes(
    emu: Emulator, http: httpx2.Client, clock: ManualClock
) -> None:
    base, token, user_id = _ig(emu)
    url = emu.host_media("cat.png", PNG, "image/png")
    container = http.post(
        f"{base}/{user_id}/media", params={"image_url": url, "caption": "hi", "access_token": token}
    ).json()["id"]
    status = http.get(f"{base}/{container}", params={"fields": "status_code", "access_token": token}).json()
    assert status["status_code"] == "IN_PROGRESS"
    early = http.post(f"{base}/{user_id}/media_publish", params={"creation_id": container, "access_token": token})
    assert early.json()["error"]["error_subcode"] == 2207027
    clock.advance(seconds=31)
    assert (
        http.get(f"{base}/{container}", params={"fields": "status_code", "access_token": token}).json()["status_code"]
        == "FINISHED"
    )
    media_id = http.post(
        f"{base}/{user_id}/media_publish", params={"creation_id": container, "access_token": token}
    ).json()["id"]
    limit = http.get(
        f"{base}/{user_id}/content_publishing_limit", params={"fields": "config,quota_usage", "access_token": token}
    ).json()["data"][0]
    assert limit["quota_usage"] == 1
    clock.advance(hours=2)
    insights = http.get(
        f"{base}/{media_id}/insights", params={"metric": "views,reach,likes", "access_token": token}
    ).json()["data"]
    assert {row["name"] for row in insights} == {"views", "reach", "likes"}
    assert insights[0]["values"][0]["value"] > 0
    deprecated = http.get(f"{base}/{media_id}/insights", params={"metric": "impressions", "access_token": token})
    assert deprecated.status_code == 400
    listed = http.get(f"{base}/{user_id}/media", params={"fields": "id,caption", "access_token": token}).json()
    assert listed["data"][0] == {"id": media_id, "caption": "hi"}


def test_instagram_unreachable_url_puts_container_in_error(emu: Emulator, http: httpx2.Client) -> None:
    base, token, user_id = _ig(emu)
    container = http.post(
        f"{base}/{user_id}/media", params={"image_url": f"{emu.base_url}/_media/missing.jpg", "access_token": token}
    ).json()["id"]
    status = http.get(f"{base}/{container}", params={"fields": "status_code,status", "access_token": token}).json()
    assert status["status_code"] == "ERROR"
    assert "2207052" in status["status"]


def test_instagram_carousel_waits_for_children_and_needs_two_to_ten(
    emu: Emulator, http: httpx2.Client, clock: ManualClock
) -> None:
    base, token, user_id = _ig(emu)
    url = emu.host_media("a.png", PNG, "image/png")
    children = [
        http.post(
            f"{base}/{user_id}/media", data={"image_url": url, "is_carousel_item": "true", "access_token": token}
        ).json()["id"]
        for _ in range(2)
    ]
    lonely = http.post(
        f"{base}/{user_id}/media", data={"media_type": "CAROUSEL", "children": children[0], "access_token": token}
    )
    assert lonely.status_code == 400
    parent = http.post(
        f"{base}/{user_id}/media",
        data={"media_type": "CAROUSEL", "children": ",".join(children), "access_token": token},
    ).json()["id"]
    clock.advance(seconds=31)
    assert (
        http.get(f"{base}/{parent}", params={"fields": "status_code", "access_token": token}).json()["status_code"]
        == "FINISHED"
    )


def test_instagram_reel_stuck_container_fault_stays_in_progress(
    emu: Emulator, http: httpx2.Client, clock: ManualClock
) -> None:
    emu.faults.add("instagram:stuck_container")
    base, token, user_id = _ig(emu)
    url = emu.host_media("v.mp4", b"\x00\x00\x00\x18ftypmp42", "video/mp4")
    container = http.post(
        f"{base}/{user_id}/media", data={"media_type": "REELS", "video_url": url, "access_token": token}
    ).json()["id"]
    clock.advance(hours=3)
    assert (
        http.get(f"{base}/{container}", params={"fields": "status_code", "access_token": token}).json()["status_code"]
        == "IN_PROGRESS"
    )


def test_instagram_usage_header_and_throttle_at_the_hourly_limit(emu: Emulator, http: httpx2.Client) -> None:
    base, token, user_id = _ig(emu)
    usages = []
    for _ in range(10):
        response = http.get(f"{base}/me", params={"fields": "user_id,username", "access_token": token})
        usages.append(json.loads(response.headers["x-business-use-case-usage"])[user_id][0]["call_count"])
    assert usages == list(range(10, 101, 10))
    throttled = http.get(f"{base}/me", params={"access_token": token})
    assert throttled.status_code == 429
    assert throttled.json()["error"]["code"] == 80002


def test_instagram_expired_token_is_oauth_exception_190(emu: Emulator, http: httpx2.Client, clock: ManualClock) -> None:
    base, token, _ = _ig(emu)
    clock.advance(days=61)
    error = http.get(f"{base}/me", params={"access_token": token}).json()["error"]
    assert (error["type"], error["code"], error["error_subcode"]) == ("OAuthException", 190, 463)
