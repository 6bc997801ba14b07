"""Migrations: fresh database to head, re-run is a no-op, an edited applied file is caught."""

from __future__ import annotations

import threading

import pytest

from psn_core.errors import MigrationChecksumMismatch, MigrationMissing
from psn_core.hub.database import connect
from psn_core.hub.migrate import available_migrations, migrate, migration_status
from tests.support.hubs import TEST_APP_PASSWORD, PgServer

pytestmark = pytest.mark.pg


def _migrate(server: PgServer, database: str) -> list[str]:
    with connect(server.conninfo(database), timeout=10, label=database) as conn:
        return [m.name for m in migrate(conn, database=database, app_password=TEST_APP_PASSWORD)]


def test_fresh_database_migrates_to_head(pg_server: PgServer, empty_database: str) -> None:
    applied = _migrate(pg_server, empty_database)
    assert applied == [m.name for m in available_migrations()]
    with connect(pg_server.conninfo(empty_database), timeout=10, label="t") as conn:
        status = migration_status(conn)
        tables = {r["tablename"] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname='public'")}
    assert status.current
    assert {"schema_migrations", "members", "accounts", "oauth_tokens", "secrets", "settings_kv"} <= tables


def test_second_run_applies_nothing(pg_server: PgServer, empty_database: str) -> None:
    _migrate(pg_server, empty_database)
    assert _migrate(pg_server, empty_database) == []


def test_edited_applied_migration_is_an_error(pg_server: PgServer, empty_database: str) -> None:
    _migrate(pg_server, empty_database)
    # What an edited file looks like from the hub's side: the recorded checksum no longer matches.
    with connect(pg_server.conninfo(empty_database), timeout=10, label="t") as conn:
        conn.execute("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1")
    with pytest.raises(MigrationChecksumMismatch, match="0001"):
        _migrate(pg_server, empty_database)


def test_migration_unknown_to_this_psn_is_an_error(pg_server: PgServer, empty_database: str) -> None:
    _migrate(pg_server, empty_database)
    with connect(pg_server.conninfo(empty_database), timeout=10, label="t") as conn:
        conn.execute("INSERT INTO schema_migrations (version, name, checksum) VALUES (999, 'future', 'x')")
    with pytest.raises(MigrationMissing, match="0999"):
        _migrate(pg_server, empty_database)


def test_concurrent_runners_apply_each_migration_once(pg_server: PgServer, empty_database: str) -> None:
    results: list[list[str]] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(_migrate(pg_server, empty_database))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    applied = [name for names in results for name in names]
    assert sorted(applied) == sorted(m.name for m in available_migrations())


def test_checksum_ignores_line_endings() -> None:
    from psn_core.hub.migrate import checksum

    assert checksum("a\r\nb\r\n") == checksum("a\nb\n")
    assert checksum("a\nb\n") != checksum("a\nc\n")
