"""The emulator refuses what TikTok and Instagram refuse: scopes per endpoint (and per TikTok user field),
TikTok's privacy rules, and Instagram's publishing limit. Each test sends the request psn used to send (or
one a careless client would) and gets the platform's own error shape back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx2
import pytest

from psn_core.emulator import Emulator, EmulatorConfig, ManualClock
from psn_core.emulator.oauth import TestApp as EmulatorApp
from psn_core.platforms.instagram import InstagramPlatform
from psn_core.platforms.tiktok import TikTokPlatform

OLD_TIKTOK_SCOPES = "user.info.basic,video.publish,video.upload,video.list"  # psn's scopes before Feb-2024 fix
OLD_USER_FIELDS = "open_id,union_id,display_name,username"
SOURCE = {"source": "FILE_UPLOAD", "video_size": 100, "chunk_size": 100, "total_chunk_count": 1}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json; charset=UTF-8"}


def tiktok_token(emu: Emulator, scope: str, app: EmulatorApp | None = None) -> str:
    return (
        emu.platform("tiktok")
        .grant_for_tests(app or emu.default_app("tiktok"), emu.default_user("tiktok"), scope)
        .access_token
    )


def tiktok_error(response: httpx2.Response) -> str:
    body = response.json()
    assert set(body["error"]) == {"code", "message", "log_id"}  # TikTok's error envelope
    return str(body["error"]["code"])


# --- TikTok scopes ------------------------------------------------------------------------------------


def test_tiktok_username_needs_user_info_profile(emu: Emulator, http: httpx2.Client) -> None:
    old = tiktok_token(emu, OLD_TIKTOK_SCOPES)
    refused = http.get(
        f"{emu.url_for('tiktok')}/v2/user/info/", params={"fields": OLD_USER_FIELDS}, headers=bearer(old)
    )
    assert refused.status_code == 401
    assert tiktok_error(refused) == "scope_not_authorized"
    basic_only = http.get(
        f"{emu.url_for('tiktok')}/v2/user/info/", params={"fields": "open_id,display_name"}, headers=bearer(old)
    )
    assert basic_only.status_code == 200
    # psn now asks for the scope the username needs, and the same request goes through
    assert "user.info.profile" in TikTokPlatform.oauth.scopes
    new = tiktok_token(emu, ",".join(TikTokPlatform.oauth.scopes))
    fine = http.get(f"{emu.url_for('tiktok')}/v2/user/info/", params={"fields": OLD_USER_FIELDS}, headers=bearer(new))
    assert fine.json()["data"]["user"]["username"] == emu.default_user("tiktok").username


def test_tiktok_follower_counts_need_user_info_stats(emu: Emulator, http: httpx2.Client) -> None:
    token = tiktok_token(emu, ",".join(TikTokPlatform.oauth.scopes))
    refused = http.get(
        f"{emu.url_for('tiktok')}/v2/user/info/", params={"fields": "open_id,follower_count"}, headers=bearer(token)
    )
    assert (refused.status_code, tiktok_error(refused)) == (401, "scope_not_authorized")


@pytest.mark.parametrize(
    ("path", "body", "scope"),
    [
        ("/v2/post/publish/creator_info/query/", {}, "video.publish"),
        (
            "/v2/post/publish/video/init/",
            {"post_info": {"privacy_level": "SELF_ONLY"}, "source_info": SOURCE},
            "video.publish",
        ),
        ("/v2/post/publish/inbox/video/init/", {"source_info": SOURCE}, "video.upload"),
        ("/v2/video/list/?fields=id", {"max_count": 5}, "video.list"),
        ("/v2/video/query/?fields=id", {"filters": {"video_ids": ["1"]}}, "video.list"),
    ],
)
def test_tiktok_endpoint_without_its_scope_is_scope_not_authorized(
    emu: Emulator, http: httpx2.Client, path: str, body: dict[str, object], scope: str
) -> None:
    every = set(TikTokPlatform.oauth.scopes)
    without = tiktok_token(emu, ",".join(sorted(every - {scope})))
    refused = http.post(f"{emu.url_for('tiktok')}{path}", headers=bearer(without), json=body)
    assert (refused.status_code, tiktok_error(refused)) == (401, "scope_not_authorized")
    granted = tiktok_token(emu, ",".join(sorted(every)))
    assert http.post(f"{emu.url_for('tiktok')}{path}", headers=bearer(granted), json=body).status_code == 200


def test_tiktok_photo_draft_needs_video_upload_and_direct_photo_video_publish(
    emu: Emulator, http: httpx2.Client
) -> None:
    body = {
        "media_type": "PHOTO",
        "post_mode": "MEDIA_UPLOAD",
        "post_info": {"title": "t"},
        "source_info": {"source": "PULL_FROM_URL", "photo_cover_index": 0, "photo_images": ["http://x.invalid/a"]},
    }
    publish_only = tiktok_token(emu, "user.info.basic,video.publish")
    refused = http.post(
        f"{emu.url_for('tiktok')}/v2/post/publish/content/init/", headers=bearer(publish_only), json=body
    )
    assert (refused.status_code, tiktok_error(refused)) == (401, "scope_not_authorized")
    upload_only = tiktok_token(emu, "user.info.basic,video.upload")
    direct = {**body, "post_mode": "DIRECT_POST", "post_info": {"title": "t", "privacy_level": "SELF_ONLY"}}
    refused = http.post(
        f"{emu.url_for('tiktok')}/v2/post/publish/content/init/", headers=bearer(upload_only), json=direct
    )
    assert (refused.status_code, tiktok_error(refused)) == (401, "scope_not_authorized")


# --- TikTok privacy -----------------------------------------------------------------------------------


def test_tiktok_direct_post_without_a_privacy_level_is_refused(emu: Emulator, http: httpx2.Client) -> None:
    audited = emu.create_app("tiktok", audited=True)
    token = tiktok_token(emu, ",".join(TikTokPlatform.oauth.scopes), audited)
    refused = http.post(
        f"{emu.url_for('tiktok')}/v2/post/publish/video/init/",
        headers=bearer(token),
        json={"post_info": {"title": "t"}, "source_info": SOURCE},
    )
    assert (refused.status_code, tiktok_error(refused)) == (400, "invalid_params")


def test_tiktok_privacy_level_must_be_one_creator_info_offers(emu: Emulator, http: httpx2.Client) -> None:
    audited = emu.create_app("tiktok", audited=True)
    emu.platform("tiktok").posting.creator["privacy_level_options"] = ["FOLLOWER_OF_CREATOR", "SELF_ONLY"]
    token = tiktok_token(emu, ",".join(TikTokPlatform.oauth.scopes), audited)
    base = emu.url_for("tiktok")
    offered = http.post(f"{base}/v2/post/publish/creator_info/query/", headers=bearer(token)).json()["data"]
    assert offered["privacy_level_options"] == ["FOLLOWER_OF_CREATOR", "SELF_ONLY"]
    # what psn used to send by default on an audited app
    public = {"post_info": {"title": "t", "privacy_level": "PUBLIC_TO_EVERYONE"}, "source_info": SOURCE}
    refused = http.post(f"{base}/v2/post/publish/video/init/", headers=bearer(token), json=public)
    assert (refused.status_code, tiktok_error(refused)) == (400, "privacy_level_option_mismatch")
    chosen = {"post_info": {"title": "t", "privacy_level": "FOLLOWER_OF_CREATOR"}, "source_info": SOURCE}
    assert http.post(f"{base}/v2/post/publish/video/init/", headers=bearer(token), json=chosen).status_code == 200


# --- Instagram ----------------------------------------------------------------------------------------


def ig_token(emu: Emulator, scope: str) -> str:
    ig = emu.platform("instagram")
    return ig.grant_for_tests(emu.default_app("instagram"), emu.default_user("instagram"), scope).access_token


def graph_code(response: httpx2.Response) -> int:
    error = response.json()["error"]
    assert {"message", "type", "code", "fbtrace_id"} <= set(error)  # the Graph API's error object
    return int(error["code"])


def test_instagram_insights_need_manage_insights(emu: Emulator, http: httpx2.Client) -> None:
    # psn's grant without the insights permission, as the emulator used to hand out
    token = ig_token(emu, "instagram_business_basic,instagram_business_content_publish")
    refused = http.get(
        f"{emu.url_for('instagram')}/v23.0/123/insights", params={"metric": "views", "access_token": token}
    )
    assert (refused.status_code, graph_code(refused)) == (403, 10)
    assert "instagram_business_manage_insights" in InstagramPlatform.oauth.scopes


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "media"), ("POST", "media_publish"), ("GET", "content_publishing_limit")],
)
def test_instagram_publishing_endpoints_need_content_publish(
    emu: Emulator, http: httpx2.Client, method: str, path: str
) -> None:
    token = ig_token(emu, "instagram_business_basic")
    user = emu.default_user("instagram").user_id
    refused = http.request(
        method,
        f"{emu.url_for('instagram')}/v23.0/{user}/{path}",
        params={"access_token": token, "image_url": "http://x.invalid/a.jpg", "creation_id": "1"},
    )
    assert (refused.status_code, graph_code(refused)) == (403, 10)


def test_instagram_publishing_limit_defaults_to_quota_usage_and_declares_100(
    emu: Emulator, http: httpx2.Client
) -> None:
    token = ig_token(emu, ",".join(InstagramPlatform.oauth.scopes))
    url = f"{emu.url_for('instagram')}/v23.0/{emu.default_user('instagram').user_id}/content_publishing_limit"
    bare = http.get(url, params={"access_token": token}).json()
    assert bare == {"data": [{"quota_usage": 0}]}  # fields omitted: quota_usage alone
    full = http.get(url, params={"access_token": token, "fields": "quota_usage,config"}).json()
    assert full["data"][0]["config"] == {"quota_total": 100, "quota_duration": 86400}
    assert EmulatorConfig().instagram_posts_per_day == InstagramPlatform.limits.posts_per_day == 100


@pytest.fixture
def tight() -> Iterator[tuple[Emulator, ManualClock]]:
    clock = ManualClock()
    with Emulator(clock=clock, config=EmulatorConfig(processing_seconds=1.0, instagram_posts_per_day=2)) as emulator:
        yield emulator, clock


def test_instagram_publish_past_the_moving_window_limit_is_code_9_subcode_2207042(
    tight: tuple[Emulator, ManualClock], http: httpx2.Client
) -> None:
    emu, clock = tight
    token = ig_token(emu, ",".join(InstagramPlatform.oauth.scopes))
    user = emu.default_user("instagram").user_id
    base = f"{emu.url_for('instagram')}/v23.0/{user}"
    image = emu.host_media("limit.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 512 + b"\xff\xd9", "image/jpeg")

    def publish() -> httpx2.Response:
        container = http.post(f"{base}/media", params={"access_token": token, "image_url": image}).json()["id"]
        clock.advance(seconds=2)
        return http.post(f"{base}/media_publish", params={"access_token": token, "creation_id": container})

    assert publish().status_code == 200
    assert publish().status_code == 200
    refused = publish()
    assert refused.status_code == 400
    assert (graph_code(refused), refused.json()["error"]["error_subcode"]) == (9, 2207042)
    clock.advance(seconds=600)
    since = int((clock() - timedelta(minutes=1)).timestamp())
    recent = http.get(f"{base}/content_publishing_limit", params={"access_token": token, "since": str(since)})
    assert recent.json()["data"][0]["quota_usage"] == 0  # nothing published within the last minute
    clock.advance(seconds=24 * 3600)  # the window moves on: room again
    assert publish().status_code == 200
