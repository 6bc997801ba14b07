"""Ideas in a company hub, each member on their own login role: every member sees the hub's ideas, anyone
claims a ready one (exactly one of 20 concurrent claims wins), and only the claimer or an editor develops
a claimed idea, also from raw SQL."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import psycopg
import pytest

from psn_core.errors import NotPermitted, PSNError
from psn_core.services.company.hubs import Identity, member_transaction
from psn_core.services.ideas import bank
from psn_core.services.ideas.errors import IdeaTaken
from psn_core.services.ideas.tags import parse_idea
from tests.integration.test_company_members import Company, _connect_account, _draft, make_company
from tests.support.clock import start_instant
from tests.support.hubs import HubEnv

pytestmark = pytest.mark.pg

T0 = start_instant()


@pytest.fixture
def acme(hub_env: HubEnv) -> Company:
    return make_company(hub_env)


def _ready_idea(acme: Company, who: Identity, text: str = "Customer story: Acme in Lisbon") -> uuid.UUID:
    with member_transaction(acme.hub, who) as conn:
        idea = bank.capture(conn, who.member_id, parse_idea(text), T0)
        bank.move(conn, idea.id, "promote", T0)
        bank.move(conn, idea.id, "promote", T0)
    return idea.id


def test_every_member_sees_the_hubs_ideas_and_their_history(acme: Company) -> None:
    idea = _ready_idea(acme, acme.ann)
    for who in (acme.admin, acme.editor, acme.ann, acme.bob):
        with member_transaction(acme.hub, who) as conn:
            assert [i.id for i in bank.list_ideas(conn)] == [idea]
            assert [i.id for i in bank.search_ideas(conn, "customer story")] == [idea]
            events = conn.execute("SELECT count(*) AS n FROM idea_events WHERE idea_id = %s", [idea]).fetchone()
            assert events == {"n": 3}


def test_a_contributor_cannot_develop_or_kill_another_members_claimed_idea(acme: Company) -> None:
    idea = _ready_idea(acme, acme.ann)
    with member_transaction(acme.hub, acme.ann) as conn:
        assert bank.move(conn, idea, "promote", T0).claimed_by == acme.ann.member_id
    for sql_text, params in (
        ("UPDATE ideas SET state = 'developed' WHERE id = %s", [idea]),
        ("UPDATE ideas SET state = 'killed', kill_reason = 'mine now' WHERE id = %s", [idea]),
        ("UPDATE ideas SET state = 'ready' WHERE id = %s", [idea]),
        ("UPDATE ideas SET text = 'rewritten' WHERE id = %s", [idea]),
        ("UPDATE ideas SET claimed_by = %s WHERE id = %s", [acme.bob.member_id, idea]),
    ):
        with pytest.raises(psycopg.errors.InsufficientPrivilege), member_transaction(acme.hub, acme.bob) as conn:
            conn.execute(sql_text, params)
    with member_transaction(acme.hub, acme.bob) as conn, pytest.raises(NotPermitted, match="claimer"):
        bank.move(conn, idea, "promote", T0)
    with member_transaction(acme.hub, acme.ann) as conn:
        assert bank.move(conn, idea, "promote", T0).state == "developed"
    with member_transaction(acme.hub, acme.editor) as conn:  # an editor may
        assert bank.move(conn, idea, "kill", T0, reason="covered last week").state == "killed"


def test_a_contributor_cannot_move_another_members_unclaimed_idea_but_may_claim_it(acme: Company) -> None:
    with member_transaction(acme.hub, acme.ann) as conn:
        spark = bank.capture(conn, acme.ann.member_id, parse_idea("Ann's spark"), T0)
    with pytest.raises(psycopg.errors.InsufficientPrivilege), member_transaction(acme.hub, acme.bob) as conn:
        conn.execute("UPDATE ideas SET state = 'seed' WHERE id = %s", [spark.id])
    with pytest.raises(psycopg.errors.InsufficientPrivilege), member_transaction(acme.hub, acme.bob) as conn:
        conn.execute("INSERT INTO ideas (member_id, text) VALUES (%s, 'in Ann''s name')", [acme.ann.member_id])
    ready = _ready_idea(acme, acme.ann, "Ann's ready idea")
    with member_transaction(acme.hub, acme.bob) as conn:
        claimed = bank.move(conn, ready, "promote", T0)
    assert (claimed.state, claimed.claimed_by) == ("claimed", acme.bob.member_id)


def test_twenty_concurrent_claims_of_one_idea_have_exactly_one_winner(acme: Company) -> None:
    idea = _ready_idea(acme, acme.admin)
    people = [acme.admin, acme.editor, acme.ann, acme.bob] * 5
    barrier = threading.Barrier(len(people))
    outcomes: list[str] = []
    lock = threading.Lock()

    def claim(who: Identity) -> None:
        try:
            with member_transaction(acme.hub, who) as conn:
                barrier.wait(timeout=30)
                bank.move(conn, idea, "claim", T0)
            result = f"won:{who.member_id}"
        except IdeaTaken:
            result = "taken"
        except PSNError as exc:
            result = f"error:{type(exc).__name__}"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=claim, args=(who,)) for who in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    winners = [o for o in outcomes if o.startswith("won:")]
    assert len(outcomes) == 20 and len(winners) == 1, outcomes
    assert outcomes.count("taken") == 19
    with member_transaction(acme.hub, acme.bob) as conn:
        claimed = bank.get_idea(conn, idea)
        claims = conn.execute(
            "SELECT count(*) AS n FROM idea_events WHERE idea_id = %s AND to_state = 'claimed'", [idea]
        ).fetchone()
    assert f"won:{claimed.claimed_by}" == winners[0]
    assert claims == {"n": 1}


def test_expiry_in_a_company_hub_kills_what_the_caller_may_kill(acme: Company) -> None:
    with member_transaction(acme.hub, acme.ann) as conn:
        anns = bank.capture(conn, acme.ann.member_id, parse_idea("Breaking: Acme wins award"), T0)
    with member_transaction(acme.hub, acme.bob) as conn:
        bobs = bank.capture(conn, acme.bob.member_id, parse_idea("Launch today at noon"), T0)
        assert bank.expire(conn, T0 + timedelta(hours=49)) == 1  # Bob's own only
    with member_transaction(acme.hub, acme.editor) as conn:
        assert bank.expire(conn, T0 + timedelta(hours=49)) == 1  # an editor's worker gets the rest
        states = {i.id: i.state for i in bank.list_ideas(conn, states=["killed"])}
    assert states == {anns.id: "killed", bobs.id: "killed"}


def test_a_contributor_cannot_link_another_members_claimed_idea_to_their_post(acme: Company) -> None:
    _connect_account(acme)
    idea = _ready_idea(acme, acme.ann)
    with member_transaction(acme.hub, acme.ann) as conn:
        bank.move(conn, idea, "promote", T0)
        bank.move(conn, idea, "promote", T0)  # developed, by Ann
    post = _draft(acme.hub, acme.bob, "bob's post")
    with pytest.raises(psycopg.errors.InsufficientPrivilege), member_transaction(acme.hub, acme.bob) as conn:
        conn.execute("INSERT INTO idea_posts (idea_id, post_id) VALUES (%s, %s)", [idea, post])
    with member_transaction(acme.hub, acme.bob) as conn, pytest.raises(NotPermitted):
        bank.develop(conn, idea, post, T0)
    ann_post = _draft(acme.hub, acme.ann, "ann's post")
    with member_transaction(acme.hub, acme.ann) as conn:
        assert bank.develop(conn, idea, ann_post, T0).post_ids == [ann_post]


def test_a_claim_is_always_the_callers_own_and_the_capturer_never_changes(acme: Company) -> None:
    idea = _ready_idea(acme, acme.ann)
    with member_transaction(acme.hub, acme.bob) as conn:  # Bob claims "for Ann": the hub records Bob
        conn.execute("UPDATE ideas SET state = 'claimed', claimed_by = %s WHERE id = %s", [acme.ann.member_id, idea])
        assert bank.get_idea(conn, idea).claimed_by == acme.bob.member_id
    with pytest.raises(psycopg.errors.InsufficientPrivilege), member_transaction(acme.hub, acme.ann) as conn:
        conn.execute("UPDATE ideas SET member_id = %s WHERE id = %s", [acme.bob.member_id, idea])
    with pytest.raises(psycopg.errors.InsufficientPrivilege), member_transaction(acme.hub, acme.admin) as conn:
        conn.execute("UPDATE ideas SET created_at = created_at - interval '3 days' WHERE id = %s", [idea])
    with member_transaction(acme.hub, acme.bob) as conn:
        events = conn.execute(
            "SELECT by_member FROM idea_events WHERE idea_id = %s AND to_state = 'claimed'", [idea]
        ).fetchall()
    assert events == [{"by_member": acme.bob.member_id}]
