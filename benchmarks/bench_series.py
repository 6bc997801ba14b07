"""Series: which episodes are due in a week and in a month for a member with 5 series (a year of history,
50 published episodes and a few scheduled posts each), and what counting an episode adds to a publish.

Run: ``uv run python benchmarks/bench_series.py`` (an embedded Postgres in a temporary folder), or set
``PSN_BENCH_DATABASE_URL`` to an owner URL of a server where it may create and drop a database. Times
:func:`due_episodes` through ``hub.transaction`` (psn_app, RLS on) and the UPDATE that marks a target
published with and without a series (the hub's trigger numbers the episode under a lock of the series
row), printing p50/p99 ms and writing JSON to benchmarks/results/. Bounded: about half a minute on 2 cores.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bench_hub import APP_PASSWORD, bench_workspace, print_rows, timed, write_results

from psn_core.config import Settings
from psn_core.hub.database import Conn, Hub, connect
from psn_core.services.series import due_episodes, store
from psn_core.services.series.models import SeriesTemplate

RUNS = 200
PUBLISHES = 200
ZONE = ZoneInfo("Europe/Madrid")
CADENCES = [
    ("weekly", None),
    ("biweekly", None),
    ("monthly", None),
    ("rrule", "FREQ=DAILY"),
    ("rrule", "FREQ=WEEKLY;BYDAY=TU,TH"),
]


def _post(conn: Conn, member: uuid.UUID, account: uuid.UUID, due: datetime) -> tuple[uuid.UUID, uuid.UUID]:
    post = conn.execute(
        "INSERT INTO posts (member_id, idea, timezone, scheduled_at) VALUES (%s, 'x', 'UTC', %s) RETURNING id",
        [member, due],
    ).fetchone()
    assert post is not None
    target = conn.execute(
        "INSERT INTO post_targets (post_id, member_id, account_id, platform, rendering, status, due_at)"
        " VALUES (%s, %s, %s, 'x', '{\"parts\": [{\"text\": \"hi\"}]}', 'scheduled', %s) RETURNING id",
        [post["id"], member, account, due],
    ).fetchone()
    assert target is not None
    return post["id"], target["id"]


def load(hub: Hub, member: uuid.UUID, now: datetime) -> list[uuid.UUID]:
    """5 series from a year ago, 50 published episodes and 3 scheduled posts each; returns publishable targets."""
    with hub.transaction(member) as conn:
        conn.execute("INSERT INTO members (id, display_name) VALUES (%s, 'bench')", [member])
    spare: list[uuid.UUID] = []
    with hub.transaction(member) as conn:
        row = conn.execute(
            "INSERT INTO accounts (member_id, platform, handle, remote_user_id)"
            " VALUES (%s, 'x', 'b', 'r') RETURNING id",
            [member],
        ).fetchone()
        assert row is not None
        account = row["id"]
        for i, (cadence, rule) in enumerate(CADENCES):
            spec = store.SeriesSpec(
                name=f"Series {i}",
                cadence=cadence,
                rrule=rule,
                starts_on=(now - timedelta(days=365)).date(),
                time_of_day=time(9, 0),
                timezone=ZONE.key,
                platforms=["x"],
                template=SeriesTemplate(structure=["hook", "body"], intro="Ep {label}", hashtags=["#s"]),
            )
            series = store.create_series(conn, member, spec, now, pillars=None)
            for week in range(53):
                due = now - timedelta(days=365 - 7 * week) if week < 50 else now + timedelta(days=week - 49)
                post, target = _post(conn, member, account, due)
                store.link_post(conn, series.id, post)
                if week < 50:
                    conn.execute(
                        "UPDATE post_targets SET status = 'published', published_at = %s WHERE id = %s", [due, target]
                    )
            for _ in range(PUBLISHES // len(CADENCES)):
                post, target = _post(conn, member, account, now + timedelta(days=30))
                store.link_post(conn, series.id, post)
                spare.append(target)
        for _ in range(PUBLISHES):
            spare.append(_post(conn, member, account, now + timedelta(days=30))[1])  # no series
    return spare


def main() -> None:
    member = uuid.uuid4()
    now = datetime.now(UTC).replace(microsecond=0)
    week_start = datetime.combine(now.astimezone(ZONE).date(), time(0, 0), tzinfo=ZONE)
    rows: dict[str, dict[str, float]] = {}
    found: dict[str, int] = {}
    with bench_workspace() as (workspace, conninfo):
        settings = Settings.load(workspace, database_url=conninfo, app_password=APP_PASSWORD)
        with Hub.open(settings) as hub:
            spare = load(hub, member, now)
            with connect(conninfo, timeout=10, label="bench") as conn:
                conn.execute("ANALYZE")
            for name, days in (("due_week", 7), ("due_month", 31)):

                def one(days: int = days, name: str = name) -> None:
                    with hub.transaction(member) as conn:
                        episodes = due_episodes(
                            conn, start=week_start, end=week_start + timedelta(days=days), zone=ZONE
                        )
                    found[name] = len(episodes)

                rows[name] = timed(one, RUNS)
            with_series, without = iter(spare[:PUBLISHES]), iter(spare[PUBLISHES:])
            for name, targets in (("publish_with_series", with_series), ("publish_without", without)):

                def publish(targets: object = targets) -> None:
                    target = next(targets)  # type: ignore[call-overload]
                    with hub.transaction(member) as conn:
                        conn.execute(
                            "UPDATE post_targets SET status = 'published', published_at = now() WHERE id = %s",
                            [target],
                        )

                rows[name] = timed(publish, PUBLISHES - 5)
            with hub.transaction(member) as conn:
                counted = conn.execute("SELECT sum(episodes_published) AS n FROM series").fetchone()["n"]
            server = hub.label
    print(f"5 series, a year of history; {counted} episodes counted")
    print_rows("(psn_app, RLS on)", rows, found=found)
    write_results("series", "series", server, found=found, episodes_counted=counted, results=rows)


if __name__ == "__main__":
    main()
