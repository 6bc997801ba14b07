"""Attack H3 (issue 15): after a timeout the publish outcome is unknown, and reconciliation compared the
rendered text with what the platform returns. LinkedIn returns escaped little text (`\\#`), X returns t.co
links and `&amp;`: the post was not recognised and went out twice (or failed as X's duplicate).

Each test makes the platform create the post and then hold its answer past psn's read timeout (the
emulator's ``timeout_after_write``), lets the publisher retry, and asserts the post is reconciled from the
account's recent posts and exists exactly once on the platform (counted per remote id)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest

from psn_core.emulator import Emulator, EmulatorConfig, ManualClock
from psn_core.emulator.instagram import InstagramEmulator
from psn_core.emulator.linkedin import LinkedInEmulator
from psn_core.emulator.tiktok import TikTokEmulator
from psn_core.emulator.x import XEmulator
from psn_core.platforms.tiktok import TikTokPlatform
from psn_core.services.posting.posts import PartInput, PostView, TargetView
from tests.support.clock import start_clock
from tests.support.hubs import HubEnv
from tests.support.publishing_env import PubEnv, make_pub_env, parts
from tests.unit.media.media_factory import MediaFactory

pytestmark = pytest.mark.pg

# `#`, `@`, a link (with `&` in its query), `&`, `<`, `>`, parentheses, underscores and emoji.
TEXT = "Launch day #psn with @psn_team (beta) & friends <3 > 2 a_b: https://example.com/launch?ref=a&b=c 🎉🚀"
LONG_LINKEDIN = TEXT + " [v2] {draft} *bold* ~tilde~ | pipe \\ backslash #second_tag"


@pytest.fixture
def clock() -> ManualClock:
    return start_clock()


@pytest.fixture
def emu(clock: ManualClock) -> Iterator[Emulator]:
    config = EmulatorConfig(processing_seconds=5, hold_seconds=3)
    with Emulator(clock=clock, config=config) as emulator:
        yield emulator


@pytest.fixture
def pub(hub_env: HubEnv, emu: Emulator, clock: ManualClock) -> PubEnv:
    return make_pub_env(hub_env, emu, clock, platform_read_timeout=1.0)


@pytest.fixture
def media(tmp_path: Path) -> MediaFactory:
    return MediaFactory(tmp_path)


def created(emu: Emulator, platform: str) -> list[str]:
    """The remote id of every post the platform created (a duplicate is a second id)."""
    if platform == "x":
        return list(cast(XEmulator, emu.platform("x")).tweets)
    if platform == "linkedin":
        return list(cast(LinkedInEmulator, emu.platform("linkedin")).posts)
    if platform == "instagram":
        return list(cast(InstagramEmulator, emu.platform("instagram")).media.media)
    posting = cast(TikTokEmulator, emu.platform("tiktok")).posting
    return [p.video_id for p in posting.posts.values() if p.video_id and posting.status(p)[0] == "PUBLISH_COMPLETE"]


def ledger_states(pub: PubEnv, target: TargetView) -> list[str]:
    with pub.env.hub.transaction(pub.member) as conn:
        rows = conn.execute("SELECT state FROM publish_ledger WHERE target_id = %s ORDER BY id", [target.id])
        return [r["state"] for r in rows]


def publish_through_timeout(pub: PubEnv, post: PostView, platform: str, fault: str) -> TargetView:
    """First attempt: the platform creates the post and the answer never comes. Then the retry."""
    pub.emu.faults.add(fault)
    unknown = pub.publish(post)[platform]
    assert unknown.status == "scheduled" and unknown.error_class == "OutcomeUnknown", unknown
    pub.clock.advance(minutes=1)
    member, target, _ = pub.queue[-1]
    return pub.publisher().publish(member, target)


def assert_once(pub: PubEnv, platform: str, done: TargetView) -> None:
    assert done.status == "published", (done.error_class, done.error_message)
    posts = created(pub.emu, platform)
    assert len(posts) == 1, posts  # exactly one post on the platform
    assert done.remote_ids[-1] == posts[0]
    assert ledger_states(pub, done) == ["reconciled"]


def test_linkedin_post_with_hashtag_is_reconciled_not_sent_twice(pub: PubEnv) -> None:
    post = pub.schedule(pub.create({"linkedin": parts(LONG_LINKEDIN)}))
    done = publish_through_timeout(pub, post, "linkedin", "linkedin/create_post:timeout_after_write*1")
    assert_once(pub, "linkedin", done)
    assert pub.requests("linkedin", "create_post") == 1


def test_x_post_with_link_and_ampersand_is_reconciled_not_sent_twice(pub: PubEnv) -> None:
    post = pub.schedule(pub.create({"x": parts(TEXT)}))
    done = publish_through_timeout(pub, post, "x", "x/create_tweet:timeout_after_write*1")
    assert_once(pub, "x", done)
    assert pub.requests("x", "create_tweet") == 1


def test_x_thread_parts_are_reconciled_each_as_the_reply_to_the_one_before(pub: PubEnv) -> None:
    post = pub.schedule(
        pub.create({"x": parts("Part one & the start #psn", "Part two: https://example.org/x?a=1&b=2 🎉")})
    )
    pub.emu.faults.add("x/create_tweet:timeout_after_write*2")  # part 1, then (on the retry) part 2
    member, target = pub.member, post.targets[0].id
    for _ in range(2):
        unknown = pub.publisher().publish(member, target)
        assert unknown.status == "scheduled" and unknown.error_class == "OutcomeUnknown", unknown
        pub.clock.advance(minutes=1)
    done = pub.publisher().publish(member, target)
    assert done.status == "published", (done.error_class, done.error_message)
    x = cast(XEmulator, pub.emu.platform("x"))
    assert sorted(x.tweets) == sorted(done.remote_ids) and len(done.remote_ids) == 2
    assert x.tweets[done.remote_ids[1]].in_reply_to_tweet_id == done.remote_ids[0]
    assert pub.requests("x", "create_tweet") == 2  # each part sent once
    assert ledger_states(pub, done) == ["reconciled", "reconciled"]


def test_x_media_only_post_is_reconciled_by_time_and_media(pub: PubEnv, media: MediaFactory) -> None:
    photo = media.image("photo.jpg", (1080, 1080))
    post = pub.schedule(pub.create({"x": [PartInput(text="", media=[photo])]}))
    done = publish_through_timeout(pub, post, "x", "x/create_tweet:timeout_after_write*1")
    assert_once(pub, "x", done)


def test_instagram_caption_is_reconciled_not_posted_twice(pub: PubEnv, media: MediaFactory) -> None:
    photo = media.image("photo.jpg", (1080, 1080))
    post = pub.schedule(pub.create({"instagram": [PartInput(text=TEXT, media=[photo])]}))
    done = publish_through_timeout(pub, post, "instagram", "instagram/publish:timeout_after_write*1")
    assert_once(pub, "instagram", done)


@pytest.mark.parametrize("text", [TEXT, f"{TEXT}\n\n{TEXT}"], ids=["short", "longer-than-the-listing-shows"])
def test_tiktok_photo_caption_is_reconciled_not_posted_twice(pub: PubEnv, media: MediaFactory, text: str) -> None:
    photo = media.image("photo.jpg", (1080, 1920))
    post = pub.schedule(pub.create({"tiktok": [PartInput(text=text, media=[photo])]}))
    done = publish_through_timeout(pub, post, "tiktok", "tiktok/content_init:timeout_after_write*1")
    assert_once(pub, "tiktok", done)
    assert pub.requests("tiktok", "content_init") == 1
    assert TikTokPlatform.metrics_id(done.remote_ids) == done.remote_ids[-1]  # a video id: it has metrics
