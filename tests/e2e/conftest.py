"""Shared pieces of the end-to-end tests: a workspace whose hub.env points at the test hub and the
emulator, and real `psn worker` processes started (and killed) like a user would."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from psn_core.config import Settings
from psn_core.emulator import Emulator, EmulatorConfig
from psn_core.emulator.settings import as_env
from psn_core.hub.database import Hub
from psn_core.workspace import set_env_values
from tests.support.hubs import TEST_APP_PASSWORD, HubEnv, PgServer, make_settings, new_member
from tests.support.platform_env import emulator_overrides


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(config=EmulatorConfig(processing_seconds=0.2)) as emulator:
        yield emulator


@pytest.fixture
def settings(hub_env: HubEnv, emu: Emulator) -> Settings:
    member = new_member(hub_env.hub)
    values: dict[str, object] = {
        "database_url": hub_env.server.conninfo(hub_env.database),
        "app_password": TEST_APP_PASSWORD,
        "member_id": str(member),
        "timezone": "Europe/Madrid",
        "media_host_url": f"{emu.base_url}/_media/",
        **emulator_overrides(emu),
    }
    env_lines = as_env(values)
    set_env_values(hub_env.settings.workspace / "hub.env", env_lines)
    return make_settings(hub_env.settings.workspace, str(values["database_url"]), timezone="Europe/Madrid")


class Workers:
    """`psn worker` processes for one workspace; all stopped at the end of the test."""

    def __init__(self, workspace: Path) -> None:
        self.workspace = workspace
        self.procs: list[subprocess.Popen[bytes]] = []
        self.log = workspace / "worker.log"

    def start(self, threads: int = 4, *extra: str) -> subprocess.Popen[bytes]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PSN_")}
        command = [sys.executable, "-m", "psn_core.cli", "-w", str(self.workspace), "worker", "--workers", str(threads)]
        with self.log.open("ab") as log:
            proc = subprocess.Popen(
                [*command, *extra],
                env=env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        self.procs.append(proc)
        return proc

    def kill(self, proc: subprocess.Popen[bytes]) -> None:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()


@pytest.fixture
def workers(settings: Settings) -> Iterator[Workers]:
    pool = Workers(settings.workspace)
    yield pool
    pool.stop_all()


def wait_for(predicate: Callable[[], bool], timeout: float, every: float = 0.5) -> bool:
    """Bounded wait for another process's effect."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return predicate()


# --- workspaces of people with hubs of their own (company tests) ---------------------------------


class Databases:
    """Databases made for one test on the test server, dropped at the end."""

    def __init__(self, server: PgServer) -> None:
        self.server = server
        self.names: list[str] = []

    def new(self, template: str | None = None) -> str:
        name = f"psn_t_{uuid.uuid4().hex[:10]}"
        self.server.create_database(name, template=template)
        self.names.append(name)
        return name

    def drop_all(self) -> None:
        for name in self.names:
            self.server.drop_database(name)


@pytest.fixture
def databases(pg_server: PgServer) -> Iterator[Databases]:
    made = Databases(pg_server)
    yield made
    made.drop_all()


def member_workspace(root: Path, name: str, databases: Databases, template: str, emu: Emulator) -> Path:
    """A workspace whose personal hub is a fresh migrated database, with ``name`` as its member."""
    database = databases.new(template)
    databases.server.execute(f'GRANT CONNECT ON DATABASE "{database}" TO psn_app')
    url = databases.server.conninfo(database)
    settings = make_settings(root / name.lower(), url)
    with Hub.open(settings) as hub:
        member = new_member(hub, name)
    values: dict[str, object] = {
        "database_url": url,
        "app_password": TEST_APP_PASSWORD,
        "member_id": str(member),
        "timezone": "UTC",
        **emulator_overrides(emu),
    }
    set_env_values(settings.workspace / "hub.env", as_env(values))
    return settings.workspace
