"""Ideas search on a big bank: 100,000 ideas (two thirds English, one third Spanish), full-text search as
psn_app with RLS on.

Run: ``uv run python benchmarks/bench_ideas.py`` (an embedded Postgres in a temporary folder), or set
``PSN_BENCH_DATABASE_URL`` to an owner URL of a server where it may create and drop a database.
Loads the ideas as the owner with generate_series (through the hub's own trigger: every idea is captured
as a spark and a third are promoted, each move recorded), then times :func:`search_ideas` for a few
queries (words, a phrase, an exclusion, an or, Spanish words) through ``hub.transaction``, printing p50/p99
ms and writing JSON to benchmarks/results/. Bounded: a fixed number of runs; about a minute on 2 cores.
"""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime

from bench_hub import APP_PASSWORD, bench_workspace, print_rows, timed, write_results

from psn_core.config import Settings
from psn_core.hub.database import Conn, Hub, connect
from psn_core.services.ideas.bank import search_ideas

IDEAS = int(os.environ.get("PSN_BENCH_IDEAS", "100000"))  # a smaller bank only to check the bench runs
RUNS = 200
QUERIES = {
    "two_words": "pricing mistakes",
    "phrase": '"customer story"',
    "exclusion": "hiring -remote",
    "or": "onboarding or churn",
    "spanish": "precios clientes",
}

LOAD = [
    """
    INSERT INTO ideas (member_id, text, pillar, urgency, language, source, created_at, touched_at)
    SELECT %(member)s,
           CASE WHEN i %% 3 = 0
                THEN 'Por qué nuestros ' || es[1 + i %% 10] || ' cambiaron cómo pensamos los ' || es[1 + (i / 10) %% 10]
                     || ' (nota ' || i || ')'
                ELSE 'Why our ' || en[1 + i %% 20] || ' ' || en[1 + (i / 20) %% 20] || ' changed how we think about '
                     || en[1 + (i / 400) %% 20] || ' (note ' || i || ')' END,
           (ARRAY['product', 'culture', 'growth', 'engineering', NULL])[1 + i %% 5],
           (ARRAY['evergreen', 'evergreen', 'timely', 'seasonal'])[1 + i %% 4],
           CASE WHEN i %% 3 = 0 THEN 'es' ELSE 'en' END,
           (ARRAY['capture', 'plan', 'trend', 'remix', 'recycle'])[1 + i %% 5],
           %(now)s - i * interval '1 minute', %(now)s - i * interval '1 minute'
      FROM generate_series(1, %(ideas)s) AS i,
           (SELECT ARRAY['pricing', 'launch', 'hiring', 'onboarding', 'growth', 'churn', 'design', 'customer',
                         'story', 'lessons', 'mistakes', 'roadmap', 'feedback', 'team', 'culture', 'remote',
                         'product', 'marketing', 'sales', 'support'] AS en,
                   ARRAY['precios', 'lanzamientos', 'clientes', 'equipos', 'productos', 'ventas', 'diseños',
                         'errores', 'lecciones', 'contratos'] AS es) AS words
    """,
    "UPDATE ideas SET state = 'seed', transition_note = 'bench' WHERE abs(hashtext(id::text)) %% 3 = 0",
    "UPDATE ideas SET state = 'ready', transition_note = 'bench'"
    " WHERE state = 'seed' AND abs(hashtext(id::text)) %% 2 = 0",
]


def load(conn: Conn, member: uuid.UUID, now: datetime) -> dict[str, float]:
    conn.execute("INSERT INTO members (id, display_name) VALUES (%s, 'bench')", [member])
    conn.execute("SELECT set_config('psn.member_id', %s, false)", [str(member)])  # whom the trigger records
    timings: dict[str, float] = {}
    for step, statement in zip(("capture", "seed", "ready"), LOAD, strict=True):
        start = time.perf_counter()
        conn.execute(statement, {"member": member, "now": now, "ideas": IDEAS})  # type: ignore[call-overload]
        timings[f"load_{step}_s"] = round(time.perf_counter() - start, 1)
    start = time.perf_counter()
    conn.execute("ANALYZE")
    timings["analyze_s"] = round(time.perf_counter() - start, 1)
    return timings


def main() -> None:
    member = uuid.uuid4()
    now = datetime.now(UTC).replace(microsecond=0)
    with bench_workspace() as (workspace, conninfo):
        with connect(conninfo, timeout=10, label="bench") as conn:
            timings = load(conn, member, now)
            counts = conn.execute(
                "SELECT (SELECT count(*) FROM ideas) AS ideas, (SELECT count(*) FROM idea_events) AS events"
            ).fetchone()
        settings = Settings.load(workspace, database_url=conninfo, app_password=APP_PASSWORD)
        rows: dict[str, dict[str, float]] = {}
        hits: dict[str, int] = {}
        with Hub.open(settings) as hub:
            for name, query in QUERIES.items():

                def one(query: str = query, name: str = name) -> None:
                    with hub.transaction(member) as conn:
                        found = search_ideas(conn, query, limit=20)
                    hits[name] = len(found)

                rows[name] = timed(one, RUNS)
            server = hub.label
    assert counts is not None
    print(f"bank: {counts['ideas']:,} ideas, {counts['events']:,} recorded moves")
    print("load: " + ", ".join(f"{k} {v}" for k, v in timings.items()))
    print_rows("search (psn_app, RLS on)", rows, hits=hits)
    write_results(
        "ideas",
        "ideas_search",
        server,
        data={k: int(v) for k, v in counts.items()},
        load=timings,
        queries=QUERIES,
        hits=hits,
        results=rows,
    )


if __name__ == "__main__":
    main()
