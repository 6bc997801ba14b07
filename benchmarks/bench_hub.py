"""What the database benchmarks share (analytics, ideas, learning, plan, series): a temporary workspace and
a migrated database of its own, a timer that reports p50/p99, the table they print and the JSON result
they write to benchmarks/results/."""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from bench_env import APP_PASSWORD, RESULTS, owner_conninfo
from psycopg import sql
from psycopg.conninfo import make_conninfo

from psn_core.hub.database import connect
from psn_core.hub.migrate import migrate

__all__ = ["APP_PASSWORD", "bench_database", "bench_workspace", "print_rows", "timed", "write_results"]


@contextmanager
def bench_database(owner: str) -> Iterator[str]:
    """A new database on the server of ``owner`` (an owner conninfo), migrated as a hub; dropped afterwards."""
    name = f"psn_bench_{uuid.uuid4().hex[:8]}"
    with connect(owner, timeout=10, label="bench") as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        conninfo = make_conninfo(owner, dbname=name)
        with connect(conninfo, timeout=10, label="bench") as conn:
            migrate(conn, database=name, app_password=APP_PASSWORD)
        yield conninfo
    finally:
        with connect(owner, timeout=10, label="bench") as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@contextmanager
def bench_workspace() -> Iterator[tuple[Path, str]]:
    """(a temporary workspace folder, the owner conninfo of a migrated hub database): the embedded Postgres
    in a temporary folder, or the server of PSN_BENCH_DATABASE_URL; all of it removed afterwards."""
    workspace = Path(tempfile.mkdtemp(prefix="psn-bench-ws-"))
    try:
        with owner_conninfo() as owner, bench_database(owner) as conninfo:
            yield workspace, conninfo
    finally:
        shutil.rmtree(workspace, ignore_errors=True)


def timed(call: Callable[[], object], runs: int) -> dict[str, float]:
    """Run ``call`` once to warm up, then ``runs`` times: the runs, p50 and p99 in milliseconds."""
    call()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    samples.sort()
    return {
        "runs": runs,
        "p50_ms": round(statistics.median(samples) * 1000, 2),
        "p99_ms": round(samples[min(len(samples) - 1, int(len(samples) * 0.99))] * 1000, 2),
    }


def print_rows(title: str, rows: Mapping[str, Mapping[str, float]], **columns: Mapping[str, object]) -> None:
    """The timings as a table, a line a measurement: its name, any extra ``columns`` (each a value by
    measurement name), runs, p50 and p99."""
    width = max(22, len(title), *(len(name) for name in rows))
    print(f"{title:<{width}} " + "".join(f"{c:>6} " for c in columns) + f"{'runs':>5} {'p50 ms':>9} {'p99 ms':>9}")
    for name, r in rows.items():
        extra = "".join(f"{column.get(name, '')!s:>6} " for column in columns.values())
        print(f"{name:<{width}} {extra}{r['runs']:>5} {r['p50_ms']:>9} {r['p99_ms']:>9}")


def write_results(name: str, benchmark: str, server: str, **fields: object) -> Path:
    """benchmarks/results/<name>-<UTC stamp>.json: the benchmark, when, the server, Python, the CPUs and
    ``fields`` (the data measured on, the results...)."""
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"{name}-{stamp}.json"
    payload = {
        "benchmark": benchmark,
        "at": stamp,
        "server": server,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        **fields,
    }
    out.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"results written to {out}")
    return out
