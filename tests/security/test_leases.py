"""Attack M2 (issue 15): holding a company post's publish lease hostage, probed as a hostile member would.

Ann (a contributor) wrote a post that Eve (an editor) approved on the company's X account, which Ada (the
admin) connected, so Ada's worker publishes it. Ann, Bob (removed by Ada) and someone holding only the
hub's runtime password (an old invite's address) try to keep Ada's worker from publishing it, on
connections of their own held open in a transaction:

* the old lease (a session advisory lock on a key anyone can compute) and the notify key of the post:
  the publish must go out regardless;
* the new lease row (invisible to them, and not theirs to create);
* the target's own row, which its author may lock: the claim gives up after a few seconds instead of
  hanging, and past the grace period the watchdog tells Ada and Ann, once each, critically.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast
from uuid import UUID
from zoneinfo import ZoneInfo

import psycopg
import pytest

from psn_core.config import Settings
from psn_core.crypto import load_keyring
from psn_core.emulator import Emulator
from psn_core.emulator.x import XEmulator
from psn_core.hub.database import Conn
from psn_core.services.company import approvals, members, pending_posts
from psn_core.services.company.hubs import CompanyHub
from psn_core.services.posting import leases
from psn_core.services.posting.posts import PartInput, TargetView
from psn_core.services.posting.publishing import Publisher
from psn_core.services.posting.schedule_time import resolve
from psn_core.services.posting.watchdog import run_watchdog
from psn_core.timefmt import utcnow
from tests.e2e.conftest import wait_for
from tests.integration.test_company_members import Company, make_company
from tests.security.crash_env import hold_call
from tests.support.hubs import HOSTILES, Hostile, HubEnv, hostile_sessions, make_settings, refused_at_the_door
from tests.support.platform_env import connect_account, emulator_overrides

pytestmark = pytest.mark.pg


@dataclass
class Approved:
    attacked_acme: Company
    settings: Settings  # Ada's workspace, pointed at the emulator
    ada: CompanyHub
    target: UUID
    due: datetime

    def publisher(self, late: timedelta = timedelta(seconds=1)) -> Publisher:
        """Ada's publisher, ``late`` after the post's time."""
        queue: list[object] = []

        def enqueue(member: UUID, target: UUID, eta: datetime) -> str:
            queue.append((member, target, eta))
            return f"run-{len(queue)}"

        return Publisher(
            self.ada.hub, self.settings, load_keyring(self.settings), enqueue=enqueue,
            clock=lambda: self.due + late, sleep=lambda _s: None,
        )  # fmt: skip

    def publish(self, late: timedelta = timedelta(seconds=1), wait: float = 30) -> TargetView | None:
        """Ada's worker publishes the target (None: still stuck after ``wait`` seconds)."""
        done: list[TargetView] = []
        worker = threading.Thread(
            target=lambda: done.append(self.publisher(late).publish(self.attacked_acme.admin.member_id, self.target)),
            daemon=True,
        )
        worker.start()
        worker.join(wait)
        return done[0] if done else None

    def hostiles(self) -> dict[str, Hostile]:
        return hostile_sessions(self.attacked_acme.hub, self.attacked_acme.ann, self.attacked_acme.bob)


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator() as emulator:
        yield emulator


@pytest.fixture
def approved(hub_env: HubEnv, emu: Emulator) -> Iterator[Approved]:
    attacked_acme = make_company(hub_env)
    settings = make_settings(
        hub_env.settings.workspace, hub_env.server.conninfo(hub_env.database), **emulator_overrides(emu)
    )
    ada = CompanyHub(settings, attacked_acme.connection_as(attacked_acme.admin))
    ann = CompanyHub(settings, attacked_acme.connection_as(attacked_acme.ann))
    eve = CompanyHub(settings, attacked_acme.connection_as(attacked_acme.editor))
    connect_account(ada.hub, settings, attacked_acme.admin.member_id, "x")
    due = utcnow() + timedelta(hours=1)
    when = resolve(due, "UTC", utcnow())
    post = approvals.post_for_company(
        ann, ["x"], [PartInput(text="Launch day")], when, lambda *_a: "", media_dir=settings.workspace / "media",
        media_host=None,
    )  # fmt: skip
    with eve.transaction() as conn:
        reviewed = pending_posts.review(conn, str(post.post.id), utcnow(), ZoneInfo("UTC")).content_hash
    approvals.approve_and_enqueue(eve, str(post.post.id), reviewed, lambda *_a: "", utcnow())
    with members.member_transaction(attacked_acme.hub, attacked_acme.admin) as conn:
        members.remove_member(conn, "Bob", utcnow())
    yield Approved(attacked_acme, settings, ada, post.post.targets[0].id, when.utc)
    for hub in (ada, ann, eve):
        hub.close()


def _try(conn: Conn, statement: str, params: list[object]) -> str:
    """Run one attempt in a savepoint; what happened."""
    try:
        with conn.transaction():
            cursor = conn.execute(statement, params)
            return f"ok {len(cursor.fetchall()) if cursor.description else cursor.rowcount} row(s)"
    except psycopg.Error as exc:
        return type(exc).__name__


@pytest.mark.parametrize("who", HOSTILES)
def test_a_hostile_member_cannot_hold_the_publish_lease_of_an_approved_post(approved: Approved, who: str) -> None:
    if who != "contributor":
        assert refused_at_the_door(approved.hostiles()[who]), f"{who} got in"
        return
    target, admin = approved.target, approved.attacked_acme.admin.member_id
    with approved.hostiles()[who]() as conn:
        # the old lease and the keys of the notifications a publish may send: any session can take these
        conn.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", [f"psn.publish:{target}"])
        for outcome in ("expired", "failed", "TooManyAttempts"):
            conn.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", [f"{admin}:target:{target}:{outcome}"])
        # the lease row: invisible, and not theirs to create (under their own id or the admin's)
        assert _try(conn, "SELECT * FROM publish_leases WHERE target_id = %s FOR UPDATE", [target]) in (
            "ok 0 row(s)", "UndefinedTable",
        )  # fmt: skip
        for member in {admin, approved.attacked_acme.ann.member_id}:
            planted = _try(conn, "INSERT INTO publish_leases (target_id, member_id) VALUES (%s, %s)", [target, member])
            assert planted in ("InsufficientPrivilege", "UndefinedTable"), planted
        view = approved.publish()
        assert view is not None and view.status == "published", f"{who} kept the post from going out"


def test_an_author_holding_her_posts_row_is_noticed_and_reported_to_the_owner_and_her(approved: Approved) -> None:
    attacked_acme, target = approved.attacked_acme, approved.target
    with members.member_transaction(attacked_acme.hub, attacked_acme.ann) as conn:
        assert _try(conn, "SELECT id FROM post_targets WHERE id = %s FOR UPDATE", [target]) == "ok 1 row(s)"
        view = approved.publish(wait=20)
        assert view is not None and view.status == "scheduled", "the claim must give up, not hang"
        enqueue, hub, admin = approved.publisher().enqueue, approved.ada.hub, attacked_acme.admin.member_id
        early = run_watchdog(hub, admin, enqueue, approved.due + timedelta(minutes=2))
        late = run_watchdog(hub, admin, enqueue, approved.due + timedelta(minutes=4))
        again = run_watchdog(hub, admin, enqueue, approved.due + timedelta(minutes=5))
        assert target not in early.held and target in late.held and target in again.held
    with attacked_acme.hub.owner() as owner:
        told = owner.execute(
            "SELECT member_id, tier, body FROM notifications WHERE kind = 'post_blocked' ORDER BY member_id"
        ).fetchall()
    assert sorted(str(r["member_id"]) for r in told) == sorted(
        [str(attacked_acme.admin.member_id), str(attacked_acme.ann.member_id)]
    )
    assert {r["tier"] for r in told} == {"critical"}
    assert all("@" in r["body"] and "has not gone out" in r["body"] for r in told)
    view = approved.publish()  # the hold has ended: the next try publishes it
    assert view is not None and view.status == "published"


@pytest.mark.parametrize("who", HOSTILES)
def test_a_hostile_member_holding_a_notification_key_does_not_stall_the_owners_worker(
    approved: Approved, who: str
) -> None:
    """Too late to go out, the post expires and the owner is told, whoever holds the key of that notice."""
    if who != "contributor":
        assert refused_at_the_door(approved.hostiles()[who]), f"{who} got in"
        return
    target, admin = approved.target, approved.attacked_acme.admin.member_id
    with approved.hostiles()[who]() as conn:
        conn.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", [f"{admin}:target:{target}:expired"])
        view = approved.publish(late=timedelta(hours=2), wait=20)
        assert view is not None and view.status == "expired", f"{who} stalled the worker"
    with approved.ada.transaction() as ada:
        told = ada.execute("SELECT tier FROM notifications WHERE kind = 'post_expired'").fetchall()
    assert told == [{"tier": "critical"}]


def test_an_author_locking_her_posts_row_mid_publish_cannot_hang_the_owners_worker(
    approved: Approved, emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ann locks the target's row after Ada's worker claimed it, while X holds the tweet's answer open: the
    worker stops after PUBLISH_LOCK_WAIT instead of waiting on her, Ada is told once (critical), and the
    tweet, live already, is found on the account afterwards: never sent twice."""
    monkeypatch.setattr(leases, "PUBLISH_LOCK_WAIT", "500ms")
    monkeypatch.setattr(emu.world, "clock", lambda: approved.due + timedelta(seconds=2))  # X's clock: the worker's
    attacked_acme, target, admin = approved.attacked_acme, approved.target, approved.attacked_acme.admin.member_id
    done: list[TargetView] = []
    with hold_call(emu, "x", "create_tweet", 1) as held:
        worker = threading.Thread(target=lambda: done.append(approved.publisher().publish(admin, target)), daemon=True)
        worker.start()
        assert wait_for(held, 20, every=0.05), "the tweet never reached X"
        with members.member_transaction(attacked_acme.hub, attacked_acme.ann) as conn:
            assert _try(conn, "SELECT id FROM post_targets WHERE id = %s FOR UPDATE", [target]) == "ok 1 row(s)"
            emu.world.hold.release_all()  # X answers: the worker must record the tweet on Ann's locked row
            worker.join(20)
            assert done, "the owner's worker hung on a row the author holds"
            assert done[0].status == "publishing" and not done[0].remote_ids
    tweets = cast(XEmulator, emu.platform("x")).tweets
    assert len(tweets) == 1
    with attacked_acme.hub.owner() as owner:
        told = owner.execute("SELECT member_id, tier, body, action FROM notifications WHERE kind = 'post_held'")
        rows = told.fetchall()
    assert [(r["member_id"], r["tier"]) for r in rows] == [(admin, "critical")], rows
    assert "kept your X post" in rows[0]["body"] and "may have gone out" in rows[0]["body"]
    assert "end sessions that keep the post open" in rows[0]["action"]
    # the hold has ended: the watchdog resumes the target, which finds the tweet on the account
    queue: list[tuple[UUID, UUID, datetime]] = []
    report = run_watchdog(
        approved.ada.hub, admin, lambda m, t, at: (queue.append((m, t, at)), "run")[1],
        approved.due + timedelta(minutes=2),
    )  # fmt: skip
    assert target in report.resumed
    view = approved.publish(late=timedelta(minutes=2))
    assert view is not None and view.status == "published", view
    assert list(tweets) == list(view.remote_ids)  # the one tweet, reconciled, not sent again
    with attacked_acme.hub.owner() as owner:
        states = [r["state"] for r in owner.execute("SELECT state FROM publish_ledger WHERE target_id = %s", [target])]
        again = owner.execute("SELECT count(*) AS n FROM notifications WHERE kind = 'post_held'").fetchone()
    assert states == ["reconciled"] and again is not None and again["n"] == 1
