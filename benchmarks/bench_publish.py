"""Scheduling lateness and pipeline overhead, with a real `psn worker` process on the hub's queue.

Run: ``uv run python benchmarks/bench_publish.py``. It schedules 150 text posts (90 on X, 60 on LinkedIn)
due over 30 seconds, runs one worker process (4 threads), and reports:

* lateness: from each post's due time to its first request to the platform (p50/p99);
* overhead: the publisher's own time per post (claim, lease, ledger, token, budget, the request,
  bookkeeping) next to a bare HTTP POST of the same tweet to the emulator.

Results go to benchmarks/results/.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime, timedelta

import httpx2
from bench_env import bench_env, describe, run_worker_until_published, save

from psn_core.crypto import load_keyring
from psn_core.queue import Producer
from psn_core.services.accounts.tokens import TokenService
from psn_core.services.posting.posts import PartInput, PostInput, TargetInput, create_post, schedule_and_enqueue
from psn_core.services.posting.schedule_time import ScheduleTime

SHARE = {"x": 90, "linkedin": 60}
WINDOW_SECONDS = 30.0


def main() -> None:
    with bench_env() as env:
        accounts = {name: env.connect(name) for name in SHARE}
        plan = [(p, i) for i in range(max(SHARE.values())) for p in SHARE if i < SHARE[p]]
        start = datetime.now(UTC) + timedelta(seconds=10)
        producer = Producer(env.settings, env.hub)
        for n, (platform_name, i) in enumerate(plan):
            target = TargetInput(
                account_id=accounts[platform_name].id,
                parts=[PartInput(text=f"bench {platform_name} {i} {start:%H%M%S}")],
            )
            with env.hub.transaction(env.member) as conn:
                post = create_post(
                    conn,
                    env.member,
                    PostInput(targets=[target]),
                    timezone="UTC",
                    media_dir=env.settings.workspace / "media",
                    media_host=None,
                )
            due = start + timedelta(seconds=n * WINDOW_SECONDS / len(plan))
            when = ScheduleTime(utc=due, local=due.replace(tzinfo=None), zone="UTC")
            schedule_and_enqueue(env.hub, env.member, post.id, when, producer.enqueue_publish)
        producer.close()
        command = [sys.executable, "-m", "psn_core.cli", "-w", str(env.settings.workspace), "worker"]
        run_worker_until_published(env.hub, command, env.env_values, len(plan), 10 + WINDOW_SECONDS + 120)
        with env.hub.owner() as conn:
            rows = conn.execute(
                "SELECT platform, extract(epoch FROM first_request_at - due_at) * 1000 AS late,"
                " extract(epoch FROM published_at - publishing_started_at) * 1000 AS work FROM post_targets"
                " WHERE status = 'published'"
            ).fetchall()
        token = TokenService(env.hub, env.settings, load_keyring(env.settings)).access_token(
            env.member, accounts["x"].id
        )
        bare = []
        with httpx2.Client(timeout=10) as http:
            for i in range(50):
                begun = time.perf_counter()
                http.post(
                    f"{env.emu.url_for('x')}/2/tweets",
                    json={"text": f"bare {i} {time.time()}"},
                    headers={"Authorization": f"Bearer {token.access_token.get_secret_value()}"},
                )
                bare.append((time.perf_counter() - begun) * 1000)
    results = {
        "published": f"{len(rows)} of {len(plan)}",
        "lateness_ms": describe([float(r["late"]) for r in rows]),
        "publisher_ms_per_post": {p: describe([float(r["work"]) for r in rows if r["platform"] == p]) for p in SHARE},
        "bare_http_post_ms": describe(bare),
    }
    print(f"published {results['published']}")
    late = results["lateness_ms"]
    print(f"lateness (due -> first platform request): p50 {late['p50']:.0f} ms, p99 {late['p99']:.0f} ms")
    for p, stats in results["publisher_ms_per_post"].items():
        print(f"publisher time per {p} post: p50 {stats['p50']:.1f} ms, p99 {stats['p99']:.1f} ms")
    print(f"bare HTTP POST /2/tweets to the emulator: p50 {results['bare_http_post_ms']['p50']:.1f} ms")
    print(f"saved {save('publish', results)}")


if __name__ == "__main__":
    main()
