"""The weekly plan on a real hub, from the test clock (the week after its week, so every time is ahead):
series first, ready ideas weighted toward pillars below their share, at most 2 of an angle, languages
balanced, the strategy's times, capacity from its frequency; the same inputs give the same plan; a plan
made again keeps drafted slots; a slot drafted through save_draft; ratings through the ideas machine;
"what should I post?" in order; remix and recycle from the analytics tables."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest

from psn_core.services.ideas import bank
from psn_core.services.ideas.errors import IdeaTransitionRefused
from psn_core.services.plan import rating, store
from psn_core.services.plan.errors import PlanInputInvalid, PlanNeedsStrategy, PlanNotFound, PlanSlotRefused
from psn_core.services.posting.posts import cancel_post
from psn_core.services.posting.saved_drafts import DraftTarget, ReviewedDraft, save_draft
from psn_core.services.series.models import Series
from tests.support.clock import start_instant
from tests.support.hubs import HubEnv, new_member
from tests.support.plan_world import ZONE, next_week, published_post, ready_idea, strategy, x_account
from tests.support.series_world import make_series

pytestmark = [pytest.mark.pg, pytest.mark.dates]

T0 = start_instant()
TZ = ZoneInfo(ZONE)
MONDAY = next_week(T0)
IDEAS = [
    "Why small models beat big ones for support #pillar:ai",
    "Our pricing page rewrite #pillar:product",
    "Agents in production: a checklist #pillar:ai",
    "Shipping weekly with two people #pillar:product",
    "Evaluating RAG answers #pillar:ai",
    "Cómo entrenamos el modelo #pillar:ai #lang:es",
    "El roadmap del trimestre #pillar:product #lang:es",
]


@pytest.fixture
def ana(hub_env: HubEnv) -> uuid.UUID:
    return new_member(hub_env.hub, "Ana")


def _plan(env: HubEnv, member: uuid.UUID, **kw: object) -> store.WeeklyPlan:
    with env.hub.transaction(member) as conn:
        return store.build_plan(conn, member, kw.pop("strat", strategy()), ZONE, T0, week=MONDAY)  # type: ignore[arg-type]


def _tool_tuesday(env: HubEnv, member: uuid.UUID, platforms: tuple[str, ...]) -> Series:
    """The member's accounts on ``platforms`` and a weekly series on them, Tuesdays 12:00 of the planned week."""
    with env.hub.transaction(member) as conn:
        for platform in platforms:
            x_account(conn, member, platform)
        return make_series(
            conn,
            member,
            T0,
            name="Tool Tuesday",
            starts_on=MONDAY + timedelta(days=1),
            at=time(12),
            zone=ZONE,
            pillar="ai",
            platforms=platforms,
        )


@pytest.mark.parametrize("order", ["as listed", "reversed"])
def test_capacity_times_and_pillar_deficit_weighting_from_the_strategy(
    hub_env: HubEnv, ana: uuid.UUID, order: str
) -> None:
    ideas = IDEAS if order == "as listed" else IDEAS[::-1]  # the oldest idea comes first: the balance holds
    with hub_env.hub.transaction(ana) as conn:
        for n, text in enumerate(ideas):
            ready_idea(conn, ana, text, T0 - timedelta(minutes=len(ideas) - n))
    plan = _plan(hub_env, ana)
    assert (plan.week_start, plan.state, plan.capacity) == (MONDAY, "proposed", 5)
    assert Counter(s.platform for s in plan.slots) == {"x": 3, "linkedin": 2}
    for slot in plan.slots:  # the strategy's wall times in the user's zone, on that week's days
        local = slot.at.astimezone(TZ)
        assert MONDAY <= local.date() <= MONDAY + timedelta(days=6)
        expected = {time(9), time(17)} if slot.platform == "x" else {time(8, 30)}
        assert local.time() in expected and local.date() == slot.local_day
    # x: one time a day at most, emptiest days first (Mon, Wed, Fri are free of LinkedIn's Tue/Thu)
    assert len({s.local_day for s in plan.slots}) == 5
    assert all(s.kind == "idea" for s in plan.slots) and plan.progress.planned == 5 and plan.progress.done == 0
    pillars = Counter(s.pillar for s in plan.slots)
    assert pillars == {"ai": 3, "product": 2}  # 2:1 of 5 is 3.3 / 1.7: the deficit decides
    languages = Counter(s.language for s in plan.slots)
    assert languages == {"en": 3, "es": 2}  # 60/40
    assert len({s.idea_id for s in plan.slots}) == 5


def test_the_same_inputs_and_clock_give_the_same_plan(hub_env: HubEnv, ana: uuid.UUID) -> None:
    with hub_env.hub.transaction(ana) as conn:
        for n, text in enumerate(IDEAS):
            ready_idea(conn, ana, text, T0 - timedelta(minutes=len(IDEAS) - n))
    first, again = _plan(hub_env, ana), _plan(hub_env, ana)
    shape = [(s.at, s.platform, s.kind, s.idea_id, s.pillar, s.language) for s in first.slots]
    assert shape == [(s.at, s.platform, s.kind, s.idea_id, s.pillar, s.language) for s in again.slots]
    assert first.id == again.id  # one plan per member per ISO week


def test_series_episodes_come_first_at_their_due_time(hub_env: HubEnv, ana: uuid.UUID) -> None:
    with hub_env.hub.transaction(ana) as conn:
        series = make_series(
            conn,
            ana,
            T0,
            name="Friday AI notes",
            starts_on=MONDAY - timedelta(days=21),
            cadence="weekly",
            at=time(12, 0),
            zone=ZONE,
            pillar="ai",
            platforms=("x", "linkedin"),
        )
        for n, text in enumerate(IDEAS):
            ready_idea(conn, ana, text, T0 - timedelta(minutes=len(IDEAS) - n))
    plan = _plan(hub_env, ana)
    episodes = [s for s in plan.slots if s.kind == "series"]
    assert {s.platform for s in episodes} == {"x", "linkedin"} and all(s.series_id == series.id for s in episodes)
    assert all(s.at.astimezone(TZ).time() == time(12) for s in episodes)
    assert episodes[0].episode_label and episodes[0].topic.startswith("Friday AI notes")
    # the episodes count against each platform's capacity
    assert Counter(s.platform for s in plan.slots) == {"x": 3, "linkedin": 2}


def test_at_most_two_slots_of_one_angle_a_week(hub_env: HubEnv, ana: uuid.UUID) -> None:
    with hub_env.hub.transaction(ana) as conn:
        for n in range(5):
            ready_idea(conn, ana, f"How to ship feature {n} #pillar:ai", T0)
    plan = _plan(hub_env, ana)
    angles = Counter(s.angle for s in plan.slots)
    assert angles["how-to"] == 2
    open_slots = [s for s in plan.slots if s.kind == "open"]
    assert len(open_slots) == 3 and sum(n.open_slots for n in plan.need_ideas) == 3
    assert all(s.topic == "" and s.pillar in ("ai", "product") for s in open_slots)


def test_a_slot_is_drafted_through_save_draft_and_kept_when_the_plan_is_made_again(
    hub_env: HubEnv, ana: uuid.UUID
) -> None:
    with hub_env.hub.transaction(ana) as conn:
        x_account(conn, ana)
        ready_idea(conn, ana, IDEAS[0], T0)
    plan = _plan(hub_env, ana)
    slot = next(s for s in plan.slots if s.kind == "idea")
    assert slot.platform == "x"
    draft = ReviewedDraft(targets=[DraftTarget(account="x", parts=["Small models win."])], plan_slot_id=slot.id)
    with hub_env.hub.transaction(ana) as conn:
        post = save_draft(conn, hub_env.settings, ana, draft)
        idea = bank.get_idea(conn, slot.idea_id)  # type: ignore[arg-type]
    assert idea.state == "developed" and idea.post_ids == [post.id]  # the slot lent the draft its idea
    with hub_env.hub.transaction(ana) as conn:
        with pytest.raises(PlanSlotRefused):  # a slot is drafted once
            save_draft(conn, hub_env.settings, ana, draft)
        for text in IDEAS[1:4]:
            ready_idea(conn, ana, text, T0)
    again = _plan(hub_env, ana)
    kept = next(s for s in again.slots if s.id == slot.id)
    assert (kept.state, kept.post_id, kept.at) == ("drafted", post.id, slot.at)
    assert again.state == "accepted" and again.progress.done == 1 and again.progress.planned == 5
    assert Counter(s.platform for s in again.slots) == {"x": 3, "linkedin": 2}


def test_ratings_go_through_the_ideas_state_machine(hub_env: HubEnv, ana: uuid.UUID) -> None:
    with hub_env.hub.transaction(ana) as conn:
        proposals = [rating.ProposedIdea(text=t, pillar="ai") for t in ("Idea one", "Idea two", "Idea three")]
        one, two, three = rating.propose_ideas(conn, ana, proposals, T0, pillars=["ai", "product"])
        assert {i.source for i in (one, two, three)} == {"plan"} and one.state == "spark"
        assert rating.rate_idea(conn, one.id, "love", T0).state == "ready"
        assert rating.rate_idea(conn, two.id, "maybe", T0).state == "seed"
        with pytest.raises(IdeaTransitionRefused):
            rating.rate_idea(conn, three.id, "kill", T0)
        assert bank.get_idea(conn, three.id).state == "spark"
        assert rating.rate_idea(conn, three.id, "kill", T0, reason="not our audience").state == "killed"
        with pytest.raises(PlanInputInvalid):
            rating.rate_idea(conn, two.id, "adore", T0)
        avoided = [rating.ProposedIdea(text="Fine one"), rating.ProposedIdea(text="Election POLITICS take")]
        with pytest.raises(PlanInputInvalid):  # all or none: the first proposal is not stored either
            rating.propose_ideas(conn, ana, avoided, T0, pillars=None, avoid=["politics"])
        assert conn.execute("SELECT count(*) AS n FROM ideas WHERE text = 'Fine one'").fetchone() == {"n": 0}
        with pytest.raises(IdeaTransitionRefused):
            rating.rate_idea(conn, three.id, "love", T0)
        events = conn.execute("SELECT to_state FROM idea_events WHERE idea_id = %s ORDER BY id", [one.id]).fetchall()
    assert [e["to_state"] for e in events] == ["spark", "seed", "ready"]
    plan = _plan(hub_env, ana)  # the loved idea is ready: tier one; the "maybe" (a seed) is not planned
    kinds = {s.idea_id: s.reason for s in plan.slots if s.idea_id}
    assert one.id in kinds and "ready idea" in kinds[one.id].lower()
    assert three.id not in kinds and two.id not in kinds
    with hub_env.hub.transaction(ana) as conn:
        four = rating.propose_ideas(conn, ana, [rating.ProposedIdea(text="Idea four")], T0, pillars=None)[0]
        offered = rating.what_to_post(conn, ana, strategy(), ZONE, T0)
    assert two.id not in {s.idea_id for s in offered.suggestions}  # rated maybe: not offered as unrated
    assert [s.kind for s in offered.suggestions if s.idea_id == four.id] == ["proposed"]


def test_remix_and_recycle_come_from_the_top_posts(hub_env: HubEnv, ana: uuid.UUID) -> None:
    with hub_env.hub.transaction(ana) as conn:
        account = x_account(conn, ana)
    with hub_env.hub.owner() as conn:
        recent = published_post(conn, ana, account, "The launch thread", T0 - timedelta(days=20), weighted=90)
        old = published_post(conn, ana, account, "Hiring lessons", T0 - timedelta(days=120), weighted=80)
        published_post(conn, ana, account, "Too old to count", T0 - timedelta(days=400), weighted=99)
    plan = _plan(hub_env, ana)
    by_kind = {s.kind: s for s in plan.slots if s.kind in ("remix", "recycle")}
    assert by_kind["remix"].source_post_id == recent and by_kind["remix"].platform == "linkedin"  # not x again
    assert by_kind["recycle"].source_post_id == old and by_kind["recycle"].topic == "Hiring lessons"


def test_what_to_post_lists_due_series_then_ready_ideas_then_suggestions(hub_env: HubEnv, ana: uuid.UUID) -> None:
    with hub_env.hub.transaction(ana) as conn:
        make_series(
            conn,
            ana,
            T0,
            name="Daily tip",
            cadence="rrule",
            rrule="FREQ=DAILY",
            starts_on=T0.date() - timedelta(days=3),
            at=time(10),
            zone=ZONE,
            platforms=("x",),
        )
        ready = ready_idea(conn, ana, IDEAS[1], T0)
        (spark,) = rating.propose_ideas(conn, ana, [rating.ProposedIdea(text="A proposed one")], T0, pillars=None)
        answer = rating.what_to_post(conn, ana, strategy(), ZONE, T0, limit=30)
    kinds = [s.kind for s in answer.suggestions]
    assert kinds[0] == "series" and kinds.index("idea") > kinds.index("series")
    assert kinds.index("proposed") > kinds.index("idea") and not answer.need_ideas
    assert next(s for s in answer.suggestions if s.kind == "idea").idea_id == ready.id
    assert next(s for s in answer.suggestions if s.kind == "proposed").idea_id == spark.id


def test_nothing_ready_says_so(hub_env: HubEnv, ana: uuid.UUID) -> None:
    with hub_env.hub.transaction(ana) as conn:
        answer = rating.what_to_post(conn, ana, strategy(), ZONE, T0)
    assert answer.suggestions == [] and answer.need_ideas


def test_bad_input_changes_nothing(hub_env: HubEnv, ana: uuid.UUID) -> None:
    with hub_env.hub.transaction(ana) as conn:
        with pytest.raises(PlanNeedsStrategy):
            store.build_plan(conn, ana, None, ZONE, T0)
        with pytest.raises(PlanInputInvalid):
            store.build_plan(conn, ana, strategy(), ZONE, T0, week="next tuesday")
        with pytest.raises(PlanNotFound):
            store.get_plan(conn, ana, ZONE, T0, week=MONDAY)
        assert conn.execute("SELECT count(*) AS n FROM weekly_plans").fetchone() == {"n": 0}


def test_a_series_slot_drafts_that_occurrences_episode_and_publishing_it_moves_the_slot(
    hub_env: HubEnv, ana: uuid.UUID
) -> None:
    series = _tool_tuesday(hub_env, ana, ("x",))
    plan = _plan(hub_env, ana)
    slot = next(s for s in plan.slots if s.kind == "series")
    draft = ReviewedDraft(targets=[DraftTarget(account="x", parts=["Tool #1: psql."])], plan_slot_id=slot.id)
    with hub_env.hub.transaction(ana) as conn:
        post = save_draft(conn, hub_env.settings, ana, draft)
        link = conn.execute(
            "SELECT series_id, occurrence_at FROM series_posts WHERE post_id = %s", [post.id]
        ).fetchone()
        topic = conn.execute("SELECT pillar FROM post_topics WHERE post_id = %s", [post.id]).fetchone()
        assert link == {"series_id": series.id, "occurrence_at": slot.at} and topic == {"pillar": "ai"}
        conn.execute("UPDATE post_targets SET status = 'scheduled', due_at = %s WHERE post_id = %s", [slot.at, post.id])
        for _ in range(2):  # a retried publish
            conn.execute(
                "UPDATE post_targets SET status = 'publishing' WHERE post_id = %s AND status <> 'published'", [post.id]
            )
            conn.execute(
                "UPDATE post_targets SET status = 'published', published_at = %s WHERE post_id = %s", [slot.at, post.id]
            )
        episodes = conn.execute(
            "SELECT count(*) AS n FROM series_episodes WHERE series_id = %s", [series.id]
        ).fetchone()
    again = _plan(hub_env, ana)  # the published episode is not due any more: no second slot for it
    assert [s.state for s in again.slots if s.kind == "series"] == ["published"]
    assert episodes == {"n": 1} and again.progress.published == 1


def test_concurrent_plannings_of_one_week_make_one_plan_with_its_capacity(hub_env: HubEnv, ana: uuid.UUID) -> None:
    with hub_env.hub.transaction(ana) as conn:
        for n, text in enumerate(IDEAS):
            ready_idea(conn, ana, text, T0 - timedelta(minutes=len(IDEAS) - n))
    errors: list[BaseException] = []

    def plan() -> None:
        try:
            _plan(hub_env, ana)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=plan) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with hub_env.hub.transaction(ana) as conn:
        plans = conn.execute("SELECT count(*) AS n FROM weekly_plans").fetchone()
        slots = conn.execute("SELECT count(*) AS n, count(DISTINCT position) AS p FROM plan_slots").fetchone()
    assert plans == {"n": 1} and slots == {"n": 5, "p": 5}


def test_a_cancelled_post_opens_its_slot_again_and_the_slot_drafts_again(hub_env: HubEnv, ana: uuid.UUID) -> None:
    _tool_tuesday(hub_env, ana, ("x",))
    plan = _plan(hub_env, ana)
    slot = next(s for s in plan.slots if s.kind == "series")
    draft = ReviewedDraft(targets=[DraftTarget(account="x", parts=["Tool #1: psql."])], plan_slot_id=slot.id)
    with hub_env.hub.transaction(ana) as conn:
        first = save_draft(conn, hub_env.settings, ana, draft)
        conn.execute(
            "UPDATE post_targets SET status = 'scheduled', due_at = %s WHERE post_id = %s", [slot.at, first.id]
        )
        cancel_post(conn, ana, first.id)
        again = store.get_plan(conn, ana, ZONE, T0, week=MONDAY)
    opened = next(s for s in again.slots if s.id == slot.id)
    assert (opened.state, opened.post_id, opened.series_id, opened.occurrence_at) == (
        "planned",
        None,
        slot.series_id,
        slot.at,
    )
    assert again.progress.done == 0
    with hub_env.hub.transaction(ana) as conn:  # a failed post (no live target left) opens its slot too
        second = save_draft(conn, hub_env.settings, ana, draft)
        conn.execute("UPDATE post_targets SET status = 'failed' WHERE post_id = %s", [second.id])
        after = store.get_plan(conn, ana, ZONE, T0, week=MONDAY)
    reopened = next(s for s in after.slots if s.id == slot.id)
    assert (reopened.state, reopened.post_id) == ("planned", None) and after.progress.done == 0
    with hub_env.hub.transaction(ana) as conn:
        third = save_draft(conn, hub_env.settings, ana, draft)
        final = store.get_plan(conn, ana, ZONE, T0, week=MONDAY)
    assert next(s for s in final.slots if s.id == slot.id).post_id == third.id and final.progress.done == 1


def test_a_series_on_two_platforms_drafted_slot_by_slot_is_one_episode(hub_env: HubEnv, ana: uuid.UUID) -> None:
    series = _tool_tuesday(hub_env, ana, ("x", "linkedin"))
    plan = _plan(hub_env, ana)
    slots = [s for s in plan.slots if s.kind == "series"]
    assert sorted(s.platform for s in slots) == ["linkedin", "x"] and len({s.occurrence_at for s in slots}) == 1
    posts = []
    for slot in slots:
        draft = ReviewedDraft(
            targets=[DraftTarget(account=slot.platform, parts=["Tool #1: psql."])], plan_slot_id=slot.id
        )
        with hub_env.hub.transaction(ana) as conn:
            posts.append(save_draft(conn, hub_env.settings, ana, draft).id)
    for post_id in posts:  # published one after the other, in two transactions
        with hub_env.hub.transaction(ana) as conn:
            conn.execute("UPDATE post_targets SET status = 'publishing' WHERE post_id = %s", [post_id])
            conn.execute(
                "UPDATE post_targets SET status = 'published', published_at = %s WHERE post_id = %s",
                [slots[0].at, post_id],
            )
    with hub_env.hub.transaction(ana) as conn:
        numbers = conn.execute(
            "SELECT DISTINCT episode_number FROM series_episodes WHERE series_id = %s", [series.id]
        ).fetchall()
        count = conn.execute("SELECT episodes_published FROM series WHERE id = %s", [series.id]).fetchone()
    assert numbers == [{"episode_number": 1}] and count == {"episodes_published": 1}


def test_an_idea_held_by_one_weeks_plan_is_not_planned_in_another(hub_env: HubEnv, ana: uuid.UUID) -> None:
    with hub_env.hub.transaction(ana) as conn:
        x_account(conn, ana)
        idea = ready_idea(conn, ana, IDEAS[0], T0)
    first = _plan(hub_env, ana)
    assert [s.idea_id for s in first.slots if s.kind == "idea"] == [idea.id]
    with hub_env.hub.transaction(ana) as conn:
        second = store.build_plan(conn, ana, strategy(), ZONE, T0, week=MONDAY + timedelta(days=7))
    assert idea.id not in {s.idea_id for s in second.slots}
    with hub_env.hub.transaction(ana) as conn:  # skipped there, it is free again
        store.set_skipped(conn, next(s.id for s in first.slots if s.idea_id == idea.id), True)
        third = store.build_plan(conn, ana, strategy(), ZONE, T0, week=MONDAY + timedelta(days=14))
    assert idea.id in {s.idea_id for s in third.slots}


def test_making_the_plan_again_keeps_skipped_slots_and_their_capacity(hub_env: HubEnv, ana: uuid.UUID) -> None:
    with hub_env.hub.transaction(ana) as conn:
        x_account(conn, ana)
        for text in IDEAS[:5]:
            ready_idea(conn, ana, text, T0)
    plan = _plan(hub_env, ana)
    skipped = next(s for s in plan.slots if s.kind == "idea")
    with hub_env.hub.transaction(ana) as conn:
        store.set_skipped(conn, skipped.id, True)
    again = _plan(hub_env, ana)
    kept = next(s for s in again.slots if s.id == skipped.id)
    assert (kept.state, kept.idea_id, kept.at) == ("skipped", skipped.idea_id, skipped.at)
    assert len(again.slots) == len(plan.slots) and again.progress.skipped == 1
    assert [s.idea_id for s in again.slots].count(skipped.idea_id) == 1  # the skipped idea is not planned again


def test_an_abandoned_plan_keeps_its_slots_and_its_posts_still_publish(hub_env: HubEnv, ana: uuid.UUID) -> None:
    with hub_env.hub.transaction(ana) as conn:
        x_account(conn, ana)
        ready_idea(conn, ana, IDEAS[0], T0)
    plan = _plan(hub_env, ana)
    slot = next(s for s in plan.slots if s.kind == "idea")
    draft = ReviewedDraft(targets=[DraftTarget(account="x", parts=["Small models win."])], plan_slot_id=slot.id)
    with hub_env.hub.transaction(ana) as conn:
        post = save_draft(conn, hub_env.settings, ana, draft)
        abandoned = store.abandon_plan(conn, ana, ZONE, T0, week=MONDAY)
        with pytest.raises(PlanSlotRefused):  # once: it does not change any more
            store.abandon_plan(conn, ana, ZONE, T0, week=MONDAY)
    assert abandoned.state == "abandoned"
    with hub_env.hub.transaction(ana) as conn:  # the worker's status updates are not refused
        conn.execute("UPDATE post_targets SET status = 'publishing' WHERE post_id = %s", [post.id])
        conn.execute(
            "UPDATE post_targets SET status = 'published', published_at = %s WHERE post_id = %s", [T0, post.id]
        )
        shown = store.get_plan(conn, ana, ZONE, T0, week=MONDAY)
    assert shown.state == "abandoned" and next(s for s in shown.slots if s.id == slot.id).state == "drafted"
    with hub_env.hub.transaction(ana) as conn, pytest.raises(PlanSlotRefused):
        store.build_plan(conn, ana, strategy(), ZONE, T0, week=MONDAY)
