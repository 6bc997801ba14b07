"""Publishing targets against the emulator: exactly once, media flows, partial failures isolated,
threads resume at the failed part, unknown outcomes reconciled, expiry and rate limits handled."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from psn_core.emulator import Emulator, EmulatorConfig, ManualClock
from psn_core.errors import PostInvalid
from psn_core.services.posting.posts import PartInput
from tests.support.clock import start_clock
from tests.support.hubs import HubEnv
from tests.support.publishing_env import PubEnv, make_pub_env, parts
from tests.unit.media.media_factory import MediaFactory

pytestmark = pytest.mark.pg


@pytest.fixture
def clock() -> ManualClock:
    return start_clock()


@pytest.fixture
def emu(clock: ManualClock) -> Iterator[Emulator]:
    config = EmulatorConfig(processing_seconds=5, hold_seconds=3, x_rate_limits={"create_tweet": 2})
    with Emulator(clock=clock, config=config) as emulator:
        yield emulator


@pytest.fixture
def pub(hub_env: HubEnv, emu: Emulator, clock: ManualClock) -> PubEnv:
    return make_pub_env(hub_env, emu, clock, platform_read_timeout=1.0)


@pytest.fixture
def media(tmp_path: Path) -> MediaFactory:
    return MediaFactory(tmp_path)


def notifications(pub: PubEnv, kind: str) -> list[dict[str, object]]:
    with pub.env.hub.transaction(pub.member) as conn:
        return conn.execute("SELECT * FROM notifications WHERE kind = %s", [kind]).fetchall()


def test_text_post_goes_out_once_per_platform_even_if_the_task_runs_twice(pub: PubEnv) -> None:
    post = pub.schedule(pub.create({"x": parts("Hello from psn"), "linkedin": parts("Hello LinkedIn from psn")}))
    first = pub.publish(post)
    again = pub.publish(post)  # a duplicate queue entry finds nothing to claim
    assert {p: t.status for p, t in first.items()} == {"x": "published", "linkedin": "published"}
    assert again["x"].remote_ids == first["x"].remote_ids
    assert pub.requests("x", "create_tweet") == 1 and pub.requests("linkedin", "create_post") == 1
    assert first["x"].lateness_ms is not None and first["x"].lateness_ms >= 0


def test_a_thread_is_a_reply_chain(pub: PubEnv) -> None:
    post = pub.schedule(pub.create({"x": parts("one: the start", "two: the middle")}))
    done = pub.publish(post)["x"]
    assert done.status == "published" and len(done.remote_ids) == 2
    bodies = [json.loads(r.body) for r in pub.emu.requests if r.endpoint == "create_tweet"]
    assert "reply" not in bodies[0] and bodies[1]["reply"]["in_reply_to_tweet_id"] == done.remote_ids[0]


def test_thread_failing_at_part_3_resumes_at_part_3(pub: PubEnv) -> None:
    # The emulator allows 2 create_tweet calls per 15 minutes here: part 3 hits a 429.
    post = pub.schedule(pub.create({"x": parts("part 1 of 4", "part 2 of 4", "part 3 of 4", "part 4 of 4")}))
    stopped = pub.publish(post)["x"]
    assert stopped.status == "scheduled" and len(stopped.remote_ids) == 2
    assert stopped.error_class == "RateLimited" and "retries at" in (stopped.error_action or "")
    member, target, eta = pub.queue[-1]
    assert target == stopped.id and eta > pub.clock()

    pub.clock.advance(minutes=16)
    done = pub.publisher().publish(member, target)
    assert done.status == "published" and len(done.remote_ids) == 4
    assert done.remote_ids[:2] == stopped.remote_ids
    texts = [json.loads(r.body)["text"] for r in pub.emu.requests if r.endpoint == "create_tweet"]
    assert texts == ["part 1 of 4", "part 2 of 4", "part 3 of 4", "part 4 of 4"]  # 429s never reach the emulator
    assert len(notifications(pub, "post_rate_limited")) == 1


def test_one_platform_failing_never_blocks_the_others(pub: PubEnv, media: MediaFactory) -> None:
    photo = media.image("photo.jpg", (1080, 1080))
    post = pub.schedule(pub.create({
        "x": parts("Same news, X version"),
        "linkedin": parts("Same news, LinkedIn version"),
        "instagram": [PartInput(text="Same news, Instagram version", media=[photo])],
    }))  # fmt: skip
    pub.emu.faults.add("instagram/publish:500*9")
    done = pub.publish(post)
    assert done["x"].status == "published" and done["linkedin"].status == "published"
    assert done["instagram"].status == "scheduled" and done["instagram"].error_class == "PlatformUnavailable"


def test_content_refused_fails_that_target_with_one_critical_notification(pub: PubEnv) -> None:
    post = pub.schedule(pub.create({"x": parts("duplicate text"), "linkedin": parts("duplicate text")}))
    pub.publish(post)
    again = pub.schedule(pub.create({"x": parts("duplicate text")}))  # X refuses a duplicate post
    failed = pub.publish(again)["x"]
    assert failed.status == "failed" and failed.error_message and failed.error_action
    sent = notifications(pub, "post_failed")
    assert len(sent) == 1 and sent[0]["tier"] == "critical"


def test_timeout_after_the_write_is_reconciled_not_reposted(pub: PubEnv) -> None:
    pub.emu.faults.add("x/create_tweet:timeout_after_write*1")
    post = pub.schedule(pub.create({"x": parts("did this go out?")}))
    unknown = pub.publish(post)["x"]
    assert unknown.status == "scheduled" and unknown.error_class == "OutcomeUnknown"

    pub.clock.advance(minutes=1)
    member, target, _ = pub.queue[-1]
    done = pub.publisher().publish(member, target)
    assert done.status == "published" and len(done.remote_ids) == 1
    assert pub.requests("x", "create_tweet") == 1  # the post was found on the account, never re-sent
    with pub.env.hub.transaction(pub.member) as conn:
        states = [r["state"] for r in conn.execute("SELECT state FROM publish_ledger ORDER BY id")]
    assert states == ["reconciled"]


def test_media_for_every_platform_goes_through_its_flow(pub: PubEnv, media: MediaFactory) -> None:
    photo = media.image("photo.jpg", (1080, 1080))
    clip = media.video("clip.mp4", size=(360, 640), seconds=3.2, fps=24)
    post = pub.schedule(pub.create({
        "x": [PartInput(text="a photo on X", media=[photo])],
        "linkedin": [PartInput(text="a photo on LinkedIn", media=[photo])],
        "instagram": [PartInput(text="a photo on Instagram", media=[photo])],
        "tiktok": [PartInput(text="a clip on TikTok", media=[clip])],
    }))  # fmt: skip
    done = pub.publish(post)
    assert {p: t.status for p, t in done.items()} == dict.fromkeys(done, "published"), {
        p: (t.error_class, t.error_message) for p, t in done.items()
    }
    assert done["tiktok"].private_only is True  # sandbox app: SELF_ONLY, and psn says so
    with pub.env.hub.transaction(pub.member) as conn:
        states = {r["state"] for r in conn.execute("SELECT state FROM media_uploads")}
    assert states == {"PUBLISHED"}


def test_bad_media_is_refused_before_any_request(pub: PubEnv, media: MediaFactory) -> None:
    png = media.image("wide.png", (2000, 500))
    pub.emu.clear_requests()
    with pytest.raises(PostInvalid) as caught:
        pub.create({"instagram": [PartInput(text="nope", media=[png])]})
    assert any("JPEG" in p for p in caught.value.problems)
    assert any("aspect" in p.lower() or "1.91" in p for p in caught.value.problems)
    assert pub.emu.requests == []


def test_text_only_post_to_instagram_is_refused_up_front(pub: PubEnv) -> None:
    with pytest.raises(PostInvalid, match="need an image or a video"):
        pub.create({"instagram": parts("words only")})


@pytest.mark.dates
def test_a_post_that_would_go_out_too_late_expires(pub: PubEnv) -> None:
    post = pub.schedule(pub.create({"linkedin": parts("time-sensitive")}, ttl_minutes=30))
    pub.clock.advance(minutes=31)
    expired = pub.publish(post)["linkedin"]
    assert expired.status == "expired" and "30-minute window" in (expired.error_message or "")
    assert pub.requests("linkedin", "create_post") == 0
    assert len(notifications(pub, "post_expired")) == 1


@pytest.mark.dates
def test_a_task_that_fires_early_never_publishes_early(pub: PubEnv) -> None:
    later = pub.clock() + timedelta(hours=2)
    post = pub.schedule(pub.create({"x": parts("not yet")}), later)
    assert pub.publish(post)["x"].status == "scheduled"
    assert pub.requests("x", "create_tweet") == 0


def test_a_target_claimed_too_often_stops_and_asks_for_a_person(pub: PubEnv) -> None:
    post = pub.schedule(pub.create({"linkedin": parts("keeps coming back")}))
    with pub.env.hub.owner() as conn:
        conn.execute("UPDATE post_targets SET attempts = 12 WHERE post_id = %s", [post.id])
    stopped = pub.publish(post)["linkedin"]
    assert stopped.status == "needs_attention" and stopped.error_class == "TooManyAttempts"
    assert "psn explain" in (stopped.error_action or "")
    assert pub.requests("linkedin", "create_post") == 0
    assert len(notifications(pub, "post_needs_attention")) == 1


def test_an_internal_error_stops_the_target_instead_of_looping(pub: PubEnv) -> None:
    post = pub.schedule(pub.create({"x": parts("a bug somewhere")}))
    target = post.targets[0].id
    pub.publisher().unexpected_failure(pub.member, target, RuntimeError("boom"))
    with pub.env.hub.transaction(pub.member) as conn:
        row = conn.execute("SELECT status, error_class FROM post_targets WHERE id = %s", [target]).fetchone()
    assert row == {"status": "needs_attention", "error_class": "InternalError"}
    assert pub.publish(post)["x"].status == "needs_attention"  # the queue entry finds nothing to claim
