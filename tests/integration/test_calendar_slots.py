"""Company calendar slots on a real company hub, each member on their own login role: exactly one of 20
concurrent claims of a slot wins; a taken slot is refused naming its holder and nothing changes; only the
claimer or an editor releases; a company post drafted at the claimed slot is linked to it, and one made
from a company idea (idea_id) is linked to the idea, which moves to developed. Every instant derives
from the test's clock (tests/support/clock.py), never the real date."""

from __future__ import annotations

import threading
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest

from psn_core.errors import NotPermitted, PostNotFound, PSNError
from psn_core.services.company import approvals, slots
from psn_core.services.company.hubs import CompanyHub, Identity, member_transaction
from psn_core.services.company.slot_errors import SlotInputInvalid, SlotNotFound, SlotTaken
from psn_core.services.ideas import bank
from psn_core.services.ideas.errors import IdeaNotFound, IdeaTransitionRefused
from psn_core.services.ideas.tags import parse_idea
from psn_core.services.posting import posts
from psn_core.services.posting.schedule_time import resolve
from tests.integration.test_company_members import Company, _connect_account, make_company
from tests.support.clock import start_instant
from tests.support.hubs import HubEnv

pytestmark = pytest.mark.pg

T0 = start_instant()
ZONE = ZoneInfo("Europe/Madrid")
SLOT = (T0 + timedelta(days=2)).replace(second=0, microsecond=0)  # a slot two days after the clock's start


@pytest.fixture
def acme(hub_env: HubEnv) -> Company:
    company = make_company(hub_env)
    _connect_account(company)  # the admin's X account @acme
    return company


def _claim(acme: Company, who: Identity, at: datetime = SLOT, account: str = "x") -> slots.ClaimResult:
    with member_transaction(acme.hub, who) as conn:
        return slots.claim(conn, account, at, T0, ZONE)


def _release(acme: Company, who: Identity, ref: str) -> slots.SlotClaim:
    with member_transaction(acme.hub, who) as conn:
        return slots.release(conn, ref, ZONE)


def _rows(acme: Company) -> list[tuple[datetime, uuid.UUID, uuid.UUID | None]]:
    with acme.hub.owner() as conn:
        found = conn.execute("SELECT slot_at, claimed_by, post_id FROM calendar_slots ORDER BY slot_at").fetchall()
    return [(r["slot_at"], r["claimed_by"], r["post_id"]) for r in found]


def test_twenty_concurrent_claims_of_one_slot_have_exactly_one_winner(acme: Company) -> None:
    people = [acme.admin, acme.editor, acme.ann, acme.bob] * 5
    barrier = threading.Barrier(len(people))
    outcomes: list[tuple[str, uuid.UUID]] = []
    lock = threading.Lock()

    def claim(who: Identity) -> None:
        try:
            with member_transaction(acme.hub, who) as conn:  # a connection of its own, on the member's role
                barrier.wait(timeout=30)
                done = slots.claim(conn, "x", SLOT, T0, ZONE)
            result = "already" if done.already_yours else "won"
        except SlotTaken:
            result = "taken"
        except PSNError as exc:
            result = f"error:{type(exc).__name__}"
        with lock:
            outcomes.append((result, who.member_id))

    threads = [threading.Thread(target=claim, args=(who,)) for who in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(outcomes) == 20, outcomes
    winners = [member for result, member in outcomes if result == "won"]
    assert len(winners) == 1, outcomes
    # the winner's other threads find the slot theirs already; everyone else is told it is taken
    assert {member for result, member in outcomes if result == "already"} <= {winners[0]}
    assert all(result in ("won", "already", "taken") for result, _ in outcomes), outcomes
    assert not [m for result, m in outcomes if result == "taken" and m == winners[0]]
    assert _rows(acme) == [(SLOT, winners[0], None)]


def test_claiming_a_taken_slot_names_the_holder_and_changes_nothing(acme: Company) -> None:
    held = _claim(acme, acme.ann)
    assert not held.already_yours and held.claim.mine and held.claim.claimer == "Ann"
    with pytest.raises(SlotTaken) as taken:
        _claim(acme, acme.bob)
    assert "already claimed by Ann" in taken.value.message and "nothing changed" in taken.value.message
    assert "ask Ann or an editor to release it" in taken.value.action
    with pytest.raises(SlotTaken):
        _claim(acme, acme.editor)  # roles do not take a claim either
    again = _claim(acme, acme.ann)
    assert again.already_yours and again.claim.id == held.claim.id
    assert _rows(acme) == [(SLOT, acme.ann.member_id, None)]
    other = _claim(acme, acme.bob, SLOT + timedelta(hours=1))  # the next slot is free
    assert other.claim.claimer == "Bob" and len(_rows(acme)) == 2


def test_a_past_slot_an_unknown_account_or_a_long_note_is_refused_and_nothing_is_claimed(acme: Company) -> None:
    with pytest.raises(SlotInputInvalid, match="has passed"):
        _claim(acme, acme.ann, T0 - timedelta(minutes=1))
    with pytest.raises(PostNotFound):
        _claim(acme, acme.ann, account="linkedin")
    with pytest.raises(SlotInputInvalid, match="200 characters"), member_transaction(acme.hub, acme.ann) as conn:
        slots.claim(conn, "x", SLOT, T0, ZONE, note="n" * 201)
    assert _rows(acme) == []


def test_a_slot_is_claimed_to_the_minute(acme: Company) -> None:
    done = _claim(acme, acme.ann, SLOT + timedelta(seconds=42))
    assert done.claim.at == SLOT
    with pytest.raises(SlotTaken):
        _claim(acme, acme.bob, SLOT + timedelta(seconds=7))


def test_a_contributor_cannot_release_another_members_claim_but_an_editor_can(acme: Company) -> None:
    held = _claim(acme, acme.ann).claim
    with pytest.raises(NotPermitted) as refused:
        _release(acme, acme.bob, held.short_id)
    assert "Ann's claim" in refused.value.message and "nothing changed" in refused.value.message
    assert _rows(acme) == [(SLOT, acme.ann.member_id, None)]
    gone = _release(acme, acme.editor, str(held.id))
    assert gone.id == held.id and _rows(acme) == []
    assert _claim(acme, acme.bob).claim.claimer == "Bob"  # free to claim again


def test_the_claimer_releases_their_own_and_an_unknown_slot_is_not_found(acme: Company) -> None:
    held = _claim(acme, acme.ann).claim
    assert _release(acme, acme.ann, held.short_id).id == held.id
    assert _rows(acme) == []
    with pytest.raises(SlotNotFound):
        _release(acme, acme.ann, held.short_id)
    with pytest.raises(SlotNotFound):
        _release(acme, acme.ann, "abc")


def test_a_removed_member_can_neither_claim_nor_release(acme: Company) -> None:
    held = _claim(acme, acme.bob).claim
    with member_transaction(acme.hub, acme.admin) as conn:
        from psn_core.services.company import members

        members.remove_member(conn, "Bob", T0)
    with pytest.raises(PSNError):  # a removed member's role cannot log in any more
        _claim(acme, acme.bob, SLOT + timedelta(hours=2))
    assert _rows(acme) == [(SLOT, acme.bob.member_id, None)]  # their claim stays until an editor releases it
    assert _release(acme, acme.admin, str(held.id)).claimer == "Bob"


def _company_post(
    acme: Company, who: Identity, tmp: Path, at: datetime, idea_id: str | uuid.UUID | None = None
) -> approvals.CompanyPostResult:
    with CompanyHub(acme.env.settings, acme.connection_as(who)) as hub:
        return approvals.post_for_company(
            hub, ["x"], [posts.PartInput(text="Launch day at Acme")], resolve(at, "Europe/Madrid", T0),
            lambda *_: "unused", media_dir=tmp / "media", media_host=None, idea="launch",
            idea_id=idea_id, now=T0,
        )  # fmt: skip


def test_a_company_post_at_the_claimed_slot_is_linked_to_the_claim(acme: Company, tmp_path: Path) -> None:
    mine = _claim(acme, acme.ann).claim
    bobs = _claim(acme, acme.bob, SLOT + timedelta(hours=3)).claim
    elsewhere = _company_post(acme, acme.ann, tmp_path, SLOT + timedelta(hours=1))
    assert elsewhere.slots == []  # not at the slot's time: nothing linked
    done = _company_post(acme, acme.ann, tmp_path, SLOT)
    assert done.status == "pending_approval" and done.slots == [mine.id]
    not_hers = _company_post(acme, acme.ann, tmp_path, SLOT + timedelta(hours=3))
    assert not_hers.slots == []  # Bob's claim stays Bob's, unlinked
    assert _rows(acme) == [(SLOT, acme.ann.member_id, done.post.id), (bobs.at, acme.bob.member_id, None)]


def _company_idea(acme: Company, who: Identity) -> uuid.UUID:
    with member_transaction(acme.hub, who) as conn:
        return bank.capture(conn, who.member_id, parse_idea("Launch day retrospective #platform:x"), T0).id


def test_a_company_post_made_from_a_company_idea_links_it_and_develops_it(acme: Company, tmp_path: Path) -> None:
    idea = _company_idea(acme, acme.ann)
    done = _company_post(acme, acme.ann, tmp_path, SLOT, idea_id=str(idea)[:8])
    assert done.idea_id == idea
    with member_transaction(acme.hub, acme.ann) as conn:
        developed = bank.get_idea(conn, idea)
        linked = conn.execute("SELECT post_id FROM idea_posts WHERE idea_id = %s", [idea]).fetchall()
    assert developed.state == "developed" and developed.claimed_by == acme.ann.member_id
    assert [r["post_id"] for r in linked] == [done.post.id]


def test_a_company_post_from_an_unknown_or_used_idea_writes_nothing(acme: Company, tmp_path: Path) -> None:
    def post_count() -> int:
        with acme.hub.owner() as conn:
            return int(conn.execute("SELECT count(*) AS n FROM posts").fetchone()["n"])  # type: ignore[index]

    with pytest.raises(IdeaNotFound):
        _company_post(acme, acme.ann, tmp_path, SLOT, idea_id=uuid.uuid4())
    idea = _company_idea(acme, acme.ann)
    with member_transaction(acme.hub, acme.ann) as conn:
        bank.move(conn, idea, "kill", T0, reason="old news")
    with pytest.raises(IdeaTransitionRefused):
        _company_post(acme, acme.ann, tmp_path, SLOT, idea_id=idea)
    assert post_count() == 0


def test_slots_are_claimed_only_in_company_hubs(hub_env: HubEnv) -> None:
    from tests.support.hubs import new_member

    me = new_member(hub_env.hub, "Solo")
    with pytest.raises(SlotInputInvalid, match="company hubs"), hub_env.hub.transaction(me) as conn:
        slots.claim(conn, "x", SLOT, T0, ZONE)


def test_a_live_posts_link_is_never_cleared_not_even_by_an_editor_but_a_rejected_ones_is(
    acme: Company, tmp_path: Path
) -> None:
    import psycopg

    mine = _claim(acme, acme.ann).claim
    done = _company_post(acme, acme.ann, tmp_path, SLOT)
    refused = []
    for name, who in (("ann", acme.ann), ("editor", acme.editor), ("bob", acme.bob)):
        try:
            with member_transaction(acme.hub, who) as conn:
                conn.execute("UPDATE calendar_slots SET post_id = NULL WHERE id = %s", [mine.id])
        except psycopg.errors.InsufficientPrivilege:
            refused.append(name)
    linked_while_pending = _rows(acme)
    with member_transaction(acme.hub, acme.editor) as conn:
        approvals.reject(conn, str(done.post.id), "Off brand", T0)
    assert refused == ["ann", "editor"]  # Bob, a contributor, does not even see it to update
    assert linked_while_pending == [(SLOT, acme.ann.member_id, done.post.id)]
    assert _rows(acme) == [(SLOT, acme.ann.member_id, None)]


def test_a_claim_within_the_slot_tolerance_of_another_is_taken(acme: Company) -> None:
    _claim(acme, acme.ann)
    with pytest.raises(SlotTaken) as taken:
        _claim(acme, acme.bob, SLOT + timedelta(minutes=5))  # the calendar's ±30 min: the same slot
    assert "already claimed by Ann" in taken.value.message
    with pytest.raises(SlotTaken):
        _claim(acme, acme.bob, SLOT - timedelta(minutes=29))
    with member_transaction(acme.hub, acme.bob) as conn, pytest.raises(psycopg.errors.IntegrityError):
        conn.execute(  # raw SQL past psn: the hub refuses it too
            "INSERT INTO calendar_slots (account_id, platform, slot_at) SELECT id, 'x', %s FROM accounts",
            [SLOT + timedelta(minutes=10)],
        )
    assert _claim(acme, acme.bob, SLOT + timedelta(minutes=30)).claim.claimer == "Bob"  # the next slot
    assert [at for at, _, _ in _rows(acme)] == [SLOT, SLOT + timedelta(minutes=30)]


def test_twenty_concurrent_claims_minutes_apart_on_one_account_have_one_winner(acme: Company) -> None:
    people = [acme.admin, acme.editor, acme.ann, acme.bob] * 5
    barrier = threading.Barrier(len(people))
    outcomes: list[str] = []
    lock = threading.Lock()

    def claim(who: Identity, minute: int) -> None:
        try:
            with member_transaction(acme.hub, who) as conn:
                barrier.wait(timeout=30)
                done = slots.claim(conn, "x", SLOT + timedelta(minutes=minute), T0, ZONE)
            result = "already" if done.already_yours else "won"
        except SlotTaken:
            result = "taken"
        except PSNError as exc:
            result = f"error:{type(exc).__name__}"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=claim, args=(who, n)) for n, who in enumerate(people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(outcomes) == 20 and outcomes.count("won") == 1, outcomes
    assert set(outcomes) <= {"won", "already", "taken"}, outcomes
    assert len(_rows(acme)) == 1


def test_deleting_the_post_of_a_claimed_slot_unlinks_the_claim(acme: Company, tmp_path: Path) -> None:
    mine = _claim(acme, acme.ann).claim
    done = _company_post(acme, acme.ann, tmp_path, SLOT)
    assert done.slots == [mine.id]
    with member_transaction(acme.hub, acme.ann) as conn:  # its author deletes the post: the claim stays, unlinked
        assert conn.execute("DELETE FROM posts WHERE id = %s RETURNING id", [done.post.id]).fetchall()
    assert _rows(acme) == [(SLOT, acme.ann.member_id, None)]
    again = _company_post(acme, acme.ann, tmp_path, SLOT)  # drafted again: linked again
    with member_transaction(acme.hub, acme.ann) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("UPDATE calendar_slots SET post_id = NULL")  # a live post's link is never dropped by hand
    assert again.slots == [mine.id] and _rows(acme) == [(SLOT, acme.ann.member_id, again.post.id)]
