"""Shared setup of the pipeline benchmarks: a temporary hub (embedded Postgres, or the server in
PSN_BENCH_DATABASE_URL), a workspace with a key file, the platform emulator and connected accounts."""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx2
from psycopg import sql
from psycopg.conninfo import make_conninfo

from psn_core.config import Settings
from psn_core.crypto import create_key_file, load_keyring
from psn_core.emulator import Emulator, EmulatorConfig
from psn_core.emulator.settings import as_env, psn_settings
from psn_core.hub.database import Hub, connect
from psn_core.hub.embedded import OWNER_ROLE, EmbeddedServer
from psn_core.hub.migrate import migrate
from psn_core.services.accounts.accounts import AccountView, finish_connect, start_connect

APP_PASSWORD = "psn-bench-app-password-1234"  # noqa: S105 - throwaway role of a temporary database
RESULTS = Path(__file__).parent / "results"


@dataclass
class BenchEnv:
    settings: Settings
    hub: Hub
    emu: Emulator
    member: uuid.UUID
    env_values: dict[str, str]

    def connect(self, platform_name: str) -> AccountView:
        ring = load_keyring(self.settings)
        with self.hub.transaction(self.member) as conn:
            start = start_connect(conn, self.settings, ring, self.member, platform_name)
        with httpx2.Client(follow_redirects=False, timeout=10) as browser:
            redirect = browser.get(start.url).headers["location"]
        return finish_connect(self.hub, self.settings, ring, self.member, redirect)


@contextmanager
def owner_conninfo() -> Iterator[str]:
    """An owner-level conninfo: PSN_BENCH_DATABASE_URL, or a temporary embedded Postgres."""
    url = os.environ.get("PSN_BENCH_DATABASE_URL", "").strip()
    if url:
        yield url
        return
    folder = Path(tempfile.mkdtemp(prefix="psn-bench-pg-"))
    server = EmbeddedServer(folder / "pg")
    try:
        yield make_conninfo(host=str(server.start().socket_dir), user=OWNER_ROLE, dbname="postgres")
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def bench_env(config: EmulatorConfig | None = None) -> Iterator[BenchEnv]:
    folder = Path(tempfile.mkdtemp(prefix="psn-bench-"))
    with owner_conninfo() as url:
        yield from _bench_env(folder, url, config)


@contextmanager
def temporary_database(url: str) -> Iterator[tuple[str, str]]:
    """A new migrated database on the server at ``url``, dropped at the end: (name, owner conninfo)."""
    database = f"psn_bench_{uuid.uuid4().hex[:8]}"
    with connect(url, timeout=10, label="bench") as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    owner = make_conninfo(url, dbname=database)
    try:
        with connect(owner, timeout=10, label="bench") as conn:
            migrate(conn, database=database, app_password=APP_PASSWORD)
        yield database, owner
    finally:
        with connect(url, timeout=10, label="bench") as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))


def run_worker_until_published(hub: Hub, command: list[str], env: dict[str, str], count: int, timeout: float) -> None:
    """Run a real `psn worker` process until ``count`` targets are published (or ``timeout`` s pass)."""
    worker_env = {**{k: v for k, v in os.environ.items() if not k.startswith("PSN_")}, **env}
    worker = subprocess.Popen(command, env=worker_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with hub.owner() as conn:
                row = conn.execute("SELECT count(*) AS n FROM post_targets WHERE status = 'published'").fetchone()
            if row and row["n"] >= count:
                return
            time.sleep(0.5)
    finally:
        worker.terminate()
        worker.wait(30)


def _bench_env(folder: Path, url: str, config: EmulatorConfig | None) -> Iterator[BenchEnv]:
    try:
        with (
            temporary_database(url) as (_database, owner),
            Emulator(config=config or EmulatorConfig(processing_seconds=0.2)) as emu,
        ):
            member = uuid.uuid4()
            overrides: dict[str, object] = {
                "database_url": owner,
                "app_password": APP_PASSWORD,
                "member_id": str(member),
                "timezone": "UTC",
                "media_host_url": f"{emu.base_url}/_media/",
                **psn_settings(emu, 8765),
            }
            values = as_env(overrides)
            workspace = folder / "ws"
            workspace.mkdir()
            settings = Settings.load(workspace, **overrides)
            create_key_file(settings.key_path)
            with Hub.open(settings) as hub:
                with hub.transaction(member) as conn:
                    conn.execute("INSERT INTO members (id, display_name) VALUES (%s, 'Bench')", [member])
                yield BenchEnv(settings, hub, emu, member, values)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def describe(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50": percentile(values, 0.5),
        "p99": percentile(values, 0.99),
        "mean": statistics.fmean(values),
        "max": max(values),
    }


def save(name: str, results: object) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    meta = {"machine": platform.platform(), "cpus": os.cpu_count(), "when": datetime.now(UTC).isoformat()}
    path.write_text(json.dumps({"meta": meta, "results": results}, indent=2, default=str))
    return path
