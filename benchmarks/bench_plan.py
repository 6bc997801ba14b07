"""Weekly plan generation: a week with 50 ready ideas and 5 series, as psn_app with RLS on.

Run: ``uv run python benchmarks/bench_plan.py`` (an embedded Postgres in a temporary folder), or set
``PSN_BENCH_DATABASE_URL`` to an owner URL of a server where it may create and drop a database.
Sets up one member through psn's own services: 50 ready ideas over 3 pillars and 2 languages (captured,
promoted to ready, each move recorded), 5 series (weekly, biweekly, monthly and two RRULEs on 1-3
platforms), 4 accounts and 120 published posts of the last 200 days with metrics (what remix, recycle and
the analytics' best hours read), its preference model refreshed from them (plus 5 resting topics and a
dropped format), 60 live trends, and a strategy asking 14 posts a week on 4 platforms. Then times
:func:`build_plan` for next week (each run makes the plan again: reads, allocates, replaces the slots) and
:func:`what_to_post`, each through ``hub.transaction``, printing p50/p99 ms and writing JSON to
benchmarks/results/. Bounded: a fixed number of runs; well under a minute on 2 cores.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bench_hub import APP_PASSWORD, bench_workspace, print_rows, timed, write_results
from psycopg.types.json import Jsonb

from psn_core.config import Settings
from psn_core.hub import sql
from psn_core.hub.database import Conn, Hub, connect
from psn_core.services.ideas import bank
from psn_core.services.ideas.tags import parse_idea
from psn_core.services.learning import preferences
from psn_core.services.learning.models import FatiguedTopic
from psn_core.services.plan import store
from psn_core.services.plan.rating import what_to_post
from psn_core.services.series import store as series_store
from psn_core.services.series.models import SeriesTemplate
from psn_core.services.series.store import SeriesSpec
from psn_core.services.trends import store as trends
from psn_core.strategy.model import Strategy

RUNS = 50
IDEAS = 50
TRENDS = 60
ZONE = "Europe/Madrid"
PILLARS = ("ai", "product", "culture")
STRATEGY = Strategy.model_validate(
    {
        "pillars": [{"name": "ai", "weight": 3}, {"name": "product", "weight": 2}, {"name": "culture", "weight": 1}],
        "frequency": {"x": 5, "linkedin": 4, "instagram": 3, "tiktok": 2},
        "times": {
            "x": [{"days": "weekdays", "at": ["08:30", "13:00", "18:00"]}],
            "linkedin": [{"days": "weekdays", "at": ["09:00"]}],
            "instagram": [{"days": "daily", "at": ["12:00", "19:30"]}],
            "tiktok": [{"days": ["fri", "sat", "sun"], "at": ["20:00"]}],
        },
        "languages": {"en": 0.6, "es": 0.4},
        "avoid_topics": ["politics"],
    }
)
SERIES = [
    ("Monday AI notes", "weekly", None, ("x", "linkedin"), "ai"),
    ("Build log", "biweekly", None, ("linkedin",), "product"),
    ("Monthly numbers", "monthly", None, ("x", "linkedin", "instagram"), "product"),
    ("Tool Tuesday", "rrule", "FREQ=WEEKLY;BYDAY=TU", ("x",), "ai"),
    ("Weekend reel", "rrule", "FREQ=WEEKLY;BYDAY=SA", ("instagram", "tiktok"), "culture"),
]
ANGLED = ("How to {}", "{} vs the old way", "Unpopular opinion: {}", "The story of {}", "{}", "Tips for {}")


def setup(hub: Hub, owner: str, member: uuid.UUID, now: datetime, monday: date) -> None:
    with connect(owner, timeout=10, label="bench") as conn:
        conn.execute("INSERT INTO members (id, display_name) VALUES (%s, 'bench')", [member])
    with hub.transaction(member) as conn:
        for n in range(IDEAS):
            lang = "es" if n % 5 in (1, 3) else "en"
            text = ANGLED[n % len(ANGLED)].format(f"topic {n}") + f" #pillar:{PILLARS[n % 3]} #lang:{lang}"
            idea = bank.capture(conn, member, parse_idea(text), now - timedelta(hours=n))
            for _ in range(2):
                bank.move(conn, idea.id, "promote", now)
        for name, cadence, rule, platforms, pillar in SERIES:
            spec = SeriesSpec(
                name=name,
                cadence=cadence,
                rrule=rule,
                starts_on=monday - timedelta(days=28),
                time_of_day=time(11, 0),
                timezone=ZONE,
                platforms=list(platforms),
                pillar=pillar,
                template=SeriesTemplate(structure=["hook", "body"], intro="{label}:", hashtags=[]),
                label_pattern="#{n}",
            )
            series_store.create_series(conn, member, spec, now, pillars=list(PILLARS))
    with connect(owner, timeout=10, label="bench") as conn:
        published(conn, member, now)
    with hub.transaction(member) as conn:
        learned(conn, member, now, monday)
    with connect(owner, timeout=10, label="bench") as conn:
        conn.execute("ANALYZE")


def learned(conn: Conn, member: uuid.UUID, now: datetime, monday: date) -> None:
    """The member's preference model from the published posts (as the weekly task makes it), with 5 idea
    topics resting into the planned week and a dropped format; and 60 live trends, a third fitting no pillar."""
    model = preferences.refresh_preferences(conn, member, zone=ZoneInfo(ZONE), now=now)
    rests = [
        FatiguedTopic(topic=f"topic {n}", posts=3, lift=0.5, rest_until=monday + timedelta(days=n % 7))
        for n in range(0, 25, 5)
    ]
    model = model.model_copy(update={"fatigued_topics": rests, "dropped_formats": ["x.thread"]})
    params = {"member": member, "model": Jsonb(model.model_dump(mode="json")), "at": now}
    sql.run(conn, preferences.Q.save_member_model, params)
    for n in range(TRENDS):
        fits = n % 3 != 0
        trend = {"url": f"https://news.example/{n}", "title": f"Trend {n} about topic {n + 100}", "summary": ""}
        params = {**trend, "member_id": member, "source": "hacker_news", "kind": "hacker_news", "signal": n}
        extra = {"score": (n % 10) / 10 if fits else 0.0, "pillar": PILLARS[n % 3] if fits else None, "matched": []}
        sql.run(conn, trends.Q.upsert_trend, {**params, **extra, "published_at": now, "now": now - timedelta(hours=n)})


def published(conn: Conn, member: uuid.UUID, now: datetime) -> None:
    """4 accounts and 120 published posts over 200 days, with metrics rows."""
    accounts = []
    for platform_name in ("x", "linkedin", "instagram", "tiktok"):
        row = conn.execute(
            "INSERT INTO accounts (member_id, platform, handle, remote_user_id) VALUES (%s, %s, 'bench', %s)"
            " RETURNING id",
            [member, platform_name, f"r-{platform_name}"],
        ).fetchone()
        assert row is not None
        accounts.append((platform_name, row["id"]))
    for n in range(120):
        platform_name, account = accounts[n % 4]
        at = now - timedelta(days=1 + n * 200 / 120, hours=n % 9)
        post = conn.execute(
            "INSERT INTO posts (member_id, idea, language, timezone) VALUES (%s, %s, %s, %s) RETURNING id",
            [member, f"Published topic {n}", "es" if n % 3 == 0 else "en", ZONE],
        ).fetchone()
        assert post is not None
        target = conn.execute(
            "INSERT INTO post_targets (post_id, member_id, account_id, platform, rendering, status, due_at,"
            ' published_at) VALUES (%s, %s, %s, %s, \'{"parts": [{"text": "hi"}]}\', \'published\', %s, %s)'
            " RETURNING id",
            [post["id"], member, account, platform_name, at, at],
        ).fetchone()
        assert target is not None
        conn.execute(
            "INSERT INTO post_metrics (target_id, member_id, post_id, account_id, platform, language, format,"
            " published_at, collected_at, exposure, weighted) VALUES (%s, %s, %s, %s, %s, 'en', 'text', %s, %s,"
            " %s, %s)",
            [target["id"], member, post["id"], account, platform_name, at, at, 1000 + n * 7, 20 + (n * 37) % 90],
        )


def main() -> None:
    member = uuid.uuid4()
    now = datetime.now(UTC).replace(microsecond=0)
    today = now.astimezone(ZoneInfo(ZONE)).date()
    monday = today - timedelta(days=today.weekday()) + timedelta(days=7)  # next week: every time ahead
    shapes: dict[str, int] = {}
    with bench_workspace() as (workspace, conninfo):
        settings = Settings.load(workspace, database_url=conninfo, app_password=APP_PASSWORD)
        with Hub.open(settings) as hub:
            setup(hub, conninfo, member, now, monday)

            def plan() -> None:
                with hub.transaction(member) as conn:
                    made = store.build_plan(conn, member, STRATEGY, ZONE, now, week=monday)
                shapes["slots"] = len(made.slots)
                shapes["trends_offered"] = len(made.trends)
                shapes["resting"] = len(made.resting)
                shapes["notes"] = len(made.notes)
                for slot in made.slots:
                    shapes[f"kind_{slot.kind}"] = sum(1 for s in made.slots if s.kind == slot.kind)

            def suggest() -> None:
                with hub.transaction(member) as conn:
                    shapes["suggestions"] = len(what_to_post(conn, member, STRATEGY, ZONE, now).suggestions)

            rows = {"build_plan": timed(plan, RUNS), "what_to_post": timed(suggest, RUNS)}
            server = hub.label
    print(
        f"week of {monday}: {IDEAS} ready ideas, {len(SERIES)} series, 120 published posts, a preference model,"
        f" {TRENDS} trends; plan: {shapes}"
    )
    print_rows("(psn_app, RLS on)", rows)
    write_results(
        "plan",
        "plan_generation",
        server,
        data={
            "ready_ideas": IDEAS,
            "series": len(SERIES),
            "published_posts": 120,
            "posts_a_week": 14,
            "trends": TRENDS,
            "preference_model": True,
        },
        plan=shapes,
        results=rows,
    )


if __name__ == "__main__":
    main()
