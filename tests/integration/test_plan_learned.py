"""The weekly plan uses the preference model and the trend intake, on a real hub from the test clock (the
week after its week): the model's best hours come before the analytics' and the strategy's, its best
weekdays before the others among equally empty days; a resting topic is not planned before its rest
ends (and the notes say so); dropped formats are never suggested; the week's best trends are offered,
not planned, until the user makes one an idea, which the plan then uses (and rates like any other)."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from psycopg.types.json import Jsonb

from psn_core.cli.main import cli
from psn_core.hub import sql
from psn_core.hub.database import Conn
from psn_core.services.learning import preferences
from psn_core.services.learning.models import FatiguedTopic, FormatPref, HourPref, LiftPref, Preferences
from psn_core.services.plan import rating, store
from psn_core.services.plan.models import WeeklyPlan
from psn_core.services.trends import store as trends
from psn_core.strategy.model import Strategy
from psn_core.workspace import set_env_values
from tests.support.clock import start_instant
from tests.support.hubs import TEST_APP_PASSWORD, HubEnv, new_member
from tests.support.plan_world import ZONE, next_week, published_post, ready_idea, strategy, x_account

pytestmark = [pytest.mark.pg, pytest.mark.dates]

T0 = start_instant()
TZ = ZoneInfo(ZONE)
MONDAY = next_week(T0)
WEEKDAYS = [{"days": "weekdays", "at": ["09:00", "17:00"]}]


@pytest.fixture
def ana(hub_env: HubEnv) -> uuid.UUID:
    return new_member(hub_env.hub, "Ana")


def _model(**fields: object) -> Preferences:
    return Preferences.model_validate({"computed_at": T0, "timezone": ZONE, "weeks": 12, "posts": 40, **fields})


def _save_model(conn: Conn, member: uuid.UUID, model: Preferences) -> None:
    params = {"member": member, "model": Jsonb(model.model_dump(mode="json")), "at": T0}
    sql.run(conn, preferences.Q.save_member_model, params)


def _trend(conn: Conn, member: uuid.UUID, title: str, score: float, pillar: str | None) -> uuid.UUID:
    params = {
        "member_id": member,
        "url": f"https://news.example/{abs(hash(title))}",
        "title": title,
        "summary": "",
        "source": "hacker_news",
        "kind": "hacker_news",
        "signal": 100.0,
        "score": score,
        "pillar": pillar,
        "matched": [pillar] if pillar else [],
        "published_at": T0 - timedelta(hours=3),
        "now": T0 - timedelta(hours=2),
    }
    sql.run(conn, trends.Q.upsert_trend, params)
    found = [t for t in trends.list_trends(conn, now=T0, limit=50) if t.title == title]
    return found[0].id


def _plan(env: HubEnv, member: uuid.UUID, strat: Strategy) -> WeeklyPlan:
    with env.hub.transaction(member) as conn:
        return store.build_plan(conn, member, strat, ZONE, T0, week=MONDAY)


def _wall(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), TZ)


def test_the_models_hours_and_weekdays_come_before_the_analytics_and_the_strategy(
    hub_env: HubEnv, ana: uuid.UUID
) -> None:
    strat = strategy(frequency={"x": 2})
    plain = _plan(hub_env, ana, strat)  # nothing learned: the strategy's times, the earliest empty days
    assert [(s.local_day, s.at.astimezone(TZ).time()) for s in plain.slots if s.platform == "x"] == [
        (MONDAY, time(9)),
        (MONDAY + timedelta(days=1), time(9)),
    ]
    assert not [n for n in plain.notes if n.startswith("x:")]

    today = T0.astimezone(TZ).date()
    with hub_env.hub.transaction(ana) as conn:  # analytics: x did best at 07:00 (3 posts) and 20:00 (2)
        account = x_account(conn, ana)
        for n, hour in enumerate([7, 7, 7, 20, 20]):
            published_post(conn, ana, account, f"post {n}", _wall(today - timedelta(days=3 + n), hour), weighted=90)
    analytics = _plan(hub_env, ana, strat)
    assert {s.at.astimezone(TZ).hour for s in analytics.slots if s.platform == "x"} == {7}
    assert any(n.startswith("x: at the best hours of your posts of the last 90 days (07:00") for n in analytics.notes)

    model = _model(
        hours=[
            HourPref(platform="x", hour=11, posts=4, score=9.0),
            HourPref(platform="x", hour=19, posts=3, score=7.0),
        ],
        weekdays=[LiftPref(key=d, posts=5, lift=1.5 - n / 10) for n, d in enumerate(["thu", "fri", "mon", "tue"])],
    )
    with hub_env.hub.transaction(ana) as conn:
        _save_model(conn, ana, model)
    learned = _plan(hub_env, ana, strat)
    x_slots = [(s.local_day, s.at.astimezone(TZ).time()) for s in learned.slots if s.platform == "x"]
    # the model's best hour, on its best weekdays (the strategy's days: weekdays), one a day
    assert x_slots == [(MONDAY + timedelta(days=3), time(11)), (MONDAY + timedelta(days=4), time(11))]
    assert f"x: at your best hours by the preference model (11:00, 19:00 {ZONE})." in learned.notes
    assert any(n.startswith("Days: the emptiest first, then your best weekdays") for n in learned.notes)
    again = _plan(hub_env, ana, strat)  # deterministic: the same hub and clock give the same plan
    assert [(s.at, s.platform, s.kind) for s in again.slots] == [(s.at, s.platform, s.kind) for s in learned.slots]
    assert again.notes == learned.notes


def test_a_resting_topic_waits_for_its_rest_to_end(hub_env: HubEnv, ana: uuid.UUID) -> None:
    strat = strategy(frequency={"x": 5}, times={"x": [{"days": "weekdays", "at": "09:00"}]}, languages={"en": 1.0})
    wednesday = MONDAY + timedelta(days=2)
    with hub_env.hub.transaction(ana) as conn:
        kube = ready_idea(conn, ana, "Kubernetes costs, explained #pillar:ai", T0 - timedelta(minutes=9))
        pricing = ready_idea(conn, ana, "Our pricing page rewrite #pillar:product", T0 - timedelta(minutes=8))
        ready_idea(conn, ana, "Evaluating RAG answers #pillar:ai", T0 - timedelta(minutes=7))
        ready_idea(conn, ana, "Agents in production, a checklist #pillar:ai", T0 - timedelta(minutes=6))
    before = _plan(hub_env, ana, strat)  # no model: the oldest ready idea goes first, on Monday
    assert next(s.local_day for s in before.slots if s.idea_id == kube.id) == MONDAY
    assert any(s.idea_id == pricing.id for s in before.slots)

    rests = [
        FatiguedTopic(topic="kubernetes costs", posts=3, lift=0.42, rest_until=wednesday),
        FatiguedTopic(topic="our pricing page", posts=2, lift=0.5, rest_until=MONDAY + timedelta(days=20)),
        FatiguedTopic(topic="old news", posts=2, lift=0.3, rest_until=MONDAY),  # over before the week: ignored
    ]
    with hub_env.hub.transaction(ana) as conn:
        _save_model(conn, ana, _model(fatigued_topics=rests))
    plan = _plan(hub_env, ana, strat)
    by_idea = {s.idea_id: s for s in plan.slots if s.idea_id}
    assert by_idea[kube.id].local_day == wednesday  # not Monday or Tuesday: it rests until Wednesday
    assert pricing.id not in by_idea  # resting past the week's end
    assert [(s.local_day, s.kind) for s in plan.slots][3:] == [
        (MONDAY + timedelta(days=3), "open"),
        (MONDAY + timedelta(days=4), "open"),
    ]
    assert [r.topic for r in plan.resting] == ["kubernetes costs", "our pricing page"]
    assert f"Resting until {wednesday:%a %d %b}: 'kubernetes costs' did x0.42 of your typical post; " in " ".join(
        plan.notes
    )
    assert not any("old news" in n for n in plan.notes)


def test_a_resting_pillar_is_neither_planned_nor_asked_for(hub_env: HubEnv, ana: uuid.UUID) -> None:
    strat = strategy(frequency={"x": 3}, times={"x": WEEKDAYS}, languages={"en": 1.0})
    with hub_env.hub.transaction(ana) as conn:
        ready_idea(conn, ana, "Our pricing page rewrite #pillar:product", T0)
        _save_model(
            conn,
            ana,
            _model(
                fatigued_topics=[FatiguedTopic(topic="product", posts=4, lift=0.5, rest_until=MONDAY + timedelta(7))]
            ),
        )
    plan = _plan(hub_env, ana, strat)
    assert [s.kind for s in plan.slots] == ["open"] * 3
    assert {s.pillar for s in plan.slots} == {"ai"}  # product is below its share but resting: not asked for


def test_dropped_formats_are_never_suggested(hub_env: HubEnv, ana: uuid.UUID) -> None:
    model = _model(
        top_formats=[
            FormatPref(platform="x", format=f, posts=4, score=s)
            for f, s in [("thread", 9.0), ("short_take", 7.0), ("image", 5.0), ("question", 3.0), ("poll", 1.0)]
        ]
        + [FormatPref(platform="tiktok", format="video", posts=3, score=8.0)],
        dropped_formats=["x.thread", "linkedin.carousel"],
    )
    with hub_env.hub.transaction(ana) as conn:
        _save_model(conn, ana, model)
    plan = _plan(hub_env, ana, strategy())
    assert plan.formats == {"x": ["short_take", "image", "question"]}  # tiktok is not in the strategy
    assert plan.dropped_formats == ["linkedin.carousel", "x.thread"]
    assert "Formats you agreed to drop are not suggested: linkedin.carousel, x.thread." in plan.notes
    with hub_env.hub.transaction(ana) as conn:
        shown = store.get_plan(conn, ana, ZONE, T0, week=MONDAY, strategy=strategy())
    assert shown.formats == plan.formats and shown.notes == plan.notes


def test_trends_are_offered_then_planned_once_made_an_idea(hub_env: HubEnv, ana: uuid.UUID) -> None:
    strat = strategy(frequency={"x": 2}, times={"x": WEEKDAYS}, languages={"en": 1.0}, avoid_topics=["politics"])
    with hub_env.hub.transaction(ana) as conn:
        best = _trend(conn, ana, "Open-weights model tops the agent evals", 0.9, "ai")
        _trend(conn, ana, "Election politics meets AI ads", 0.8, "ai")  # an avoid-topic
        _trend(conn, ana, "Why benchmarks lie", 0.7, "ai")  # a resting topic
        second = _trend(conn, ana, "Pricing experiments at small SaaS", 0.4, "product")
        _trend(conn, ana, "A cat video", 0.0, None)  # fits no pillar
        _save_model(
            conn,
            ana,
            _model(
                fatigued_topics=[FatiguedTopic(topic="benchmarks", posts=2, lift=0.4, rest_until=MONDAY + timedelta(9))]
            ),
        )
    plan = _plan(hub_env, ana, strat)
    assert [t.id for t in plan.trends] == [best, second]
    assert [s.kind for s in plan.slots] == ["open", "open"]  # offered, never planned on their own
    assert any(n.startswith("2 trend(s) fit your pillars: offered, not planned") for n in plan.notes)

    with hub_env.hub.transaction(ana) as conn:  # the user picks one: it becomes an idea spark to rate
        _, idea = trends.spark(conn, ana, str(best)[:8], T0, pillars=["ai", "product"])
    assert (idea.state, idea.source, idea.pillar) == ("spark", "trend", "ai")
    sparked = _plan(hub_env, ana, strat)
    assert [t.id for t in sparked.trends] == [second]
    slot = next(s for s in sparked.slots if s.idea_id == idea.id)
    assert slot.kind == "idea" and slot.reason.startswith("An idea made from a trend (rate it)")
    with hub_env.hub.transaction(ana) as conn:
        assert rating.rate_idea(conn, str(idea.id)[:8], "love", T0).state == "ready"
    loved = _plan(hub_env, ana, strat)
    assert next(s for s in loved.slots if s.idea_id == idea.id).reason.startswith("A ready idea")
    after = _wall(MONDAY + timedelta(days=8), 12)  # the week is over: nothing to offer for it any more
    with hub_env.hub.transaction(ana) as conn:
        assert [t.id for t in store.get_plan(conn, ana, ZONE, after, week=MONDAY, strategy=strat).trends] == []
        assert [t.id for t in store.get_plan(conn, ana, ZONE, T0, week=MONDAY, strategy=strat).trends] == [second]


def test_a_resting_topic_the_model_clipped_still_keeps_its_idea_out(hub_env: HubEnv, ana: uuid.UUID) -> None:
    text = (
        "Kubernetes costs explained with real invoices from three startups and what each of them changed "
        "after the first bill arrived"
    )
    assert len(text) > 120 and text[119].isalpha() and text[120].isalpha()  # the model cuts a word in two
    strat = strategy(frequency={"x": 1}, times={"x": WEEKDAYS}, languages={"en": 1.0})
    with hub_env.hub.transaction(ana) as conn:
        idea = ready_idea(conn, ana, text + " #pillar:ai", T0)
        rest = FatiguedTopic(topic=text.lower()[:120], posts=2, lift=0.3, rest_until=MONDAY + timedelta(days=30))
        _save_model(conn, ana, _model(fatigued_topics=[rest]))
    plan = _plan(hub_env, ana, strat)
    assert idea.id not in {s.idea_id for s in plan.slots} and [s.kind for s in plan.slots] == ["open"]


def test_what_to_post_leaves_resting_topics_out_and_ends_with_trends(hub_env: HubEnv, ana: uuid.UUID) -> None:
    today = T0.astimezone(TZ).date()
    with hub_env.hub.transaction(ana) as conn:
        kube = ready_idea(conn, ana, "Kubernetes costs, explained #pillar:ai", T0)
        other = ready_idea(conn, ana, "Evaluating RAG answers #pillar:ai", T0)
        trend = _trend(conn, ana, "Open-weights model tops the agent evals", 0.9, "ai")
        rest = FatiguedTopic(topic="kubernetes costs", posts=3, lift=0.4, rest_until=today + timedelta(days=1))
        _save_model(conn, ana, _model(fatigued_topics=[rest]))
        answer = rating.what_to_post(conn, ana, strategy(), ZONE, T0)
        tomorrow = rating.what_to_post(conn, ana, strategy(), ZONE, T0 + timedelta(days=1))
    ideas = [s.idea_id for s in answer.suggestions if s.kind == "idea"]
    assert ideas == [other.id]
    assert (answer.suggestions[-1].kind, answer.suggestions[-1].trend_id) == ("trend", trend)
    assert kube.id in [s.idea_id for s in tomorrow.suggestions if s.kind == "idea"]  # the rest is over


def test_psn_plan_prints_the_trends_and_the_notes(
    hub_env: HubEnv, ana: uuid.UUID, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws: Path = hub_env.settings.workspace
    set_env_values(
        ws / "hub.env",
        {
            "PSN_DATABASE_URL": hub_env.server.conninfo(hub_env.database),
            "PSN_APP_PASSWORD": TEST_APP_PASSWORD,
            "PSN_MEMBER_ID": str(ana),
            "PSN_TIMEZONE": ZONE,
            "PSN_CONNECT_TIMEOUT": "5",
        },
    )
    (ws / "strategy.yaml").write_text(
        "version: 1\npillars:\n  - name: ai\n    weight: 1\nfrequency:\n  x: 2\n", "utf-8"
    )
    with hub_env.hub.transaction(ana) as conn:
        trend = _trend(conn, ana, 'Open-weights "model" tops the evals', 0.9, "ai")
        rest = FatiguedTopic(topic="kubernetes costs", posts=3, lift=0.42, rest_until=MONDAY + timedelta(days=2))
        _save_model(conn, ana, _model(fatigued_topics=[rest], dropped_formats=["x.thread"]))
    monkeypatch.setattr("psn_core.cli.plan.utcnow", lambda: T0)  # the test's clock, not the real one
    shown = CliRunner().invoke(cli, ["--workspace", str(ws), "plan", "--week", MONDAY.isoformat()])
    assert shown.exit_code == 0, shown.output
    text = " ".join(shown.stdout.split())
    assert "Trends this week (offered, not planned" in text
    assert str(trend)[:8] in text and json.dumps('Open-weights "model" tops the evals') in text
    assert f"Resting until {MONDAY + timedelta(days=2):%a %d %b}: 'kubernetes costs'" in text
    assert "Formats you agreed to drop are not suggested: x.thread." in text
    as_json = CliRunner().invoke(cli, ["--workspace", str(ws), "plan", "show", "--week", MONDAY.isoformat(), "--json"])
    data = json.loads(as_json.stdout)
    assert [t["id"] for t in data["trends"]] == [str(trend)] and data["dropped_formats"] == ["x.thread"]
