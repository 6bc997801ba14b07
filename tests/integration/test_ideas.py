"""The ideas bank on a real hub: the state machine enforced by Postgres (every allowed and every forbidden
move, also as raw SQL from psn_app), every move recorded, RLS between members, expiry at fixed instants,
search ranking, and an idea used exactly once when its post publishes."""

from __future__ import annotations

import itertools
import threading
import uuid
from datetime import timedelta

import psycopg
import pytest

from psn_core.hub.database import act_for_member
from psn_core.services.ideas import bank
from psn_core.services.ideas.errors import IdeaInputInvalid, IdeaNotFound, IdeaTransitionRefused
from psn_core.services.ideas.models import LIVE, STATES, TRANSITIONS
from psn_core.services.ideas.tags import parse_idea
from tests.support.clock import start_instant
from tests.support.hubs import HubEnv, new_member

pytestmark = pytest.mark.pg

T0 = start_instant()
# The shortest walk from a new spark to each state (raw SQL, one allowed move at a time).
PATH = {
    "spark": [],
    "seed": ["seed"],
    "ready": ["seed", "ready"],
    "claimed": ["seed", "ready", "claimed"],
    "developed": ["seed", "ready", "claimed", "developed"],
    "used": ["seed", "ready", "claimed", "developed", "used"],
    "killed": ["killed"],
}


def _raw_idea(conn: psycopg.Connection, member: uuid.UUID, state: str) -> uuid.UUID:  # type: ignore[type-arg]
    row = conn.execute("INSERT INTO ideas (member_id, text) VALUES (%s, 'an idea') RETURNING id", [member]).fetchone()
    assert row is not None
    for step in PATH[state]:
        reason = "dropped" if step == "killed" else None
        conn.execute("UPDATE ideas SET state = %s, kill_reason = %s WHERE id = %s", [step, reason, row["id"]])
    return uuid.UUID(str(row["id"]))


@pytest.fixture
def ana(hub_env: HubEnv) -> uuid.UUID:
    return new_member(hub_env.hub, "Ana")


@pytest.mark.parametrize(("from_state", "to_state"), sorted(TRANSITIONS))
def test_every_allowed_move_works_from_raw_sql_and_is_recorded(
    hub_env: HubEnv, ana: uuid.UUID, from_state: str, to_state: str
) -> None:
    with hub_env.hub.transaction(ana) as conn:
        idea = _raw_idea(conn, ana, from_state)
        reason = "not for us" if to_state == "killed" else None
        conn.execute(
            "UPDATE ideas SET state = %s, kill_reason = %s, transition_note = 'why' WHERE id = %s",
            [to_state, reason, idea],
        )
        row = conn.execute("SELECT state, transition_note FROM ideas WHERE id = %s", [idea]).fetchone()
        events = conn.execute(
            "SELECT from_state, to_state, by_member, reason FROM idea_events WHERE idea_id = %s ORDER BY id", [idea]
        ).fetchall()
    assert row == {"state": to_state, "transition_note": None}  # the note goes to the event, not the idea
    assert events[0]["from_state"] is None and events[0]["to_state"] == "spark"
    assert [e["to_state"] for e in events[1:]] == [*PATH[from_state], to_state]
    assert events[-1] == {
        "from_state": from_state,
        "to_state": to_state,
        "by_member": ana,
        "reason": "not for us" if to_state == "killed" else "why",
    }


FORBIDDEN = sorted((a, b) for a, b in itertools.product(STATES, STATES) if a != b and (a, b) not in TRANSITIONS)


@pytest.mark.parametrize(("from_state", "to_state"), FORBIDDEN)
def test_every_forbidden_move_raises_even_from_raw_sql(
    hub_env: HubEnv, ana: uuid.UUID, from_state: str, to_state: str
) -> None:
    with hub_env.hub.transaction(ana) as conn:
        idea = _raw_idea(conn, ana, from_state)
    reason = "x" if to_state == "killed" else None
    with pytest.raises(psycopg.errors.CheckViolation), hub_env.hub.transaction(ana) as conn:
        conn.execute("UPDATE ideas SET state = %s, kill_reason = %s WHERE id = %s", [to_state, reason, idea])
    with hub_env.hub.transaction(ana) as conn:
        assert conn.execute("SELECT state FROM ideas WHERE id = %s", [idea]).fetchone() == {"state": from_state}


def test_the_service_refuses_a_forbidden_move_with_a_sentence(hub_env: HubEnv, ana: uuid.UUID) -> None:
    with hub_env.hub.transaction(ana) as conn:
        idea = _raw_idea(conn, ana, "used")
        with pytest.raises(IdeaTransitionRefused, match="used"):
            bank.move(conn, idea, "promote", T0)
        with pytest.raises(IdeaTransitionRefused, match="used"):
            bank.move(conn, idea, "kill", T0, reason="late")


@pytest.mark.parametrize("state", LIVE)
def test_a_kill_without_a_reason_is_refused_by_the_hub(hub_env: HubEnv, ana: uuid.UUID, state: str) -> None:
    with hub_env.hub.transaction(ana) as conn:
        idea = _raw_idea(conn, ana, state)
    for blank in (None, "", "   "):
        with pytest.raises(psycopg.errors.CheckViolation), hub_env.hub.transaction(ana) as conn:
            conn.execute("UPDATE ideas SET state = 'killed', kill_reason = %s WHERE id = %s", [blank, idea])
    with hub_env.hub.transaction(ana) as conn, pytest.raises(IdeaTransitionRefused, match="reason"):
        bank.move(conn, idea, "kill", T0, reason=" ")


def test_ideas_are_born_sparks_and_events_cannot_be_forged_or_ideas_deleted(hub_env: HubEnv, ana: uuid.UUID) -> None:
    with pytest.raises(psycopg.errors.CheckViolation), hub_env.hub.transaction(ana) as conn:
        conn.execute("INSERT INTO ideas (member_id, text, state) VALUES (%s, 'x', 'ready')", [ana])
    with hub_env.hub.transaction(ana) as conn:
        idea = _raw_idea(conn, ana, "seed")
    with pytest.raises(psycopg.errors.InsufficientPrivilege), hub_env.hub.transaction(ana) as conn:
        conn.execute(
            "INSERT INTO idea_events (idea_id, member_id, to_state, by_member) VALUES (%s, %s, 'used', %s)",
            [idea, ana, ana],
        )
    with pytest.raises(psycopg.errors.InsufficientPrivilege), hub_env.hub.transaction(ana) as conn:
        conn.execute("DELETE FROM ideas WHERE id = %s", [idea])
    with pytest.raises(psycopg.errors.InsufficientPrivilege), hub_env.hub.transaction(ana) as conn:
        conn.execute("DELETE FROM idea_events WHERE idea_id = %s", [idea])


def test_another_member_cannot_read_or_change_my_ideas(hub_env: HubEnv, ana: uuid.UUID) -> None:
    bo = new_member(hub_env.hub, "Bo")
    with hub_env.hub.transaction(ana) as conn:
        idea = _raw_idea(conn, ana, "ready")
    with hub_env.hub.transaction(bo) as conn:
        assert conn.execute("SELECT count(*) AS n FROM ideas").fetchone() == {"n": 0}
        assert bank.search_ideas(conn, "idea") == []  # the search function applies the policy too
        found = conn.execute("SELECT * FROM psn_search_ideas('idea', '{ready}', NULL, NULL, 10)").fetchall()
        assert found == []
        assert conn.execute("SELECT count(*) AS n FROM idea_events").fetchone() == {"n": 0}
        changed = conn.execute("UPDATE ideas SET state = 'claimed' WHERE id = %s", [idea]).rowcount
        assert changed == 0
        with pytest.raises(IdeaNotFound):
            bank.move(conn, idea, "promote", T0)
    with pytest.raises(psycopg.errors.InsufficientPrivilege), hub_env.hub.transaction(bo) as conn:
        conn.execute("INSERT INTO ideas (member_id, text) VALUES (%s, 'planted')", [ana])
    with hub_env.hub.transaction(ana) as conn:
        assert conn.execute("SELECT state FROM ideas WHERE id = %s", [idea]).fetchone() == {"state": "ready"}
        assert [i.id for i in bank.search_ideas(conn, "idea")] == [idea]
    with hub_env.hub.app() as conn:  # no member at all
        assert conn.execute("SELECT * FROM psn_search_ideas('idea', '{ready}', NULL, NULL, 10)").fetchall() == []


def test_capture_parses_tags_and_promote_walks_the_machine(hub_env: HubEnv, ana: uuid.UUID) -> None:
    parsed = parse_idea("Breaking: our API is public #pillar:product #platform:linkedin")
    with hub_env.hub.transaction(ana) as conn:
        idea = bank.capture(conn, ana, parsed, T0)
        assert idea.text == "Breaking: our API is public"
        assert (idea.pillar, idea.platform, idea.urgency, idea.state) == ("product", "linkedin", "timely", "spark")
        assert idea.expires_at == T0 + timedelta(hours=48)
        states = [bank.move(conn, idea.short_id, "promote", T0).state for _ in range(4)]
        assert states == ["seed", "ready", "claimed", "developed"]
        assert bank.get_idea(conn, idea.id).claimed_by == ana
        with pytest.raises(IdeaInputInvalid, match="strategy"):
            bank.capture(conn, ana, parse_idea("x #pillar:cooking"), T0, pillars={"product"})


def test_expiry_kills_timely_after_48_hours_and_seasonal_after_30_days(hub_env: HubEnv, ana: uuid.UUID) -> None:
    with hub_env.hub.transaction(ana) as conn:
        timely = bank.capture(conn, ana, parse_idea("Launch today"), T0)
        seasonal = bank.capture(conn, ana, parse_idea("Christmas gift guide"), T0)
        evergreen = bank.capture(conn, ana, parse_idea("How we hire"), T0)
        claimed = bank.capture(conn, ana, parse_idea("Breaking news on pricing"), T0)
        for _ in range(3):
            bank.move(conn, claimed.id, "promote", T0)
        assert (timely.urgency, seasonal.urgency, evergreen.urgency) == ("timely", "seasonal", "evergreen")
        assert bank.expire(conn, T0 + timedelta(hours=47, minutes=59)) == 0
        assert bank.expire(conn, T0 + timedelta(hours=48)) == 1
        assert bank.get_idea(conn, timely.id).state == "killed"
        assert bank.expire(conn, T0 + timedelta(days=29, hours=23)) == 0
        assert bank.expire(conn, T0 + timedelta(days=30)) == 1
        assert bank.expire(conn, T0 + timedelta(days=400)) == 0  # evergreen and claimed ideas stay
        reason = conn.execute(
            "SELECT reason FROM idea_events WHERE idea_id = %s AND to_state = 'killed'", [seasonal.id]
        ).fetchone()
        assert reason is not None and "seasonal" in reason["reason"]
        states = {i.id: i.state for i in bank.list_ideas(conn, states=STATES)}
    assert states == {timely.id: "killed", seasonal.id: "killed", evergreen.id: "spark", claimed.id: "claimed"}


def test_stale_is_sparks_after_14_days_and_seeds_after_30_and_touch_resets_it(hub_env: HubEnv, ana: uuid.UUID) -> None:
    with hub_env.hub.transaction(ana) as conn:
        spark = bank.capture(conn, ana, parse_idea("A spark of an idea"), T0)
        seed = bank.capture(conn, ana, parse_idea("A seed of an idea"), T0)
        bank.move(conn, seed.id, "promote", T0)
        assert bank.stale(conn, T0 + timedelta(days=13)) == []
        assert [i.id for i in bank.stale(conn, T0 + timedelta(days=14))] == [spark.id]
        bank.move(conn, spark.id, "touch", T0 + timedelta(days=20))
        assert [i.id for i in bank.stale(conn, T0 + timedelta(days=30))] == [seed.id]
        assert bank.stats(conn, T0 + timedelta(days=30)).stale == 1


def test_search_ranks_the_closest_match_first_in_each_language(hub_env: HubEnv, ana: uuid.UUID) -> None:
    texts = [
        "Pricing pages that convert: what we learned redesigning ours",
        "A thread on pricing",
        "Hiring engineers in Madrid",
        "Cómo diseñamos nuestras páginas de precios #lang:es",
        "Pricing experiments, pricing mistakes and pricing wins",
    ]
    with hub_env.hub.transaction(ana) as conn:
        made = [bank.capture(conn, ana, parse_idea(t), T0) for t in texts]
        found = bank.search_ideas(conn, "pricing")
        spanish = bank.search_ideas(conn, "precio")
        phrase = bank.search_ideas(conn, '"pricing pages" -thread')
    assert found[0].id == made[4].id  # three times beats once
    assert {i.id for i in found} == {made[0].id, made[1].id, made[4].id}
    assert all(a.rank is not None and b.rank is not None and a.rank >= b.rank for a, b in itertools.pairwise(found))
    assert [i.id for i in spanish] == [made[3].id]  # Spanish stemming: precios ~ precio
    assert [i.id for i in phrase] == [made[0].id]


def _post_with_targets(conn: psycopg.Connection, member: uuid.UUID, n: int) -> tuple[uuid.UUID, list[uuid.UUID]]:  # type: ignore[type-arg]
    account = conn.execute(
        "INSERT INTO accounts (member_id, platform, handle, remote_user_id) VALUES (%s, 'x', 'ana', 'r1') RETURNING id",
        [member],
    ).fetchone()
    post = conn.execute(
        "INSERT INTO posts (member_id, idea, timezone) VALUES (%s, 'x', 'UTC') RETURNING id", [member]
    ).fetchone()
    assert account is not None and post is not None
    targets = []
    for _ in range(n):
        row = conn.execute(
            "INSERT INTO post_targets (post_id, member_id, account_id, platform, rendering)"
            ' VALUES (%s, %s, %s, \'x\', \'{"parts": [{"text": "hi"}]}\') RETURNING id',
            [post["id"], member, account["id"]],
        ).fetchone()
        assert row is not None
        targets.append(uuid.UUID(str(row["id"])))
    return uuid.UUID(str(post["id"])), targets


def test_a_developed_idea_is_used_exactly_once_when_its_post_publishes(hub_env: HubEnv, ana: uuid.UUID) -> None:
    with hub_env.hub.transaction(ana) as conn:
        idea = bank.capture(conn, ana, parse_idea("Our launch story"), T0)
        post, targets = _post_with_targets(conn, ana, 2)
        developed = bank.develop(conn, idea.id, post, T0)
        assert (developed.state, developed.post_ids) == ("developed", [post])
    for target in [*targets, targets[0]]:  # two targets, and a repeated publish of the first
        with hub_env.hub.transaction(ana) as conn:
            conn.execute(
                "UPDATE post_targets SET status = 'publishing' WHERE id = %s AND status <> 'published'", [target]
            )
            conn.execute("UPDATE post_targets SET status = 'published' WHERE id = %s", [target])
    with hub_env.hub.transaction(ana) as conn:
        events = conn.execute("SELECT from_state, to_state FROM idea_events WHERE idea_id = %s ORDER BY id", [idea.id])
        moves = [(e["from_state"], e["to_state"]) for e in events.fetchall()]
        assert bank.get_idea(conn, idea.id).state == "used"
        with pytest.raises(IdeaTransitionRefused):
            bank.develop(conn, idea.id, post, T0)
    assert moves[-1] == ("developed", "used") and moves.count(("developed", "used")) == 1
    assert [m[1] for m in moves] == ["spark", "seed", "ready", "claimed", "developed", "used"]


def test_concurrent_publishes_of_one_ideas_post_use_it_once(hub_env: HubEnv, ana: uuid.UUID) -> None:
    with hub_env.hub.transaction(ana) as conn:
        idea = bank.capture(conn, ana, parse_idea("One idea, five accounts"), T0)
        post, targets = _post_with_targets(conn, ana, 5)
        bank.develop(conn, idea.id, post, T0)
    barrier = threading.Barrier(len(targets))
    errors: list[BaseException] = []

    def publish(target: uuid.UUID) -> None:
        try:
            with hub_env.hub.app() as conn, conn.transaction():  # a connection each, outside the pool
                act_for_member(conn, ana, None, local=True)
                barrier.wait(timeout=30)
                conn.execute("UPDATE post_targets SET status = 'published' WHERE id = %s", [target])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=publish, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    with hub_env.hub.transaction(ana) as conn:
        used = conn.execute(
            "SELECT count(*) AS n FROM idea_events WHERE idea_id = %s AND to_state = 'used'", [idea.id]
        ).fetchone()
        published = conn.execute("SELECT count(*) AS n FROM post_targets WHERE status = 'published'").fetchone()
    assert errors == [] and published == {"n": 5}
    assert used == {"n": 1}
