"""Shared fixtures. Postgres tests run against a real server, never a mock:

* ``PSN_TEST_DATABASE_URL`` (an owner/superuser URL) when set, e.g. CI's system PostgreSQL 15;
* otherwise a private embedded PostgreSQL started for the session in a temporary folder.

Each test gets its own database cloned from a migrated template, and connects at runtime as psn_app.
Without any Postgres the pg tests skip on a laptop, but never under CI=true: there they fail.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from psn_core.errors import PSNError
from psn_core.hub.database import Hub, connect
from psn_core.hub.embedded import OWNER_ROLE, EmbeddedServer
from psn_core.hub.migrate import migrate
from tests.support.clock import start_instant
from tests.support.hubs import TEMPLATE_DB, TEST_APP_PASSWORD, HubEnv, PgServer, make_settings


def pytest_report_header() -> str:
    return f"test clocks start at {start_instant().isoformat()} (PSN_TEST_START moves it)"


def _fail_or_skip(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"Postgres is required under CI=true: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    url = os.environ.get("PSN_TEST_DATABASE_URL", "").strip()
    if url:
        yield PgServer(url, "PSN_TEST_DATABASE_URL")
        return
    folder = Path(tempfile.mkdtemp(prefix="psn-test-pg-"))
    server = EmbeddedServer(folder / "pg")
    try:
        status = server.start()
    except PSNError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        _fail_or_skip(f"no Postgres for tests: {exc.message}")
        return
    try:
        yield PgServer(make_conninfo(host=str(status.socket_dir), user=OWNER_ROLE, dbname="postgres"), "embedded")
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def migrated_template(pg_server: PgServer) -> str:
    pg_server.drop_database(TEMPLATE_DB)
    pg_server.create_database(TEMPLATE_DB)
    with connect(pg_server.conninfo(TEMPLATE_DB), timeout=10, label="template") as conn:
        migrate(conn, database=TEMPLATE_DB, app_password=TEST_APP_PASSWORD)
    return TEMPLATE_DB


@pytest.fixture
def empty_database(pg_server: PgServer) -> Iterator[str]:
    """A brand-new empty database (for migration tests); its owner conninfo is returned."""
    name = f"psn_t_{uuid.uuid4().hex[:10]}"
    pg_server.create_database(name)
    try:
        yield name
    finally:
        pg_server.drop_database(name)


@pytest.fixture
def hub_env(pg_server: PgServer, migrated_template: str, tmp_path: Path) -> Iterator[HubEnv]:
    """A migrated hub of its own, reached as psn_app at runtime, with a workspace and key file."""
    name = f"psn_t_{uuid.uuid4().hex[:10]}"
    pg_server.create_database(name, template=migrated_template)
    pg_server.execute(sql.SQL("REVOKE CONNECT, TEMPORARY ON DATABASE {} FROM PUBLIC").format(sql.Identifier(name)))
    pg_server.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO psn_app").format(sql.Identifier(name)))
    settings = make_settings(tmp_path / "ws", pg_server.conninfo(name))
    hub = Hub.open(settings)
    try:
        yield HubEnv(settings, hub, name, pg_server)
    finally:
        hub.close()
        pg_server.drop_database(name)
