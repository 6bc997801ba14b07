"""What psn's TikTok and Instagram clients send now: a privacy level the user chose (never a default),
interactions off unless turned on, creator_info's limits honoured; Instagram's live publishing quota read
and its container status polled at the documented pace. Against the emulator on a manual clock."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest

from psn_core.emulator import Emulator, EmulatorConfig, ManualClock
from psn_core.errors import ContentRejected, MediaRejected, PlatformUnavailable, RateLimited
from psn_core.platforms.instagram import InstagramPlatform
from psn_core.platforms.models import MediaKind, MediaRef, PlatformConfig, PostPart, PublishRequest, UploadRequest
from psn_core.platforms.tiktok import TikTokPlatform
from psn_core.services.accounts.budgets import check_publishing_quota
from psn_core.services.posting.privacy import check_privacy
from psn_core.services.posting.renderings import RenderedPart, Rendering

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 512 + b"\xff\xd9"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def emu(clock: ManualClock) -> Iterator[Emulator]:
    config = EmulatorConfig(processing_seconds=5.0, instagram_posts_per_day=2)
    with Emulator(clock=clock, config=config) as emulator:
        yield emulator


def client(emu: Emulator, clock: ManualClock, name: str, *, audited: bool = True, **config: object):  # type: ignore[no-untyped-def]
    app = emu.create_app(name, audited=audited) if audited else emu.default_app(name)
    settings = PlatformConfig(
        client_id=app.client_id,
        client_secret=app.client_secret,
        base_url=emu.url_for(name),
        sandbox=not audited,
        **config,  # type: ignore[arg-type]
    )
    cls = {"tiktok": TikTokPlatform, "instagram": InstagramPlatform}[name]
    platform = cls(settings, sleep=lambda s: clock.advance(seconds=s), clock=lambda: clock().timestamp())
    token = emu.platform(name).grant_for_tests(app, emu.default_user(name)).access_token
    return platform, token


def video_post(**options: object) -> UploadRequest:
    post = PublishRequest(parts=(PostPart(text="clip"),), **options)  # type: ignore[arg-type]
    return UploadRequest(kind=MediaKind.VIDEO, mime_type="video/mp4", total_bytes=1000, post=post, duration_seconds=30)


def sent(emu: Emulator, endpoint: str) -> list[dict[str, object]]:
    return [json.loads(r.body) for r in emu.requests if r.endpoint == endpoint]


# --- TikTok -------------------------------------------------------------------------------------------


def test_tiktok_post_without_a_privacy_level_is_refused_before_anything_is_sent(
    emu: Emulator, clock: ManualClock
) -> None:
    tiktok, token = client(emu, clock, "tiktok")
    with pytest.raises(ContentRejected) as refused:
        tiktok.init_upload(token, video_post())
    assert "PUBLIC_TO_EVERYONE, MUTUAL_FOLLOW_FRIENDS, SELF_ONLY" in refused.value.message
    assert sent(emu, "video_init") == []  # psn no longer sends PUBLIC_TO_EVERYONE by default


def test_tiktok_interactions_are_off_unless_the_user_turns_them_on(emu: Emulator, clock: ManualClock) -> None:
    tiktok, token = client(emu, clock, "tiktok")
    tiktok.init_upload(token, video_post(privacy_level="MUTUAL_FOLLOW_FRIENDS"))
    tiktok.init_upload(token, video_post(privacy_level="SELF_ONLY", allow_comment=True, allow_duet=True))
    first, second = (body["post_info"] for body in sent(emu, "video_init"))
    assert first == {
        "privacy_level": "MUTUAL_FOLLOW_FRIENDS",
        "disable_comment": True,
        "title": "clip",
        "disable_duet": True,
        "disable_stitch": True,
    }
    assert (second["disable_comment"], second["disable_duet"], second["disable_stitch"]) == (False, False, True)


def test_tiktok_creator_info_disabled_interactions_stay_off(emu: Emulator, clock: ManualClock) -> None:
    emu.platform("tiktok").posting.creator.update(comment_disabled=True, stitch_disabled=True)
    tiktok, token = client(emu, clock, "tiktok")
    everything = dict(allow_comment=True, allow_duet=True, allow_stitch=True)
    tiktok.init_upload(token, video_post(privacy_level="SELF_ONLY", **everything))
    (info,) = (body["post_info"] for body in sent(emu, "video_init"))
    assert (info["disable_comment"], info["disable_duet"], info["disable_stitch"]) == (True, False, True)


def test_tiktok_video_longer_than_the_creator_may_post_is_refused(emu: Emulator, clock: ManualClock) -> None:
    emu.platform("tiktok").posting.creator["max_video_post_duration_sec"] = 60
    tiktok, token = client(emu, clock, "tiktok")
    request = video_post(privacy_level="SELF_ONLY").model_copy(update={"duration_seconds": 75.0})
    with pytest.raises(MediaRejected, match="at most 60 seconds"):
        tiktok.init_upload(token, request)
    assert sent(emu, "video_init") == []


def test_tiktok_sandbox_app_posts_self_only_without_asking(emu: Emulator, clock: ManualClock) -> None:
    tiktok, token = client(emu, clock, "tiktok", audited=False)
    tiktok.init_upload(token, video_post())
    assert sent(emu, "video_init")[0]["post_info"]["privacy_level"] == "SELF_ONLY"  # type: ignore[index]


def test_tiktok_drafts_need_a_privacy_level_unless_sandboxed() -> None:
    rendering = Rendering(parts=[RenderedPart(text="hi")])
    (problem,) = check_privacy(TikTokPlatform, rendering, sandbox=False)
    assert "choose who can see this post" in problem and "psn auth verify tiktok" in problem
    assert check_privacy(TikTokPlatform, rendering, sandbox=True) == []
    assert check_privacy(InstagramPlatform, rendering, sandbox=False) == []
    wrong = rendering.model_copy(update={"privacy_level": "FRIENDS"})
    assert "no privacy level FRIENDS" in check_privacy(TikTokPlatform, wrong, sandbox=False)[0]


# --- Instagram ----------------------------------------------------------------------------------------


def test_instagram_quota_is_read_and_a_used_up_quota_reschedules(emu: Emulator, clock: ManualClock) -> None:
    instagram, token = client(emu, clock, "instagram")
    image = emu.host_media("q.jpg", JPEG, "image/jpeg")
    post = PublishRequest(parts=(PostPart(text="hi", media=(MediaRef(kind=MediaKind.IMAGE, url=image),)),))
    quota = instagram.publishing_quota(token)
    assert (quota.used, quota.total, quota.window_seconds, quota.resets_at) == (0, 2, 86400, None)
    check_publishing_quota(instagram, token, "ana", clock())  # room: nothing raised
    first = clock()
    instagram.publish(token, post)
    clock.advance(seconds=3600)
    instagram.publish(token, post)
    used_up = instagram.publishing_quota(token)
    assert used_up.remaining == 0
    assert used_up.resets_at is not None and abs(used_up.resets_at - (first + timedelta(days=1))) < timedelta(minutes=1)
    with pytest.raises(RateLimited) as refused:
        check_publishing_quota(instagram, token, "ana", clock())
    assert "used up: 2 of 2 posts" in refused.value.message and refused.value.status_code is None
    assert 22 * 3600 < refused.value.retry_after <= 23 * 3600  # until the first post leaves the window


def test_instagram_container_status_is_polled_with_backoff_to_once_a_minute(emu: Emulator, clock: ManualClock) -> None:
    instagram, token = client(emu, clock, "instagram")  # production settings: every 2 s, for 300 s
    assert [instagram.poll_delay(n) for n in range(7)] == [2, 4, 8, 16, 32, 60, 60]
    emu.faults.add("instagram:stuck_container")
    image = emu.host_media("stuck.jpg", JPEG, "image/jpeg")
    post = PublishRequest(parts=(PostPart(text="hi", media=(MediaRef(kind=MediaKind.IMAGE, url=image),)),))
    with pytest.raises(PlatformUnavailable):
        instagram.publish(token, post)
    reads = [r for r in emu.requests if r.endpoint == "get_object"]
    assert len(reads) <= 10  # was 151 at one read every 2 s, out of 200 calls an hour
