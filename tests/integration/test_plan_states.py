"""The weekly plan's state machines enforced by Postgres, as raw SQL from psn_app: every allowed slot and
plan move works, every other one is refused; a new plan is proposed and a new slot planned; a slot with a
post is never deleted; posts move their slots (scheduled, published, once under retries); a deleted post
opens its slot again; a plan is accepted by its first draft and completed when every slot is published or
skipped; nothing changes in a closed plan."""

from __future__ import annotations

import itertools
import uuid
from datetime import timedelta

import psycopg
import pytest

from psn_core.services.plan.models import PLAN_TRANSITIONS, SLOT_TRANSITIONS
from tests.support.clock import start_instant
from tests.support.hubs import HubEnv, new_member
from tests.support.plan_world import next_week
from tests.support.series_world import account, post, publish

pytestmark = pytest.mark.pg

T0 = start_instant()
MONDAY = next_week(T0)
SLOT_STATES = ("planned", "drafted", "scheduled", "published", "skipped")
PLAN_STATES = ("proposed", "accepted", "completed", "abandoned")
# The shortest walk (raw SQL) from a new slot to each state; drafting sets the post.
SLOT_PATH = {
    "planned": [],
    "drafted": ["drafted"],
    "scheduled": ["drafted", "scheduled"],
    "published": ["drafted", "published"],
    "skipped": ["skipped"],
}


def _plan(conn: psycopg.Connection, member: uuid.UUID, week_offset: int = 0) -> uuid.UUID:  # type: ignore[type-arg]
    row = conn.execute(
        "INSERT INTO weekly_plans (member_id, week_start, zone, generated_at) VALUES (%s, %s, 'UTC', %s) RETURNING id",
        [member, MONDAY + timedelta(days=7 * week_offset), T0],
    ).fetchone()
    assert row is not None
    return uuid.UUID(str(row["id"]))


def _slot(conn: psycopg.Connection, member: uuid.UUID, plan: uuid.UUID, position: int = 1) -> uuid.UUID:  # type: ignore[type-arg]
    row = conn.execute(
        "INSERT INTO plan_slots (plan_id, member_id, position, at, local_day, platform, kind, topic)"
        " VALUES (%s, %s, %s, %s, %s, 'x', 'idea', 'a topic') RETURNING id",
        [plan, member, position, T0 + timedelta(days=7), MONDAY],
    ).fetchone()
    assert row is not None
    return uuid.UUID(str(row["id"]))


def _walk(conn: psycopg.Connection, member: uuid.UUID, slot: uuid.UUID, state: str) -> uuid.UUID | None:  # type: ignore[type-arg]
    post_id = None
    for step in SLOT_PATH[state]:
        if step == "drafted":
            post_id, _ = post(conn, member, account(conn, member, f"h{uuid.uuid4().hex[:6]}"))
        conn.execute("UPDATE plan_slots SET state = %s, post_id = %s WHERE id = %s", [step, post_id, slot])
    return post_id


@pytest.fixture
def ana(hub_env: HubEnv) -> uuid.UUID:
    return new_member(hub_env.hub, "Ana")


@pytest.mark.parametrize(("from_state", "to_state"), sorted(SLOT_TRANSITIONS))
def test_every_allowed_slot_move_works_from_raw_sql(
    hub_env: HubEnv, ana: uuid.UUID, from_state: str, to_state: str
) -> None:
    with hub_env.hub.transaction(ana) as conn:
        slot = _slot(conn, ana, _plan(conn, ana))
        post_id = _walk(conn, ana, slot, from_state)
        if to_state == "drafted" and post_id is None:
            post_id, _ = post(conn, ana, account(conn, ana))
        if to_state == "planned" and post_id is not None:
            conn.execute("DELETE FROM posts WHERE id = %s", [post_id])  # only a deleted post reopens a slot
        else:
            conn.execute("UPDATE plan_slots SET state = %s, post_id = %s WHERE id = %s", [to_state, post_id, slot])
        row = conn.execute("SELECT state, post_id FROM plan_slots WHERE id = %s", [slot]).fetchone()
    assert row is not None and row["state"] == to_state
    assert (row["post_id"] is not None) == (to_state in ("drafted", "scheduled", "published"))


FORBIDDEN_SLOT = sorted(
    (a, b) for a, b in itertools.product(SLOT_STATES, SLOT_STATES) if a != b and (a, b) not in SLOT_TRANSITIONS
)


@pytest.mark.parametrize(("from_state", "to_state"), FORBIDDEN_SLOT)
def test_every_other_slot_move_is_refused(hub_env: HubEnv, ana: uuid.UUID, from_state: str, to_state: str) -> None:
    with hub_env.hub.transaction(ana) as conn:
        slot = _slot(conn, ana, _plan(conn, ana))
        post_id = _walk(conn, ana, slot, from_state)
        if to_state in ("drafted", "scheduled", "published") and post_id is None:
            post_id, _ = post(conn, ana, account(conn, ana))
        with pytest.raises(psycopg.errors.CheckViolation), conn.transaction():
            conn.execute(
                "UPDATE plan_slots SET state = %s, post_id = %s WHERE id = %s",
                [to_state, None if to_state in ("planned", "skipped") else post_id, slot],
            )
        assert conn.execute("SELECT state FROM plan_slots WHERE id = %s", [slot]).fetchone() == {"state": from_state}


@pytest.mark.parametrize(("from_state", "to_state"), sorted(PLAN_TRANSITIONS))
def test_every_allowed_plan_move_works(hub_env: HubEnv, ana: uuid.UUID, from_state: str, to_state: str) -> None:
    with hub_env.hub.transaction(ana) as conn:
        plan = _plan(conn, ana)
        if from_state == "accepted":
            conn.execute("UPDATE weekly_plans SET state = 'accepted' WHERE id = %s", [plan])
        conn.execute("UPDATE weekly_plans SET state = %s WHERE id = %s", [to_state, plan])
        assert conn.execute("SELECT state FROM weekly_plans WHERE id = %s", [plan]).fetchone() == {"state": to_state}


PATH_TO = {"proposed": [], "accepted": ["accepted"], "completed": ["accepted", "completed"], "abandoned": ["abandoned"]}
FORBIDDEN_PLAN = sorted(
    (a, b) for a, b in itertools.product(PLAN_STATES, PLAN_STATES) if a != b and (a, b) not in PLAN_TRANSITIONS
)


@pytest.mark.parametrize(("from_state", "to_state"), FORBIDDEN_PLAN)
def test_every_other_plan_move_is_refused(hub_env: HubEnv, ana: uuid.UUID, from_state: str, to_state: str) -> None:
    with hub_env.hub.transaction(ana) as conn:
        plan = _plan(conn, ana)
        for step in PATH_TO[from_state]:
            conn.execute("UPDATE weekly_plans SET state = %s WHERE id = %s", [step, plan])
        with pytest.raises(psycopg.errors.CheckViolation), conn.transaction():
            conn.execute("UPDATE weekly_plans SET state = %s WHERE id = %s", [to_state, plan])


def test_new_rows_start_at_the_beginning_and_slots_with_posts_stay(hub_env: HubEnv, ana: uuid.UUID) -> None:
    with hub_env.hub.transaction(ana) as conn:
        with pytest.raises(psycopg.errors.CheckViolation), conn.transaction():
            conn.execute(
                "INSERT INTO weekly_plans (member_id, week_start, zone, generated_at, state)"
                " VALUES (%s, %s, 'UTC', %s, 'completed')",
                [ana, MONDAY, T0],
            )
        plan = _plan(conn, ana)
        with pytest.raises(psycopg.errors.UniqueViolation), conn.transaction():
            _plan(conn, ana)  # one plan per member per ISO week
        with pytest.raises(psycopg.errors.CheckViolation), conn.transaction():  # weeks start on Monday
            conn.execute(
                "INSERT INTO weekly_plans (member_id, week_start, zone, generated_at) VALUES (%s, %s, 'UTC', %s)",
                [ana, MONDAY + timedelta(days=1), T0],
            )
        post_id, _ = post(conn, ana, account(conn, ana))
        with pytest.raises(psycopg.errors.CheckViolation), conn.transaction():
            conn.execute(
                "INSERT INTO plan_slots (plan_id, member_id, position, at, local_day, platform, kind, state, post_id)"
                " VALUES (%s, %s, 1, %s, %s, 'x', 'idea', 'drafted', %s)",
                [plan, ana, T0, MONDAY, post_id],
            )
        slot = _slot(conn, ana, plan)
        conn.execute("UPDATE plan_slots SET state = 'drafted', post_id = %s WHERE id = %s", [post_id, slot])
        with pytest.raises(psycopg.errors.CheckViolation), conn.transaction():
            conn.execute("DELETE FROM plan_slots WHERE id = %s", [slot])
        with pytest.raises(psycopg.errors.CheckViolation), conn.transaction():  # it keeps what it was planned for
            conn.execute("UPDATE plan_slots SET platform = 'linkedin' WHERE id = %s", [slot])
        other, _ = post(conn, ana, account(conn, ana, "other"))
        with pytest.raises(psycopg.errors.CheckViolation), conn.transaction():  # and its post
            conn.execute("UPDATE plan_slots SET post_id = %s WHERE id = %s", [other, slot])
        assert conn.execute("SELECT state FROM weekly_plans WHERE id = %s", [plan]).fetchone() == {"state": "accepted"}


def test_posts_move_their_slots_once_and_complete_the_plan(hub_env: HubEnv, ana: uuid.UUID) -> None:
    with hub_env.hub.transaction(ana) as conn:
        plan = _plan(conn, ana)
        first, second = _slot(conn, ana, plan, 1), _slot(conn, ana, plan, 2)
        acct = account(conn, ana)
        post_id, targets = post(conn, ana, acct, targets=2)
        conn.execute("UPDATE plan_slots SET state = 'drafted', post_id = %s WHERE id = %s", [post_id, first])
        conn.execute("UPDATE post_targets SET status = 'scheduled', due_at = %s WHERE post_id = %s", [T0, post_id])
        assert conn.execute("SELECT state FROM plan_slots WHERE id = %s", [first]).fetchone() == {"state": "scheduled"}
        for target in [*targets, targets[0]]:  # two targets and a retried publish
            publish(conn, target, T0)
        assert conn.execute("SELECT state FROM plan_slots WHERE id = %s", [first]).fetchone() == {"state": "published"}
        assert conn.execute("SELECT state FROM weekly_plans WHERE id = %s", [plan]).fetchone() == {"state": "accepted"}
        conn.execute("UPDATE plan_slots SET state = 'skipped' WHERE id = %s", [second])
        assert conn.execute("SELECT state FROM weekly_plans WHERE id = %s", [plan]).fetchone() == {"state": "completed"}
        with pytest.raises(psycopg.errors.CheckViolation), conn.transaction():  # a closed plan does not change
            conn.execute("UPDATE plan_slots SET state = 'planned' WHERE id = %s", [second])
        with pytest.raises(psycopg.errors.CheckViolation), conn.transaction():
            _slot(conn, ana, plan, 3)
        conn.execute("DELETE FROM posts WHERE id = %s", [post_id])  # a deleted post still leaves cleanly
        assert conn.execute("SELECT state, post_id FROM plan_slots WHERE id = %s", [first]).fetchone() == {
            "state": "planned",
            "post_id": None,
        }


def test_a_member_sees_and_changes_only_their_own_plans(hub_env: HubEnv, ana: uuid.UUID) -> None:
    bo = new_member(hub_env.hub, "Bo")
    with hub_env.hub.transaction(ana) as conn:
        plan = _plan(conn, ana)
        slot = _slot(conn, ana, plan)
    with hub_env.hub.transaction(bo) as conn:
        assert conn.execute("SELECT count(*) AS n FROM weekly_plans").fetchone() == {"n": 0}
        assert conn.execute("UPDATE plan_slots SET topic = 'mine' WHERE id = %s", [slot]).rowcount == 0
        assert conn.execute("DELETE FROM plan_slots WHERE id = %s", [slot]).rowcount == 0
        with pytest.raises(psycopg.Error), conn.transaction():  # a slot in Ana's plan, in Bo's name or hers
            conn.execute(
                "INSERT INTO plan_slots (plan_id, member_id, position, at, local_day, platform, kind)"
                " VALUES (%s, %s, 9, %s, %s, 'x', 'idea')",
                [plan, ana, T0, MONDAY],
            )
    with hub_env.hub.transaction(ana) as conn:
        assert conn.execute("SELECT topic FROM plan_slots WHERE id = %s", [slot]).fetchone() == {"topic": "a topic"}


def test_removing_a_member_removes_their_plans_drafted_slots_included(hub_env: HubEnv, ana: uuid.UUID) -> None:
    with hub_env.hub.transaction(ana) as conn:
        plan = _plan(conn, ana)
        slot = _slot(conn, ana, plan)
        post_id, _ = post(conn, ana, account(conn, ana))
        conn.execute("UPDATE plan_slots SET state = 'drafted', post_id = %s WHERE id = %s", [post_id, slot])
    with hub_env.hub.owner() as conn:
        conn.execute("DELETE FROM members WHERE id = %s", [ana])
        left = conn.execute("SELECT (SELECT count(*) FROM weekly_plans) + (SELECT count(*) FROM plan_slots) AS n")
        assert left.fetchone() == {"n": 0}
