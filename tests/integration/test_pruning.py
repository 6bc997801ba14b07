"""Pruning: local media 7 days after its last post was published, never while a post still needs it;
upload state of dead targets is forgotten."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from psn_core.emulator import Emulator, EmulatorConfig, ManualClock
from psn_core.services.analytics.store import format_of
from psn_core.services.posting.posts import PartInput, get_target
from psn_core.services.posting.pruning import prune_media, prune_published_drafts, prune_uploads
from tests.support.clock import start_clock
from tests.support.hubs import HubEnv
from tests.support.publishing_env import PubEnv, make_pub_env
from tests.unit.media.media_factory import MediaFactory

pytestmark = pytest.mark.pg


@pytest.fixture
def clock() -> ManualClock:
    return start_clock()


@pytest.fixture
def pub(hub_env: HubEnv, clock: ManualClock) -> Iterator[PubEnv]:
    with Emulator(clock=clock, config=EmulatorConfig(processing_seconds=1)) as emu:
        yield make_pub_env(hub_env, emu, clock)


@pytest.mark.dates
def test_media_goes_seven_days_after_publishing_and_not_before(pub: PubEnv, tmp_path: Path) -> None:
    photo = MediaFactory(tmp_path).image("photo.jpg", (1080, 1080))
    published = pub.schedule(pub.create({"x": [PartInput(text="with a photo", media=[photo])]}))
    assert pub.publish(published)["x"].status == "published"
    waiting = pub.create({"linkedin": [PartInput(text="same photo, later", media=[photo])]})  # still a draft
    media_dir = pub.settings.workspace / "media"
    [stored] = list(media_dir.glob("*.jpg"))

    with pub.env.hub.transaction(pub.member) as conn:
        soon = prune_media(conn, pub.member, media_dir, pub.clock() + timedelta(days=8))
    assert soon.deleted == [] and stored.exists()  # a draft still uses it

    with pub.env.hub.transaction(pub.member) as conn:
        conn.execute("UPDATE post_targets SET status = 'cancelled' WHERE post_id = %s", [waiting.id])
        early = prune_media(conn, pub.member, media_dir, pub.clock() + timedelta(days=6))
        late = prune_media(conn, pub.member, media_dir, pub.clock() + timedelta(days=8))
    assert early.deleted == [] and late.deleted == [stored.name] and not stored.exists()


@pytest.mark.dates
def test_upload_state_of_dead_targets_is_forgotten(pub: PubEnv, tmp_path: Path) -> None:
    photo = MediaFactory(tmp_path).image("photo.jpg", (1080, 1080))
    post = pub.schedule(pub.create({"x": [PartInput(text="will fail", media=[photo])]}))
    pub.emu.faults.add("x/create_tweet:402*1")  # payment required: a failure that is not retried
    assert pub.publish(post)["x"].status == "failed"
    with pub.env.hub.transaction(pub.member) as conn:
        [row] = conn.execute("SELECT updated_at FROM media_uploads").fetchall()
        # The upload's last step is stamped by the database's now(), not by the publisher's clock (see
        # MediaUploads._save), so the day of grace counts from that stamp.
        last_step = row["updated_at"]
        assert prune_uploads(conn, pub.member, last_step + timedelta(hours=1)) == 0
        assert prune_uploads(conn, pub.member, last_step + timedelta(days=2)) == 1


@pytest.mark.dates
def test_published_drafts_are_compacted_after_fourteen_days(pub: PubEnv, tmp_path: Path) -> None:
    photo = MediaFactory(tmp_path).image("photo.jpg", (1080, 1080))
    thread = pub.schedule(pub.create({"x": [PartInput(text="part one", media=[photo]), PartInput(text="part two")]}))
    assert pub.publish(thread)["x"].status == "published"
    with pub.env.hub.transaction(pub.member) as conn:
        assert prune_published_drafts(conn, pub.member, pub.clock() + timedelta(days=13)) == 0
        assert prune_published_drafts(conn, pub.member, pub.clock() + timedelta(days=15)) == 1
        assert prune_published_drafts(conn, pub.member, pub.clock() + timedelta(days=16)) == 0  # once
        target = get_target(conn, pub.member, thread.targets[0].id)
    parts = target.rendering.parts
    assert [p.text for p in parts] == ["part one", ""]  # what analytics and the voice report read stays
    assert parts[0].media[0].kind == "image" and parts[0].media[0].path == ""
    assert format_of(target.rendering.model_dump()) == "thread"
