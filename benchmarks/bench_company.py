"""What a company hub's workflow costs, on a real Postgres, the emulator and a real company worker.

Run: ``uv run python benchmarks/bench_company.py`` (a temporary embedded Postgres, or the owner URL in
``PSN_BENCH_DATABASE_URL``). It reports:

* redeem: 40 invite codes redeemed one after another at each invite's own address (its login role; the
  member's own login role is made), p50/p99 ms; then 10 threads racing for one code (exactly one must win);
* submit: 200 contributor posts sent for approval, each notifying every approver (p50/p99 ms);
* list: the approver's listing (`psn approve`) with 200 pending posts and their calendar context;
* approve: an editor approving each of them by its content hash (schedule, author told; nothing queued:
  only the account owner's worker writes into the owner's queue);
* publish: 30 posts approved by the editor, due over 20 s, published by a real `psn worker --company`
  process of the admin who connected the account. Its watchdog queues them at its next minute tick, so
  the window opens 15 s after the first minute boundary at least 25 s after the approvals (about 40-100 s
  later; reported as approved_s_before_first_due, with queued_at_approval, which must be 0). Lateness is
  from due time to the first platform request (p50/p99 ms): the publishing, not the watchdog's minute.

Results go to benchmarks/results/. About two and a half minutes on 2 cores.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx2
from bench_env import APP_PASSWORD, describe, owner_conninfo, run_worker_until_published, save, temporary_database
from psycopg.conninfo import make_conninfo
from pydantic import SecretStr

from psn_core.config import Settings
from psn_core.crypto import create_key_file, load_keyring
from psn_core.emulator import Emulator, EmulatorConfig
from psn_core.emulator.settings import as_env, psn_settings
from psn_core.errors import PSNError
from psn_core.hub.database import APP_ROLE, Hub, connect
from psn_core.queue import company_enqueue
from psn_core.services.accounts.accounts import finish_connect, start_connect
from psn_core.services.company import approvals, pending_posts
from psn_core.services.company import hubs as company
from psn_core.services.company import invites as company_invites
from psn_core.services.company.hubs import CompanyConnection, CompanyHub, Identity, member_transaction
from psn_core.services.posting.posts import PartInput
from psn_core.services.posting.schedule_time import ScheduleTime
from psn_core.workspace import set_env_values

REDEMPTIONS = 40
RACERS = 10  # stays under the 10-failures-per-source limit
PENDING = 200
PUBLISHED = 30
WINDOW_SECONDS = 20.0
WORKER_START = timedelta(seconds=25)  # the worker process up and its scheduler running, on a loaded machine
QUEUE_HEADROOM = timedelta(seconds=15)  # the watchdog's tick queues every approved post, then the window opens


@dataclass
class CompanyEnv:
    settings: Settings
    hub: Hub  # owner-capable, for the bench's own bookkeeping
    emu: Emulator
    admin: Identity
    database: str
    app_url: str
    env_values: dict[str, str]

    def open_as(self, who: Identity) -> CompanyHub:
        connection = CompanyConnection(
            slug="bench", name="Bench Co", database=self.database, app_conninfo=SecretStr(who.conninfo or self.app_url),
            member_id=who.member_id, member_key=SecretStr(who.key) if who.key is not None else None,
        )  # fmt: skip
        return CompanyHub(self.settings, connection)


@contextmanager
def company_env() -> Iterator[CompanyEnv]:
    folder = Path(tempfile.mkdtemp(prefix="psn-bench-co-"))
    try:
        with owner_conninfo() as url, temporary_database(url) as (database, owner):
            with connect(owner, timeout=10, label="bench") as conn:
                admin = company.init_company_hub(conn, slug="bench", name="Bench Co", admin_name="Ada", timezone="UTC")
            with Emulator(config=EmulatorConfig(processing_seconds=0.2)) as emu:
                overrides: dict[str, object] = {
                    "database_url": owner, "app_password": APP_PASSWORD, "member_id": str(admin.member_id),
                    "timezone": "UTC", **psn_settings(emu, 8766),
                }  # fmt: skip
                workspace = folder / "ada"
                workspace.mkdir()
                settings = Settings.load(workspace, **overrides)
                create_key_file(settings.key_path)
                app_url = make_conninfo(owner, user=APP_ROLE, password=APP_PASSWORD)
                with Hub.open(settings) as hub:
                    yield CompanyEnv(settings, hub, emu, admin, database, app_url, as_env(overrides))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def timed(body: Callable[[], object]) -> float:
    started = time.perf_counter()
    body()
    return (time.perf_counter() - started) * 1000


def redeem_phase(env: CompanyEnv) -> tuple[dict[str, object], list[Identity], Identity]:
    """Each invite has a login role of its own; a redemption connects at the invite's address (the code
    is the password) and makes the member's own login role, as `psn company join` does."""
    with member_transaction(env.hub, env.admin) as conn:
        invites = [
            company_invites.create_invite(conn, datetime.now(UTC), this_machine=True) for _ in range(REDEMPTIONS)
        ]
        editor_invite = company_invites.create_invite(conn, datetime.now(UTC), role="editor", this_machine=True)
        race_invite = company_invites.create_invite(conn, datetime.now(UTC), this_machine=True)
    joined: list[Identity] = []
    took: list[float] = []
    for n, invite in enumerate(invites):
        started = time.perf_counter()
        who, _role = company_invites.redeem_invite(invite.hub, invite.code, display_name=f"Member {n}", timezone="UTC")
        took.append((time.perf_counter() - started) * 1000)
        joined.append(who)
    editor, _ = company_invites.redeem_invite(editor_invite.hub, editor_invite.code, display_name="Eve", timezone="UTC")

    wins: list[Identity] = []
    refusals: list[str] = []
    gate = threading.Barrier(RACERS)

    def race(n: int) -> None:
        gate.wait()
        try:
            who, _ = company_invites.redeem_invite(
                race_invite.hub, race_invite.code, display_name=f"Racer {n}", timezone="UTC"
            )
            wins.append(who)
        except PSNError as exc:
            refusals.append(type(exc).__name__)

    threads = [threading.Thread(target=race, args=(n,)) for n in range(RACERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(wins) == 1, (wins, refusals)
    raced = {"threads": RACERS, "winners": len(wins), "refusals": sorted(set(refusals))}
    return {"sequential_ms": describe(took), "race": raced}, joined, editor


def connect_company_x(env: CompanyEnv) -> None:
    ring = load_keyring(env.settings)
    with env.open_as(env.admin) as admin, admin.transaction() as conn:
        start = start_connect(conn, env.settings, ring, env.admin.member_id, "x")
    with httpx2.Client(follow_redirects=False, timeout=10) as browser:
        redirect = browser.get(start.url).headers["location"]
    with env.open_as(env.admin) as admin:
        finish_connect(admin.hub, env.settings, ring, env.admin.member_id, redirect)


def at(moment: datetime) -> ScheduleTime:
    return ScheduleTime(utc=moment, local=moment.replace(tzinfo=None), zone="UTC")


def submit(env: CompanyEnv, hubs: list[CompanyHub], texts: list[str], due: list[datetime]) -> list[float]:
    """Each post by the next contributor in turn; returns the ms each submission took."""
    took = []
    media_dir = env.settings.workspace / "media"
    for n, (text, when) in enumerate(zip(texts, due, strict=True)):
        started = time.perf_counter()
        approvals.post_for_company(
            hubs[n % len(hubs)], ["x"], [PartInput(text=text)], at(when), lambda *_: "unused",
            media_dir=media_dir, media_host=None,
        )  # fmt: skip
        took.append((time.perf_counter() - started) * 1000)
    return took


def first_due(approved_at: datetime) -> datetime:
    """When the publish window starts: an editor's approval queues nothing (only the account owner's
    worker can write into the owner's queue), so the owner's worker watchdog queues the approved posts at
    its next minute tick. The window starts QUEUE_HEADROOM after the first minute boundary at least
    WORKER_START after the approvals, so the posts are queued before they are due and lateness measures
    publishing, not the wait for the watchdog's minute."""
    tick = (approved_at + WORKER_START).replace(second=0, microsecond=0) + timedelta(minutes=1)
    return tick + QUEUE_HEADROOM


def publish_phase(env: CompanyEnv, authors: list[CompanyHub], editor: CompanyHub) -> dict[str, object]:
    placeholder = datetime.now(UTC) + timedelta(hours=1)  # rescheduled at approval, once the window is known
    texts = [f"bench company {n} {uuid.uuid4().hex[:6]}" for n in range(PUBLISHED)]
    submit(env, authors, texts, [placeholder + timedelta(minutes=n) for n in range(PUBLISHED)])
    enqueue = company_enqueue(env.settings, editor)
    with editor.transaction() as conn:
        pending = pending_posts.list_pending(conn, datetime.now(UTC), env.settings.zone)
    assert len(pending) == PUBLISHED, len(pending)  # the earlier ones were all approved
    start = first_due(datetime.now(UTC) + timedelta(seconds=5))  # approving 30 takes a few seconds
    due = [start + timedelta(seconds=n * WINDOW_SECONDS / PUBLISHED) for n in range(PUBLISHED)]
    for item, when in zip(pending, due, strict=True):
        approvals.approve_and_enqueue(
            editor, str(item.post_id), item.content_hash, enqueue, datetime.now(UTC), at(when)
        )
    approved_at = datetime.now(UTC)
    with env.hub.owner() as conn:
        row = conn.execute(
            "SELECT count(*) AS n FROM post_targets WHERE status = 'scheduled' AND run_id IS NOT NULL"
        ).fetchone()
    queued_at_approval = int(row["n"]) if row else 0  # the editor cannot queue into the owner's queue: 0

    workspace = env.settings.workspace
    set_env_values(workspace / "hub.env", env.env_values)
    with env.open_as(env.admin) as admin:
        admin_connection = admin.connection
    company.write_connection(workspace, admin_connection)
    command = [sys.executable, "-m", "psn_core.cli", "-w", str(workspace), "worker", "--company", "bench"]
    wait = (start - datetime.now(UTC)).total_seconds() + WINDOW_SECONDS + 120
    run_worker_until_published(env.hub, command, {}, PUBLISHED, wait)
    with env.hub.owner() as conn:
        rows = conn.execute(
            "SELECT extract(epoch FROM first_request_at - due_at) * 1000 AS late FROM post_targets"
            " WHERE status = 'published'"
        ).fetchall()
    late = [float(r["late"]) for r in rows]
    tweets = sum(1 for t in env.emu.platform("x").tweets.values() if t.text.startswith("bench company"))  # type: ignore[attr-defined]
    return {
        "published": len(late),
        "tweets": tweets,
        "lateness_ms": describe(late) if late else None,
        "queued_at_approval": queued_at_approval,
        "queued_by": "the owner's worker watchdog (minute tick)",
        "approved_s_before_first_due": round((start - approved_at).total_seconds(), 1),
    }


def main() -> None:
    with company_env() as env:
        redeem, members, editor_id = redeem_phase(env)
        connect_company_x(env)
        authors = [env.open_as(who) for who in members[:4]]
        editor = env.open_as(editor_id)
        try:
            base = datetime.now(UTC) + timedelta(hours=2)
            texts = [f"pending post {n}" for n in range(PENDING)]
            due = [base + timedelta(minutes=7 * n) for n in range(PENDING)]
            submitted = submit(env, authors, texts, due)

            listing: list[float] = []
            for _ in range(5):
                with editor.transaction() as conn:
                    listing.append(
                        timed(lambda conn=conn: pending_posts.list_pending(conn, datetime.now(UTC), env.settings.zone))
                    )
            with editor.transaction() as conn:
                pending = pending_posts.list_pending(conn, datetime.now(UTC), env.settings.zone)
            assert len(pending) == PENDING, len(pending)
            enqueue = company_enqueue(env.settings, editor)
            approving = [
                timed(
                    lambda ref=str(p.post_id), seen=p.content_hash: approvals.approve_and_enqueue(
                        editor, ref, seen, enqueue, datetime.now(UTC)
                    )
                )
                for p in pending
            ]
            published = publish_phase(env, authors, editor)
        finally:
            for hub in [*authors, editor]:
                hub.close()
        results = {
            "redeem": redeem,
            "submit_ms": describe(submitted),
            "list_pending_ms": {**describe(listing), "pending_posts": PENDING},
            "approve_ms": describe(approving),
            "publish": published,
        }
    path = save("company", results)
    for name, value in results.items():
        print(f"{name}: {value}")
    print(f"saved {path}")


if __name__ == "__main__":
    main()
