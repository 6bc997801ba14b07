"""A full engagement sweep on Instagram (200 calls an hour per account) spends at most 80% of the account's
budget: it stops at the line, records when it may read again, sends nothing before then, and the 20% left
publishes a post."""

from __future__ import annotations

from pathlib import Path

import pytest

from psn_core.platforms.instagram_conversations import MEDIA_PER_SWEEP
from psn_core.services.posting.posts import PartInput
from tests.integration.engage.conftest import ig_of, sweeper
from tests.support.publishing_env import PubEnv
from tests.unit.media.media_factory import MediaFactory

pytestmark = pytest.mark.pg


def _used(pub: PubEnv) -> tuple[int, int]:
    with pub.env.hub.owner() as conn:
        row = conn.execute(
            "SELECT used, request_limit FROM budget_ledger WHERE account_id = %s AND reset_at > %s",
            [pub.accounts["instagram"].id, pub.clock()],
        ).fetchone()
    return (int(row["used"]), int(row["request_limit"])) if row else (0, 200)


def test_a_full_instagram_sweep_leaves_the_20_percent_reserve_for_publishing(pub: PubEnv, tmp_path: Path) -> None:
    ig = ig_of(pub.emu)
    me = pub.emu.default_user("instagram")
    fan = pub.emu.create_user("instagram", username="fan.many")
    for n in range(MEDIA_PER_SWEEP):
        media = ig.conversations.add_media(me, f"post {n}")
        ig.conversations.comment_as(fan, media.id, f"comment on post {n} about postgres")

    before, _ = _used(pub)  # connecting the account read who it is
    sweeps = []
    for _ in range(12):  # the user (or the worker) sweeping again and again within the hour
        report = sweeper(pub).sweep(pub.member, force=True)
        sweeps.append(next(a for a in report.accounts if a.platform == "instagram"))
        if sweeps[-1].stopped:
            break
    assert sweeps[-1].stopped and "kept for publishing" in sweeps[-1].stopped, sweeps[-1]
    used, limit = _used(pub)
    assert limit == 200 and used == limit * 4 // 5  # exactly at the 80% line, never past it
    reads = sum(
        1 for r in pub.emu.requests if r.platform == "instagram" and r.endpoint in ("list_media", "list_comments")
    )
    # every request the sweep sent was counted (Instagram's own usage header, which also counts the
    # connection's /me, may only raise psn's count), and none went out past the line
    assert used - before - 1 <= reads <= used - before
    assert sum(s.new for s in sweeps) == MEDIA_PER_SWEEP  # deduplicated across the sweeps

    again = next(a for a in sweeper(pub).sweep(pub.member, force=True).accounts if a.platform == "instagram")
    assert again.found == 0
    assert (
        sum(1 for r in pub.emu.requests if r.endpoint in ("list_media", "list_comments")) == reads
    )  # none before reset

    photo = MediaFactory(tmp_path).image("photo.jpg", (1080, 1080))
    done = pub.publish(
        pub.schedule(pub.create({"instagram": [PartInput(text="published from the reserve", media=[photo])]}))
    )
    assert done["instagram"].status == "published", done["instagram"]
    after, _ = _used(pub)
    assert used < after <= limit  # publishing spent from the 20% the sweep left
