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
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from psn_core.config import Settings
from psn_core.crypto import create_key_file
from psn_core.errors import PSNError
from psn_core.hub.database import Hub, connect
from psn_core.hub.embedded import OWNER_ROLE, EmbeddedServer
from psn_core.hub.migrate import migrate

TEST_APP_PASSWORD = "psn-test-app-password-1234"
TEMPLATE_DB = "psn_test_template"


@dataclass
class PgServer:
    """An owner-level conninfo for a server tests may create databases on."""

    owner_conninfo: str
    label: str

    def conninfo(self, database: str) -> str:
        return make_conninfo(self.owner_conninfo, dbname=database)

    def execute(self, statement: sql.Composable | str, database: str = "postgres") -> None:
        with connect(self.conninfo(database), timeout=10, label=self.label) as conn:
            conn.execute(statement)

    def create_database(self, name: str, template: str | None = None) -> None:
        stmt = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            stmt = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
        self.execute(stmt)

    def drop_database(self, name: str) -> None:
        """Drop a database, and the login and group roles of the company hub it was (roles are server-wide)."""
        prefix = None
        try:
            with connect(self.conninfo(name), timeout=10, label=self.label) as conn:
                row = conn.execute("SELECT role_prefix FROM hub_info").fetchone()
                prefix = row["role_prefix"] if row else None
        except (PSNError, psycopg.Error):
            prefix = None
        self.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if prefix:
            with connect(self.conninfo("postgres"), timeout=10, label=self.label) as conn:
                found = conn.execute("SELECT rolname FROM pg_roles WHERE starts_with(rolname, %s)", [prefix + "_"])
                roles = found.fetchall()
                for role in roles:
                    conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role["rolname"])))


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


def make_settings(workspace: Path, owner_conninfo: str, **overrides: object) -> Settings:
    workspace.mkdir(parents=True, exist_ok=True)
    values: dict[str, object] = {
        "database_url": owner_conninfo,
        "app_password": TEST_APP_PASSWORD,
        "connect_timeout": 5,
    }
    settings = Settings.load(workspace, **{**values, **overrides})
    if settings.master_key is None and not settings.key_path.exists():
        create_key_file(settings.key_path)
    return settings


@dataclass
class HubEnv:
    settings: Settings
    hub: Hub
    database: str
    server: PgServer


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


def new_member(hub: Hub, name: str = "Member") -> uuid.UUID:
    member_id = uuid.uuid4()
    with hub.transaction(member_id) as conn:
        conn.execute("INSERT INTO members (id, display_name) VALUES (%s, %s)", [member_id, name])
    return member_id
