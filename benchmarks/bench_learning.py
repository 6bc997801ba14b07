"""The weekly learning run on a busy member: two years of posts (8 a day over four platforms, about 5,800
measured posts, a third from ideas with pillars), 2,000 recorded edits, 600 killed ideas and daily follower
counts per account.

Run: ``uv run python benchmarks/bench_learning.py`` (an embedded Postgres in a temporary folder), or set
``PSN_BENCH_DATABASE_URL`` to an owner URL of a server where it may create and drop a database.
Loads the data as the owner with generate_series, then times, as psn_app through ``hub.transaction`` (RLS
on): :func:`refresh_preferences` (compute and store the model), :func:`load_preferences` (what drafting
reads) and :func:`run_weekly` (the worker's Monday task: the model, the strategy changes and proposals, with
a strategy.yaml in a temporary workspace; each run rolls back so every run sees the same data). Prints
p50/p99 ms and writes JSON to benchmarks/results/. Bounded: a fixed number of runs; under a minute.
"""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import psycopg
from bench_hub import APP_PASSWORD, bench_workspace, print_rows, timed, write_results

from psn_core.config import Settings
from psn_core.hub.database import Conn, Hub, connect
from psn_core.services.learning.loop import run_weekly
from psn_core.services.learning.preferences import load_preferences, refresh_preferences
from psn_core.services.strategy import init_strategy
from psn_core.strategy.defaults import StrategySeed

DAYS = int(os.environ.get("PSN_BENCH_DAYS", "730"))
PER_DAY = 8
RUNS = 30
ZONE = "Europe/Madrid"

LOAD = [
    """
    INSERT INTO accounts (member_id, platform, handle, remote_user_id)
    SELECT %(member)s, p, 'bench_' || p, 'r-' || p FROM unnest(ARRAY['x', 'linkedin', 'instagram', 'tiktok']) p
    """,
    """
    INSERT INTO posts (id, member_id, idea, timezone, created_at)
    SELECT md5('post' || i)::uuid, %(member)s,
           (ARRAY['pricing', 'hiring', 'ai tooling', 'team life', 'launches', ''])[1 + i %% 6], 'Europe/Madrid',
           %(now)s - (i * interval '3 hours')
      FROM generate_series(1, %(posts)s) i
    """,
    """
    INSERT INTO post_targets (id, post_id, member_id, account_id, platform, rendering, status, published_at)
    SELECT md5('target' || i)::uuid, md5('post' || i)::uuid, %(member)s, a.id, a.platform,
           jsonb_build_object('parts', jsonb_build_array(jsonb_build_object('text',
               (ARRAY['Why do launches slip?', 'I shipped it late.', '3 things we learned', 'How to hire well',
                      'Stop writing specs.', 'A plain note.'])[1 + i %% 6]))),
           'published', %(now)s - (i * interval '3 hours')
      FROM generate_series(1, %(posts)s) i
      JOIN accounts a ON a.member_id = %(member)s
       AND a.platform = (ARRAY['x', 'linkedin', 'instagram', 'tiktok'])[1 + i %% 4]
    """,
    """
    INSERT INTO post_metrics (target_id, member_id, post_id, account_id, platform, language, format, published_at,
                              collected_at, impressions, likes, exposure, engagements, weighted)
    SELECT t.id, t.member_id, t.post_id, t.account_id, t.platform, 'en',
           (ARRAY['text', 'image', 'carousel', 'video', 'thread'])[1 + abs(hashtext(t.id::text)) %% 5],
           t.published_at, t.published_at + interval '1 day', 1000 + abs(hashtext(t.id::text)) %% 4000,
           abs(hashtext(t.post_id::text)) %% 90, 1000 + abs(hashtext(t.id::text)) %% 4000,
           abs(hashtext(t.post_id::text)) %% 90, abs(hashtext(t.post_id::text)) %% 120
      FROM post_targets t WHERE t.member_id = %(member)s
    """,
    """
    INSERT INTO ideas (id, member_id, text, pillar, created_at, touched_at)
    SELECT md5('idea' || i)::uuid, %(member)s, 'idea ' || i,
           (ARRAY['expertise', 'stories', 'behind-the-scenes'])[1 + i %% 3],
           %(now)s - (i * interval '3 hours'), %(now)s - (i * interval '3 hours')
      FROM generate_series(1, %(posts)s) i WHERE i %% 3 = 0
    """,
    """
    INSERT INTO idea_posts (idea_id, post_id, member_id)
    SELECT md5('idea' || i)::uuid, md5('post' || i)::uuid, %(member)s FROM generate_series(1, %(posts)s) i
     WHERE i %% 3 = 0
    """,
    """
    INSERT INTO ideas (member_id, text, created_at, touched_at)
    SELECT %(member)s, 'killed idea ' || i, %(now)s - i * interval '1 day', %(now)s - i * interval '1 day'
      FROM generate_series(1, 600) i
    """,
    """
    UPDATE ideas SET state = 'killed',
           kill_reason = (ARRAY['too salesy', 'done before', 'expired'])[1 + abs(hashtext(id::text)) %% 3]
     WHERE text LIKE 'killed idea %%'
    """,
    """
    INSERT INTO draft_edits (member_id, persona, language, platform, format, draft_text, final_text, edit_ratio,
                             diff, created_at)
    SELECT %(member)s, 'personal', 'en', 'x', 'story', 'draft', 'final', (i %% 10) / 10.0,
           jsonb_build_object('removed_words', jsonb_build_array('leverage', 'synergy'),
                              'added_words', jsonb_build_array('use'),
                              'added_phrases', jsonb_build_array('we shipped it'),
                              'draft_sentence_words', 20, 'final_sentence_words', 14, 'ratio', (i %% 10) / 10.0),
           %(now)s - i * interval '8 hours'
      FROM generate_series(1, 2000) i
    """,
    """
    INSERT INTO account_followers (member_id, account_id, collected_at, followers)
    SELECT %(member)s, a.id, %(now)s - d * interval '1 day', 5000 + d * 3
      FROM accounts a, generate_series(0, %(days)s) d WHERE a.member_id = %(member)s
    """,
]


def load(conn: Conn, member: uuid.UUID, now: datetime) -> dict[str, float]:
    conn.execute("INSERT INTO members (id, display_name, timezone) VALUES (%s, 'bench', %s)", [member, ZONE])
    conn.execute("SELECT set_config('psn.member_id', %s, false)", [str(member)])  # whom the idea trigger records
    params = {"member": member, "now": now, "posts": DAYS * PER_DAY, "days": DAYS}
    start = time.perf_counter()
    for statement in LOAD:
        conn.execute(statement, params)  # type: ignore[call-overload]
    timings = {"load_s": round(time.perf_counter() - start, 1)}
    conn.execute("ANALYZE")
    return timings


def main() -> None:
    member = uuid.uuid4()
    now = datetime.now(UTC).replace(microsecond=0)
    zone = ZoneInfo(ZONE)
    with bench_workspace() as (workspace, conninfo):
        with connect(conninfo, timeout=10, label="bench") as conn:
            timings = load(conn, member, now)
            counts = conn.execute(
                "SELECT (SELECT count(*) FROM post_metrics) AS posts, (SELECT count(*) FROM draft_edits) AS edits,"
                " (SELECT count(*) FROM ideas) AS ideas"
            ).fetchone()
        settings = Settings.load(workspace, database_url=conninfo, app_password=APP_PASSWORD)
        init_strategy(workspace, StrategySeed(talks_like="between", platforms=["x", "linkedin", "instagram"]))
        rows: dict[str, dict[str, float]] = {}
        seen: dict[str, int] = {}
        with Hub.open(settings) as hub:

            def refresh() -> None:
                with hub.transaction(member) as conn:
                    seen["model_posts"] = refresh_preferences(conn, member, zone=zone, now=now).posts

            def read() -> None:
                with hub.transaction(member) as conn:
                    assert load_preferences(conn, member) is not None

            def weekly() -> None:
                with hub.transaction(member) as conn:
                    learned = run_weekly(conn, member, workspace=workspace, zone=zone, now=now)
                    seen["proposals"] = len(learned.proposals)
                    raise psycopg.Rollback()  # every run sees the same hub (strategy.yaml changes only once)

            rows["refresh_preferences"] = timed(refresh, RUNS)
            rows["load_preferences"] = timed(read, RUNS * 5)
            rows["run_weekly"] = timed(weekly, RUNS)
            server = hub.label
    assert counts is not None
    print(f"hub: {counts['posts']:,} measured posts, {counts['edits']:,} edits, {counts['ideas']:,} ideas")
    print(f"load: {timings['load_s']} s; model from {seen['model_posts']} posts (12 weeks)")
    print_rows("(psn_app, RLS on)", rows)
    write_results(
        "learning",
        "learning_weekly",
        server,
        data={k: int(v) for k, v in counts.items()},
        load=timings,
        results=rows,
    )


if __name__ == "__main__":
    main()
