"""The publish watchdog: a lost queue entry is queued again, a target whose publisher died is resumed,
and one held past its hard timeout becomes needs_attention with one notification."""

from __future__ import annotations

from datetime import timedelta

import pytest

from psn_core.services.posting.leases import add_lease, lease_session, take_lease
from psn_core.services.posting.posts import schedule_post
from psn_core.services.posting.schedule_time import resolve
from psn_core.services.posting.watchdog import run_watchdog
from tests.support.publishing_env import PubEnv, parts

pytestmark = pytest.mark.pg


def _status(pub: PubEnv, target: object) -> dict[str, object]:
    with pub.env.hub.owner() as conn:
        row = conn.execute("SELECT status, error_class, run_id FROM post_targets WHERE id = %s", [target]).fetchone()
    assert row is not None
    return row


def test_a_lost_queue_entry_is_queued_again_after_a_minute(pub: PubEnv) -> None:
    post = pub.schedule(pub.create({"linkedin": parts("lost in the queue")}))
    target = post.targets[0].id
    pub.queue.clear()
    report = run_watchdog(pub.env.hub, pub.member, pub.enqueue, pub.clock() + timedelta(seconds=30))
    assert report.requeued == [] and pub.queue == []
    report = run_watchdog(pub.env.hub, pub.member, pub.enqueue, pub.clock() + timedelta(minutes=2))
    assert report.requeued == [target] and [t for _, t, _ in pub.queue] == [target]
    assert _status(pub, target)["run_id"] == "run-1"


def test_a_dead_publisher_is_resumed_and_a_live_one_past_its_timeout_is_stuck(pub: PubEnv) -> None:
    post = pub.schedule(pub.create({"linkedin": parts("publishing forever")}))
    target = post.targets[0].id
    now = pub.clock()
    with pub.env.hub.owner() as conn:
        conn.execute(
            "UPDATE post_targets SET status = 'publishing', publishing_started_at = %s WHERE id = %s",
            [now - timedelta(minutes=10), target],
        )
    pub.queue.clear()
    report = run_watchdog(pub.env.hub, pub.member, pub.enqueue, now)
    assert report.resumed == [target] and _status(pub, target)["status"] == "scheduled"
    assert [t for _, t, _ in pub.queue] == [target]

    with pub.env.hub.owner() as conn:
        conn.execute("UPDATE post_targets SET status = 'publishing' WHERE id = %s", [target])
    add_lease(pub.env.hub, pub.member, target)
    with lease_session(pub.env.hub, pub.member) as publisher, publisher.transaction():
        assert take_lease(publisher, target)  # a live publisher holds the lease
        report = run_watchdog(pub.env.hub, pub.member, pub.enqueue, now)
    with pub.env.hub.owner() as conn:
        notes = conn.execute("SELECT body FROM notifications WHERE kind = 'post_stuck'").fetchall()
    assert report.stuck == [target] and report.resumed == []
    assert _status(pub, target) | {"run_id": None} == {
        "status": "needs_attention",
        "error_class": "Stuck",
        "run_id": None,
    }
    assert len(notes) == 1 and "more than 5 minutes" in str(notes[0]["body"])


def test_a_target_scheduled_by_someone_else_is_queued_by_its_owners_watchdog(pub: PubEnv) -> None:
    """In a company hub an editor's approval queues nothing (only the owner writes the owner's queue):
    the scheduled target has no run id, and the owner's watchdog queues it for its time."""
    post = pub.create({"linkedin": parts("approved by an editor")})
    later = resolve(pub.clock() + timedelta(minutes=30), "UTC", pub.clock())
    with pub.env.hub.transaction(pub.member) as conn:
        schedule_post(conn, pub.member, post.id, later)
    target = post.targets[0].id
    assert _status(pub, target)["run_id"] is None and pub.queue == []
    report = run_watchdog(pub.env.hub, pub.member, pub.enqueue, pub.clock())
    assert report.queued == [target] and [(t, eta) for _, t, eta in pub.queue] == [(target, later.utc)]
    assert _status(pub, target)["run_id"] == "run-1"
    assert run_watchdog(pub.env.hub, pub.member, pub.enqueue, pub.clock()).queued == []  # once
