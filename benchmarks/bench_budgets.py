"""What one budget reservation costs: the hub transaction + atomic upsert every platform request pays.

Run: ``uv run python benchmarks/bench_budgets.py`` (an embedded Postgres in a temporary folder), or set
``PSN_BENCH_DATABASE_URL`` to an owner URL of a server where it may create and drop a database.
Prints p50/p99 latency and calls/s single-threaded and with 8 threads on one bucket (the worst case:
every thread queues on the same row lock), and writes the numbers to benchmarks/results/. Bounded:
each scenario stops after a fixed number of calls or a few seconds, whichever comes first.
"""

from __future__ import annotations

import json
import platform
import shutil
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from bench_env import owner_conninfo
from psycopg import sql
from psycopg.conninfo import make_conninfo

from psn_core.config import Settings
from psn_core.errors import RateLimited
from psn_core.hub.database import Hub, connect
from psn_core.hub.migrate import migrate
from psn_core.services.accounts.budgets import Priority, reserve

APP_PASSWORD = "psn-bench-app-password-1234"  # noqa: S105 - throwaway role of a temporary database
CALLS_SINGLE = 3000
CALLS_PER_THREAD = 600
THREADS = 8
SCENARIO_SECONDS = 8.0
RESULTS = Path(__file__).parent / "results"


@contextmanager
def bench_hub(owner: str, workspace: Path) -> Iterator[Hub]:
    name = f"psn_bench_{uuid.uuid4().hex[:8]}"
    with connect(owner, timeout=10, label="bench") as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        with connect(make_conninfo(owner, dbname=name), timeout=10, label="bench") as conn:
            migrate(conn, database=name, app_password=APP_PASSWORD)
        settings = Settings.load(
            workspace,
            database_url=make_conninfo(owner, dbname=name),
            app_password=APP_PASSWORD,
            pool_max_size=THREADS,
        )
        with Hub.open(settings) as hub:
            yield hub
    finally:
        with connect(owner, timeout=10, label="bench") as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def new_account(hub: Hub) -> tuple[uuid.UUID, uuid.UUID]:
    member = uuid.uuid4()
    with hub.transaction(member) as conn:
        conn.execute("INSERT INTO members (id, display_name) VALUES (%s, 'bench')", [member])
        row = conn.execute(
            "INSERT INTO accounts (member_id, platform, handle, remote_user_id) "
            "VALUES (%s, 'x', 'bench', %s) RETURNING id",
            [member, uuid.uuid4().hex],
        ).fetchone()
    assert row is not None
    # a limit no run reaches, so every call measures a granted reservation
    with hub.transaction(member) as conn:
        reserve(conn, member, row["id"], "x", "GET /2/tweets", Priority.CRITICAL, datetime.now(UTC))
        conn.execute("UPDATE budget_ledger SET request_limit = 1000000000, limit_from_headers = true")
    return member, row["id"]


def timed_calls(call: Callable[[], None], count: int, deadline: float) -> list[float]:
    samples = []
    for _ in range(count):
        if time.perf_counter() > deadline:
            break
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return samples


def scenario(hub: Hub, threads: int, calls: int) -> dict[str, float]:
    member, account = new_account(hub)
    now = datetime.now(UTC)

    def one() -> None:
        try:
            with hub.transaction(member) as conn:
                reserve(conn, member, account, "x", "GET /2/tweets", Priority.BACKGROUND, now)
        except RateLimited as exc:  # pragma: no cover - the limit is out of reach
            raise SystemExit(f"unexpected refusal: {exc}") from exc

    for _ in range(50):  # warm the pool and prepared statements
        one()
    barrier = threading.Barrier(threads)
    deadline = time.perf_counter() + SCENARIO_SECONDS

    def worker(_: int) -> list[float]:
        barrier.wait()
        return timed_calls(one, calls, deadline)

    wall = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        samples = [s for batch in pool.map(worker, range(threads)) for s in batch]
    wall = time.perf_counter() - wall
    samples.sort()
    return {
        "threads": threads,
        "calls": len(samples),
        "p50_us": round(statistics.median(samples) * 1e6, 1),
        "p99_us": round(samples[min(len(samples) - 1, int(len(samples) * 0.99))] * 1e6, 1),
        "calls_per_s": round(len(samples) / wall, 1),
    }


def main() -> None:
    workspace = Path(tempfile.mkdtemp(prefix="psn-bench-ws-"))
    try:
        with owner_conninfo() as owner, bench_hub(owner, workspace) as hub:
            rows = [scenario(hub, 1, CALLS_SINGLE), scenario(hub, THREADS, CALLS_PER_THREAD)]
            server = hub.label
    finally:
        shutil.rmtree(workspace, ignore_errors=True)
    print("budget reservation (hub transaction + atomic upsert), one bucket")
    print(f"{'threads':>7} {'calls':>7} {'p50 µs':>9} {'p99 µs':>9} {'calls/s':>9}")
    for r in rows:
        print(f"{r['threads']:>7} {r['calls']:>7} {r['p50_us']:>9} {r['p99_us']:>9} {r['calls_per_s']:>9}")
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"budgets-{stamp}.json"
    payload = {"benchmark": "budget_reservation", "at": stamp, "server": server, "python": platform.python_version()}
    out.write_text(json.dumps({**payload, "results": rows}, indent=2) + "\n")
    print(f"results written to {out}")


if __name__ == "__main__":
    main()
