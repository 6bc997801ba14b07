"""The learning loop on a real hub with a fixed clock: the stored preference model moves with a week of
synthetic analytics, small strategy changes need three weeks of evidence and never touch a locked field,
and the bigger ones wait as proposals the user approves or rejects."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest

from psn_core.services.analytics.report import render_markdown, weekly_review
from psn_core.services.learning.changes import apply_auto_changes
from psn_core.services.learning.errors import ProposalNotFound
from psn_core.services.learning.evidence import gather
from psn_core.services.learning.loop import WeeklyLearning, run_weekly
from psn_core.services.learning.preferences import draft_lines, load_preferences, refresh_preferences
from psn_core.services.learning.proposals import decide, find_proposals, list_proposals
from psn_core.services.learning.review import monthly_learning
from psn_core.services.strategy import apply_change, apply_changes, changelog_path, init_strategy, load_strategy
from psn_core.services.voice.context import PlatformRules, draft_context
from psn_core.strategy.defaults import StrategySeed
from psn_core.strategy.errors import StrategyLocked
from psn_core.worker.app import Worker
from tests.support.clock import start_instant
from tests.support.hubs import HubEnv, make_settings, new_member
from tests.support.learning_world import ZONE, World, at, monday_of

pytestmark = [pytest.mark.pg, pytest.mark.dates]

MONDAY = monday_of(start_instant()) + timedelta(weeks=1)  # the first synthetic week
AFTER_TWO = at(MONDAY + timedelta(weeks=2, days=1), 7)  # Tuesday of the third week: two complete weeks
AFTER_THREE = at(MONDAY + timedelta(weeks=3, days=1), 7)  # a week later: three complete weeks


@pytest.fixture
def world(hub_env: HubEnv) -> World:
    init_strategy(hub_env.settings.workspace, StrategySeed(talks_like="between", platforms=["x", "linkedin"]))
    return World(hub_env.hub, new_member(hub_env.hub, "Ana"))


@pytest.fixture
def three_weeks(world: World) -> list[dict[str, list[uuid.UUID]]]:
    return [world.week_of(MONDAY + timedelta(weeks=n)) for n in range(3)]


def _weights(env: HubEnv) -> dict[str, float]:
    strategy = load_strategy(env.settings.workspace)
    assert strategy is not None
    return {p.name: p.weight for p in strategy.pillars}


def _auto(env: HubEnv, world: World, now):  # type: ignore[no-untyped-def]
    strategy = load_strategy(env.settings.workspace)
    assert strategy is not None
    with env.hub.transaction(world.member) as conn:
        evidence = gather(conn, world.member, ZONE, now)
    return apply_auto_changes(strategy, evidence, env.settings.workspace, now)


def test_a_pillar_weight_moves_only_after_three_weeks_of_evidence_and_logs_its_posts(
    hub_env: HubEnv, world: World, three_weeks: list[dict[str, list[uuid.UUID]]]
) -> None:
    before = _weights(hub_env)

    two = _auto(hub_env, world, AFTER_TWO)
    assert [c.path for c in two.changed] == []  # 2 weeks: no pillar change, no time change
    assert _weights(hub_env) == before

    three = _auto(hub_env, world, AFTER_THREE)
    changed = {c.path: c for c in three.changed}
    assert set(changed) == {"pillars.expertise.weight", "pillars.stories.weight", "times.linkedin"}
    assert _weights(hub_env) == {**before, "expertise": before["expertise"] + 0.05, "stories": before["stories"] - 0.05}
    strategy = load_strategy(hub_env.settings.workspace)
    assert strategy is not None and strategy.times["linkedin"][0].at == ["12:00"]
    for post in [p for week in three_weeks for p in week["expertise"]]:
        assert str(post) in changed["pillars.expertise.weight"].evidence
    logged = [json.loads(line) for line in changelog_path(hub_env.settings.workspace).read_text().splitlines()]
    assert {e["path"] for e in logged if e["actor"] == "psn"} == set(changed)
    assert all(
        str(three_weeks[0]["stories"][0]) in e["evidence"] for e in logged if e["path"] == "pillars.stories.weight"
    )

    again = _auto(hub_env, world, AFTER_THREE + timedelta(days=1))  # no fresh week since: nothing more
    assert again.changed == [] and _weights(hub_env)["expertise"] == before["expertise"] + 0.05


def test_psn_never_changes_a_locked_field(hub_env: HubEnv, world: World, three_weeks: object) -> None:
    workspace = hub_env.settings.workspace
    apply_changes(workspace, [], "the user locks their pillars", actor="user", lock=["pillars"])
    text = (workspace / "strategy.yaml").read_text()

    with pytest.raises(StrategyLocked):
        apply_change(workspace, "pillars.expertise.weight", 3.05, "evidence: posts a, b, c", actor="psn")
    result = _auto(hub_env, world, AFTER_THREE)

    assert sorted(s.split(":")[0] for s in result.skipped) == ["pillars.expertise.weight", "pillars.stories.weight"]
    assert [c.path for c in result.changed] == ["times.linkedin"]  # not locked: still tuned
    after = (workspace / "strategy.yaml").read_text()
    assert after.replace('at: ["12:00"]', 'at: ["09:00"]') == text  # the pillars exactly as they were


def test_locking_one_pillar_weight_stops_every_automatic_pillar_weight_change(
    hub_env: HubEnv, world: World, three_weeks: object
) -> None:
    """Weights are relative: moving stories' weight changes expertise's share, so a lock on one pillar's
    weight stops psn from moving any pillar weight (and the run says so)."""
    workspace = hub_env.settings.workspace
    apply_changes(workspace, [], "the user locks expertise's weight", actor="user", lock=["pillars.expertise.weight"])
    before = _weights(hub_env)
    result = _auto(hub_env, world, AFTER_THREE)
    assert _weights(hub_env) == before
    assert [c.path for c in result.changed] == ["times.linkedin"]
    skipped = {s.split(":")[0]: s for s in result.skipped}
    assert set(skipped) == {"pillars.expertise.weight", "pillars.stories.weight"}
    assert "pillars.expertise.weight is locked" in skipped["pillars.stories.weight"]


def _pillar_weeks(world: World, groups: list[tuple[str, int]]) -> None:
    for n in range(3):
        tuesday = MONDAY + timedelta(weeks=n, days=1)
        for k, (pillar, weighted) in enumerate(groups):
            world.post(at(tuesday, 8, k), weighted=weighted, pillar=pillar)


def test_a_pillar_is_compared_with_the_other_posts_only(hub_env: HubEnv, world: World) -> None:
    """expertise 60 and 60 against stories 50 and 50: x1.2 against the others (x1.09 against a week that
    counted expertise's own posts too): expertise moves up, stories down."""
    _pillar_weeks(world, [("expertise", 60), ("expertise", 60), ("stories", 50), ("stories", 50)])
    before = _weights(hub_env)
    changed = {c.path for c in _auto(hub_env, world, AFTER_THREE).changed}
    assert changed == {"pillars.expertise.weight", "pillars.stories.weight"}
    assert _weights(hub_env)["expertise"] == before["expertise"] + 0.05


def test_a_pillar_weight_needs_two_of_its_posts_and_two_others_each_week(hub_env: HubEnv, world: World) -> None:
    _pillar_weeks(world, [("expertise", 90), ("stories", 50), ("stories", 50)])
    before = _weights(hub_env)
    assert _auto(hub_env, world, AFTER_THREE).changed == []  # one expertise post a week: too little
    assert _weights(hub_env) == before


def test_a_week_of_synthetic_analytics_moves_the_preference_model(hub_env: HubEnv, world: World) -> None:
    first, second = MONDAY, MONDAY + timedelta(weeks=1)
    for n in range(2):  # week one: stories do well, plain statements; nothing fatigued
        world.post(at(first + timedelta(days=1), 8, n), weighted=80, pillar="stories", topic="team life")
        world.post(at(first + timedelta(days=2), 8, n), weighted=20, pillar="expertise", topic="pricing")
    with hub_env.hub.transaction(world.member) as conn:
        old = refresh_preferences(conn, world.member, zone=ZONE, now=at(second, 7))
    assert [p.key for p in old.pillars] == ["stories", "expertise"]
    assert old.fatigued_topics[0].topic == "pricing"

    thursday = second + timedelta(days=3)
    for n in range(3):  # the new week: expertise questions on LinkedIn carousels at 17:00 win; layoffs flop
        world.post(
            at(thursday, 17, n),
            platform="linkedin",
            fmt="carousel",
            weighted=90,
            pillar="expertise",
            topic="hiring",
            text="Why do most hiring loops fail?\nHere is what we changed.",
        )
        world.post(
            at(thursday, 10, n),
            platform="linkedin",
            fmt="text",
            weighted=10,
            pillar="stories",
            topic="layoffs",
            text="I was there when it happened.",
        )
    with hub_env.hub.transaction(world.member) as conn:
        idea = conn.execute(
            "INSERT INTO ideas (member_id, text) VALUES (%s, 'a webinar pitch') RETURNING id", [world.member]
        ).fetchone()
        assert idea is not None
        conn.execute(
            "UPDATE ideas SET state = 'killed', kill_reason = 'Too salesy', touched_at = %s WHERE id = %s",
            [at(thursday, 11), idea["id"]],
        )
        conn.execute(
            "INSERT INTO account_followers (member_id, account_id, collected_at, followers) VALUES (%s, %s, %s, 1200)",
            [world.member, world.account("linkedin"), at(thursday, 20)],
        )
        for n in range(3):
            diff = {
                "removed_words": ["leverage", "the"],
                "added_words": ["use"],
                "added_phrases": ["we shipped it"],
                "draft_sentence_words": 20.0,
                "final_sentence_words": 11.0,
                "ratio": 0.3,
            }
            conn.execute(
                "INSERT INTO draft_edits (member_id, persona, language, platform, format, draft_text,"
                " final_text, edit_ratio, diff, created_at) VALUES (%s, 'personal', 'en', 'linkedin',"
                " 'carousel', 'd', 'f', 0.3, %s, %s)",
                [world.member, json.dumps(diff), at(thursday, 9, n)],
            )
    now = at(second + timedelta(weeks=1), 7)
    with hub_env.hub.transaction(world.member) as conn:
        new = refresh_preferences(conn, world.member, zone=ZONE, now=now)
        stored = load_preferences(conn, world.member)

    assert stored == new and stored.computed_at == now
    assert new.pillars[0].key == "expertise"  # moved from last to first
    assert new.top_formats[0].platform == "linkedin" and new.top_formats[0].format == "carousel"
    assert new.hours[0].platform == "linkedin" and new.hours[0].hour == 17
    assert [d.key for d in new.weekdays] == ["tue", "thu", "wed"]  # thursday's week sits between the two
    assert new.hook_patterns[0].key == "question"
    today = now.astimezone(ZONE).date()
    resting = {t.topic: t.rest_until for t in new.fatigued_topics}
    assert resting["layoffs"] == today + timedelta(days=14)
    assert resting["pricing"] == old.fatigued_topics[0].rest_until  # a running rest is kept, not restarted
    assert [(r.reason, r.count) for r in new.killed_reasons] == [("too salesy", 1)]
    assert [(f.platform, f.followers) for f in new.followers] == [("linkedin", 1200)]
    kinds = {(e.kind, e.value) for e in new.edit_patterns}
    assert ("removes", "leverage") in kinds and ("adds", "we shipped it") in kinds
    assert ("sentence_length", "-9.0") in kinds and ("removes", "the") not in kinds
    lines = draft_lines(new, "linkedin", today)
    assert any("carousel" in line for line in lines) and any("layoffs" in line for line in lines)


def test_proposals_round_trip_approve_writes_the_strategy_reject_is_remembered(
    hub_env: HubEnv, world: World, three_weeks: list[dict[str, list[uuid.UUID]]]
) -> None:
    workspace = hub_env.settings.workspace
    with hub_env.hub.transaction(world.member) as conn:
        early = find_proposals(
            conn, world.member, load_strategy(workspace), gather(conn, world.member, ZONE, AFTER_TWO), AFTER_TWO
        )  # type: ignore[arg-type]
    assert early == []  # two weeks: nothing to propose yet

    with hub_env.hub.transaction(world.member) as conn:
        learned = run_weekly(conn, world.member, workspace=workspace, zone=ZONE, now=AFTER_THREE)
    made = {p.path: p for p in learned.proposals}
    assert set(made) == {"frequency.x", "pillars.ai-tooling"}
    assert made["frequency.x"].value == 6
    assert set(made["pillars.ai-tooling"].post_ids) == {w["ai tooling"][0] for w in three_weeks}
    assert load_strategy(workspace).frequency["x"] == 4  # type: ignore[union-attr]  # proposals change nothing

    with hub_env.hub.transaction(world.member) as conn:
        approved = decide(
            conn, world.member, made["pillars.ai-tooling"].id, approve=True, workspace=workspace, now=AFTER_THREE
        )
        rejected = decide(
            conn, world.member, made["frequency.x"].id, approve=False, workspace=workspace, now=AFTER_THREE
        )
    assert (approved.status, rejected.status) == ("approved", "rejected")
    strategy = load_strategy(workspace)
    assert strategy is not None and "ai-tooling" in [p.name for p in strategy.pillars]
    assert strategy.frequency["x"] == 4
    last = json.loads(changelog_path(workspace).read_text().splitlines()[-1])
    assert last["actor"] == "user" and last["path"] == "pillars.ai-tooling"
    assert f"approved proposal #{approved.id}" in last["evidence"]

    with hub_env.hub.transaction(world.member) as conn:
        with pytest.raises(ProposalNotFound):
            decide(conn, world.member, rejected.id, approve=True, workspace=workspace, now=AFTER_THREE)
        again = run_weekly(conn, world.member, workspace=workspace, zone=ZONE, now=AFTER_THREE + timedelta(days=1))
        assert again.proposals == []  # rejected lately, approved already: not proposed again
        assert list_proposals(conn, world.member) == []


def test_frequency_counts_published_posts_without_analytics_and_never_proposes_zero(
    hub_env: HubEnv, world: World
) -> None:
    """A platform without analytics still counts its published posts; a platform not posted on is never
    proposed 0 posts a week (approving that would stop the schedule)."""
    workspace = hub_env.settings.workspace
    planned = load_strategy(workspace).frequency["linkedin"]  # type: ignore[union-attr]
    for n in range(3):
        tuesday = MONDAY + timedelta(weeks=n, days=1)
        for k in range(planned):
            world.post(at(tuesday, 9, k), platform="linkedin", measured=False)
    with hub_env.hub.transaction(world.member) as conn:
        made = find_proposals(
            conn, world.member, load_strategy(workspace), gather(conn, world.member, ZONE, AFTER_THREE), AFTER_THREE
        )  # type: ignore[arg-type]
    assert [(p.path, p.value) for p in made if p.kind == "frequency"] == []


def test_approving_a_proposal_for_a_locked_field_is_refused_and_it_stays_pending(
    hub_env: HubEnv, world: World, three_weeks: object
) -> None:
    workspace = hub_env.settings.workspace
    with hub_env.hub.transaction(world.member) as conn:
        made = {
            p.path: p for p in run_weekly(conn, world.member, workspace=workspace, zone=ZONE, now=AFTER_THREE).proposals
        }
    apply_changes(workspace, [], "the user locks x's frequency", actor="user", lock=["frequency.x"])
    with hub_env.hub.transaction(world.member) as conn, pytest.raises(StrategyLocked):
        decide(conn, world.member, made["frequency.x"].id, approve=True, workspace=workspace, now=AFTER_THREE)
    with hub_env.hub.transaction(world.member) as conn:
        assert made["frequency.x"].id in [p.id for p in list_proposals(conn, world.member)]
    assert load_strategy(workspace).frequency["x"] == 4  # type: ignore[union-attr]


def test_the_drafting_context_carries_the_model_and_leaves_out_a_dropped_format(hub_env: HubEnv, world: World) -> None:
    for n in range(3):
        day = MONDAY + timedelta(days=n)
        world.post(
            at(day, 17),
            platform="linkedin",
            fmt="carousel",
            weighted=90,
            topic="hiring",
            text="Why do most hiring loops fail?",
        )
        world.post(at(day, 10), platform="linkedin", fmt="document", weighted=10, topic="layoffs")
    rules = PlatformRules(platform="linkedin", capabilities=["text", "carousels", "documents"])
    voices = hub_env.settings.workspace / "voices"
    now = at(MONDAY + timedelta(weeks=1), 7)
    with hub_env.hub.transaction(world.member) as conn:
        bare = draft_context(conn, voices, world.member, language="en", platform_rules=rules)
        refresh_preferences(conn, world.member, zone=ZONE, now=now)
        learned = draft_context(conn, voices, world.member, language="en", platform_rules=rules)
        conn.execute(
            "INSERT INTO strategy_proposals (member_id, kind, path, summary, evidence, created_at)"
            " VALUES (%s, 'drop_format', 'format.linkedin.carousel', 'Stop carousels.', 'test', %s) RETURNING id",
            [world.member, now],
        )
        (pending,) = list_proposals(conn, world.member)
        decide(conn, world.member, pending.id, approve=True, workspace=hub_env.settings.workspace, now=now)
        refresh_preferences(conn, world.member, zone=ZONE, now=now)
        dropped = draft_context(conn, voices, world.member, language="en", platform_rules=rules)

    assert bare.preferences == [] and "carousel" in bare.format_ranking
    assert any(line.startswith("Best formats on linkedin: carousel") for line in learned.preferences)
    assert any("question" in line for line in learned.preferences)
    assert "carousel" not in dropped.format_ranking and "document" in dropped.format_ranking
    assert any("dropped these formats on linkedin: carousel" in line for line in dropped.preferences)


def test_learning_speaks_the_format_catalogs_names_not_the_analytics_ones(hub_env: HubEnv, world: World) -> None:
    """Analytics calls every text-only post "text"; drafting's catalog has short_take, story, question,
    poll...: the model, the proposals and drafting use the catalog's names (the format recorded when the
    post was saved, else the post's shape), so "stop question posts on x" does change drafting."""
    for n in range(3):
        tuesday = MONDAY + timedelta(weeks=n, days=1)
        for k in range(2):
            world.post(at(tuesday, 9, k), weighted=5, text=f"What would you do with a spare week {n}{k}?")
            world.post(at(tuesday, 10, k), weighted=80, text=f"shipped the importer {n}{k}. took three tries")
        poll = world.post(at(tuesday, 11), weighted=60, text="Tabs or spaces")
        with hub_env.hub.transaction(world.member) as conn:
            conn.execute("INSERT INTO post_topics (post_id, format) VALUES (%s, 'poll')", [poll])
    workspace = hub_env.settings.workspace
    rules = PlatformRules(platform="x", capabilities=["text", "threads", "polls"])
    with hub_env.hub.transaction(world.member) as conn:
        learned = run_weekly(conn, world.member, workspace=workspace, zone=ZONE, now=AFTER_THREE)
        drops = {p.path: p for p in learned.proposals if p.kind == "drop_format"}
        assert set(drops) == {"format.x.question"}, [p.summary for p in learned.proposals]
        decide(conn, world.member, drops["format.x.question"].id, approve=True, workspace=workspace, now=AFTER_THREE)
        refresh_preferences(conn, world.member, zone=ZONE, now=AFTER_THREE)
        context = draft_context(
            conn, hub_env.settings.workspace / "voices", world.member, language="en", platform_rules=rules
        )
    best = next(line for line in context.preferences if line.startswith("Best formats on x"))
    assert "short_take" in best and "poll" in best and "text" not in best.split(":", 1)[1]
    assert "question" not in context.format_ranking and "short_take" in context.format_ranking


def test_the_workers_weekly_task_learns_and_tunes_the_strategy(
    hub_env: HubEnv, world: World, three_weeks: object
) -> None:
    settings = make_settings(
        hub_env.settings.workspace,
        hub_env.server.conninfo(hub_env.database),
        member_id=world.member,
        timezone=ZONE.key,
    )
    worker = Worker(settings)
    try:
        assert "learn_weekly" in worker.tasks
        learned = worker.learn(AFTER_THREE)
    finally:
        worker.close()
    assert isinstance(learned, WeeklyLearning)
    assert {c.path for c in learned.changes.changed} == {
        "pillars.expertise.weight",
        "pillars.stories.weight",
        "times.linkedin",
    }
    assert {p.path for p in learned.proposals} == {"frequency.x", "pillars.ai-tooling"}
    with hub_env.hub.transaction(world.member) as conn:
        assert load_preferences(conn, world.member) == learned.preferences


def test_the_weekly_review_says_what_changed_and_why_and_the_monthly_part_adds_drift(
    hub_env: HubEnv, world: World, three_weeks: object
) -> None:
    workspace = hub_env.settings.workspace
    with hub_env.hub.transaction(world.member) as conn:
        run_weekly(conn, world.member, workspace=workspace, zone=ZONE, now=AFTER_THREE)
        week = AFTER_THREE.astimezone(ZONE).isocalendar()
        label = f"{week.year}-W{week.week:02d}"
        review = weekly_review(
            conn, world.member, zone=ZONE, now=AFTER_THREE, week=label, workspace=workspace, monthly=True
        )
    assert review.learning is not None and review.learning.monthly is not None
    assert {c.path for c in review.learning.changes if c.actor == "psn"} == {
        "pillars.expertise.weight",
        "pillars.stories.weight",
        "times.linkedin",
    }
    assert {p.path for p in review.learning.proposals} == {"frequency.x", "pillars.ai-tooling"}
    text = render_markdown(review, "chart.png")
    assert "## What changed this week and why" in text and "## Proposals waiting for you" in text
    assert f"({ZONE.key}), psn (from evidence): `pillars.expertise.weight`" in text
    assert "`psn review --approve" in text and "voice drift and audience" in text


def test_an_old_weeks_review_lists_only_that_weeks_changes(hub_env: HubEnv, world: World) -> None:
    workspace = hub_env.settings.workspace
    in_week = at(MONDAY + timedelta(days=2), 10)
    later = at(MONDAY + timedelta(weeks=2, days=2), 10)
    apply_change(workspace, "frequency.x", 5, "in the week", actor="user", now=lambda: in_week)
    apply_change(workspace, "frequency.x", 3, "two weeks later", actor="user", now=lambda: later)
    iso = in_week.astimezone(ZONE).isocalendar()
    label = f"{iso.year}-W{iso.week:02d}"
    with hub_env.hub.transaction(world.member) as conn:
        review = weekly_review(conn, world.member, zone=ZONE, now=later, week=label, workspace=workspace)
    assert review.learning is not None
    assert [(c.path, c.new, c.evidence) for c in review.learning.changes] == [("frequency.x", 5, "in the week")]


def test_the_monthly_part_shows_voice_drift_and_audience_shifts(hub_env: HubEnv, world: World) -> None:
    month = (MONDAY + timedelta(weeks=6)).replace(day=1)
    before = (month - timedelta(days=1)).replace(day=1)
    with hub_env.hub.transaction(world.member) as conn:
        for start, ratio, followers in ((before, 0.5, 1000), (month, 0.2, 1100)):
            for n in range(4):
                when = at(start + timedelta(days=3 + n), 9)
                diff = {
                    "removed_words": [],
                    "added_words": [],
                    "added_phrases": [],
                    "draft_sentence_words": 20.0,
                    "final_sentence_words": 20.0 - 8 * (start == month),
                    "ratio": ratio,
                }
                conn.execute(
                    "INSERT INTO draft_edits (member_id, persona, language, platform, format, draft_text,"
                    " final_text, edit_ratio, diff, created_at) VALUES (%s, 'personal', 'en', 'x', 'story',"
                    " 'd', 'f', %s, %s, %s)",
                    [world.member, ratio, json.dumps(diff), when],
                )
            conn.execute(
                "INSERT INTO account_followers (member_id, account_id, collected_at, followers)"
                " VALUES (%s, %s, %s, %s)",
                [world.member, world.account("x"), at(start + timedelta(days=9), 9), followers],
            )
    for n in range(2):
        world.post(at(before + timedelta(days=4 + n), 9), platform="x")
        world.post(at(month + timedelta(days=4 + n), 9), platform="linkedin")
    with hub_env.hub.transaction(world.member) as conn:
        found = monthly_learning(conn, world.member, zone=ZONE, month=month)

    assert found.month == f"{month:%Y-%m}" and found.edits == 4
    assert found.edit_ratio is not None and (found.edit_ratio.before, found.edit_ratio.now) == (0.5, 0.2)
    assert found.sentence_words is not None and (found.sentence_words.before, found.sentence_words.now) == (20.0, 12.0)
    shares = {s.key: (s.before, s.now) for s in found.exposure_share}
    assert shares["platform x"] == (1.0, 0.0) and shares["platform linkedin"] == (0.0, 1.0)
    assert [(f.key, f.before, f.now) for f in found.followers] == [("x @ana_x", 1000.0, 1100.0)]
    assert "You rewrote less of psn's drafts: 50% -> 20% of the words." in found.notes
    assert "x @ana_x: 1,000 -> 1,100 followers (+100)." in found.notes


def test_a_broken_strategy_file_is_never_tuned(hub_env: HubEnv, world: World, three_weeks: object) -> None:
    path = hub_env.settings.workspace / "strategy.yaml"
    broken = path.read_text().replace("frequency:", "frequency: [", 1)
    path.write_text(broken)
    with hub_env.hub.transaction(world.member) as conn:
        learned = run_weekly(conn, world.member, workspace=hub_env.settings.workspace, zone=ZONE, now=AFTER_THREE)
    assert learned.changes.changed == [] and learned.proposals == [] and "invalid" in learned.note
    assert learned.preferences.posts == 24  # the model is still refreshed
    assert path.read_text() == broken
