"""The 30-day analytics summary and the weekly report on a big hub: 100,000 posts, 5,000,000 metric rows.

Run: ``uv run python benchmarks/bench_analytics.py`` (an embedded Postgres in a temporary folder), or set
``PSN_BENCH_DATABASE_URL`` to an owner URL of a server where it may create and drop a database.
Loads the data as the owner with generate_series (two years of posts across four accounts, 50 snapshots
per post, latest metrics and rollups), then times :func:`summary` and :func:`weekly_review` as psn_app
through ``hub.transaction`` (RLS on), printing p50/p99 ms and writing JSON to benchmarks/results/.
Bounded: a fixed number of runs each; a few minutes on 2 cores, most of it loading.
"""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bench_hub import APP_PASSWORD, bench_workspace, print_rows, timed, write_results

from psn_core.config import Settings
from psn_core.hub.database import Conn, Hub, connect
from psn_core.services.analytics.report import weekly_review
from psn_core.services.analytics.store import rebuild_rollups
from psn_core.services.analytics.summary import summary

POSTS = int(os.environ.get("PSN_BENCH_POSTS", "100000"))  # a smaller hub only to check the bench runs
SNAPSHOTS_PER_POST = 50  # 5,000,000 metric rows at the default size
DAYS = 730
SUMMARY_RUNS = 200
REVIEW_RUNS = 50
ZONE = "Europe/Madrid"
PLATFORMS = ("x", "linkedin", "instagram", "tiktok")


LOAD = [
    # posts spread evenly over DAYS, one target each, round-robin over the four accounts
    """
    INSERT INTO posts (id, member_id, idea, language, timezone, scheduled_at, created_at)
    SELECT md5('post' || i)::uuid, %(member)s, 'topic ' || (i %% 40), CASE WHEN i %% 3 = 0 THEN 'es' ELSE 'en' END,
           %(zone)s, %(now)s - (i::bigint * %(span)s / %(posts)s) * interval '1 second', %(now)s
      FROM generate_series(1, %(posts)s) AS i
    """,
    """
    INSERT INTO post_targets (id, post_id, member_id, account_id, platform, rendering, status, remote_ids,
                              published_at)
    SELECT md5('target' || i)::uuid, md5('post' || i)::uuid, %(member)s, (%(accounts)s::uuid[])[1 + i %% 4],
           (%(platforms)s::text[])[1 + i %% 4],
           jsonb_build_object('parts', jsonb_build_array(jsonb_build_object('text', 'post number ' || i,
                                                                            'media', '[]'::jsonb))),
           'published', ARRAY['r' || i], %(now)s - (i::bigint * %(span)s / %(posts)s) * interval '1 second'
      FROM generate_series(1, %(posts)s) AS i
    """,
    """
    INSERT INTO metric_snapshots (member_id, target_id, collected_at, impressions, likes, comments, shares, saves)
    SELECT %(member)s, md5('target' || i)::uuid,
           %(now)s - (i::bigint * %(span)s / %(posts)s) * interval '1 second' + s * interval '1 hour',
           s * (100 + i %% 97), s * (4 + i %% 7), s * (i %% 3), s * (i %% 2), s * (i %% 5)
      FROM generate_series(1, %(posts)s) AS i CROSS JOIN generate_series(1, %(snapshots)s) AS s
    """,
    """
    INSERT INTO post_metrics (target_id, member_id, post_id, account_id, platform, language, format,
                              published_at, collected_at, impressions, likes, comments, shares, saves,
                              exposure, engagements, weighted, flag_low_impressions)
    SELECT t.id, t.member_id, t.post_id, t.account_id, t.platform, p.language,
           (ARRAY['text', 'thread', 'image', 'carousel', 'video'])[1 + (abs(hashtext(t.id::text)) %% 5)],
           t.published_at, s.collected_at, s.impressions, s.likes, s.comments, s.shares, s.saves,
           s.impressions, s.likes + s.comments + s.shares + s.saves,
           s.likes + 3 * s.comments + 2 * s.shares + 2 * s.saves, s.impressions %% 50 = 0
      FROM post_targets t JOIN posts p ON p.id = t.post_id
      JOIN metric_snapshots s
        ON s.target_id = t.id AND s.collected_at = t.published_at + %(snapshots)s * interval '1 hour'
    """,
]


def load(conn: Conn, member: uuid.UUID, now: datetime) -> dict[str, float]:
    timings: dict[str, float] = {}
    conn.execute("INSERT INTO members (id, display_name, timezone) VALUES (%s, 'bench', %s)", [member, ZONE])
    accounts = []
    for name in PLATFORMS:
        row = conn.execute(
            "INSERT INTO accounts (member_id, platform, handle, remote_user_id) VALUES (%s, %s, 'bench', %s)"
            " RETURNING id",
            [member, name, uuid.uuid4().hex],
        ).fetchone()
        assert row is not None
        accounts.append(row["id"])
    params = {
        "member": member,
        "zone": ZONE,
        "now": now,
        "span": DAYS * 86400,
        "posts": POSTS,
        "snapshots": SNAPSHOTS_PER_POST,
        "accounts": accounts,
        "platforms": list(PLATFORMS),
    }
    for step, statement in zip(("posts", "targets", "snapshots", "latest"), LOAD, strict=True):
        start = time.perf_counter()
        conn.execute(statement, params)  # type: ignore[call-overload]
        timings[f"load_{step}_s"] = round(time.perf_counter() - start, 1)
    start = time.perf_counter()
    rebuild_rollups(conn, member, ZONE, now)
    conn.execute("ANALYZE")
    timings["rollups_and_analyze_s"] = round(time.perf_counter() - start, 1)
    return timings


def main() -> None:
    member = uuid.uuid4()
    now = datetime.now(UTC).replace(microsecond=0)
    zone = ZoneInfo(ZONE)
    with bench_workspace() as (workspace, conninfo):
        with connect(conninfo, timeout=10, label="bench") as conn:
            timings = load(conn, member, now)
            counts = conn.execute(
                "SELECT (SELECT count(*) FROM posts) AS posts, (SELECT count(*) FROM metric_snapshots) AS rows,"
                " (SELECT count(*) FROM post_metrics WHERE published_at >= %s) AS recent",
                [now - timedelta(days=30)],
            ).fetchone()
        settings = Settings.load(workspace, database_url=conninfo, app_password=APP_PASSWORD, timezone=ZONE)
        with Hub.open(settings) as hub:

            def one_summary() -> None:
                with hub.transaction(member) as conn:
                    result = summary(conn, member, zone=zone, now=now)
                assert result.totals.posts > 0

            def one_review() -> None:
                with hub.transaction(member) as conn:
                    review = weekly_review(conn, member, zone=zone, now=now)
                assert review.totals.posts > 0

            rows = {
                "summary_30d": timed(one_summary, SUMMARY_RUNS),
                "weekly_review": timed(one_review, REVIEW_RUNS),
            }
            server = hub.label
    assert counts is not None
    print(
        f"hub: {counts['posts']:,} posts, {counts['rows']:,} metric rows, "
        f"{counts['recent']:,} posts in the last 30 days"
    )
    print("load: " + ", ".join(f"{k} {v}" for k, v in timings.items()))
    print_rows("query (psn_app, RLS on)", rows)
    write_results(
        "analytics",
        "analytics_summary_and_weekly_review",
        server,
        data={k: int(v) for k, v in counts.items()},
        load=timings,
        results=rows,
    )


if __name__ == "__main__":
    main()
