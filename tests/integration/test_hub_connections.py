"""The runtime pool refuses unsafe roles; an unreachable or silent hub fails fast with a clear message."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator

import pytest
from psycopg import sql

from psn_core.errors import HubUnreachable, MemberContextMissing, UnsafeRuntimeRole
from psn_core.hub.database import Hub
from tests.support.hubs import HubEnv, PgServer, make_settings

pytestmark = pytest.mark.pg


def test_pool_refuses_a_superuser_runtime_connection(hub_env: HubEnv) -> None:
    owner = hub_env.server.conninfo(hub_env.database)  # the test server's owner is a superuser
    settings = make_settings(hub_env.settings.workspace, owner, app_database_url=owner)
    with Hub.open(settings) as hub, pytest.raises(UnsafeRuntimeRole, match="SUPERUSER"):
        _ = hub.pool


@pytest.fixture
def extra_role(pg_server: PgServer) -> Iterator[str]:
    name = f"psn_t_role_{uuid.uuid4().hex[:8]}"
    yield name
    pg_server.execute(
        sql.SQL(
            "DO $$ DECLARE d text; BEGIN FOR d IN SELECT datname FROM pg_database WHERE NOT datistemplate LOOP"
            " EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM {}', d); END LOOP; END $$"
        ).format(sql.Identifier(name))
    )
    pg_server.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))


def _role_conninfo(env: HubEnv, role: str) -> str:
    from psycopg.conninfo import make_conninfo

    # hub databases grant CONNECT to their runtime roles only (PUBLIC has none since migration 0012)
    env.server.execute(
        sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(env.database), sql.Identifier(role))
    )
    return make_conninfo(env.server.conninfo(env.database), user=role, password="role-password-123")


def test_pool_refuses_a_bypassrls_role(hub_env: HubEnv, extra_role: str) -> None:
    hub_env.server.execute(
        sql.SQL("CREATE ROLE {} LOGIN BYPASSRLS PASSWORD 'role-password-123'").format(sql.Identifier(extra_role))
    )
    settings = make_settings(
        hub_env.settings.workspace,
        hub_env.server.conninfo(hub_env.database),
        app_database_url=_role_conninfo(hub_env, extra_role),
    )
    with Hub.open(settings) as hub, pytest.raises(UnsafeRuntimeRole, match="BYPASSRLS"):
        _ = hub.pool


def test_pool_refuses_a_plain_role_that_is_not_psn_app(hub_env: HubEnv, extra_role: str) -> None:
    hub_env.server.execute(
        sql.SQL("CREATE ROLE {} LOGIN PASSWORD 'role-password-123'").format(sql.Identifier(extra_role))
    )
    settings = make_settings(
        hub_env.settings.workspace,
        hub_env.server.conninfo(hub_env.database),
        app_database_url=_role_conninfo(hub_env, extra_role),
    )
    with Hub.open(settings) as hub, pytest.raises(UnsafeRuntimeRole, match="must be 'psn_app'"):
        _ = hub.pool


def test_transaction_without_member_is_refused(hub_env: HubEnv) -> None:
    with pytest.raises(MemberContextMissing), hub_env.hub.transaction(None):
        pass


def test_unreachable_hub_names_the_host_and_never_the_password(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as probe:  # a port with nothing listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql://owner:very-secret-password-99@127.0.0.1:{port}/psn?sslmode=disable"
    settings = make_settings(tmp_path, url, connect_timeout=2)
    with Hub.open(settings) as hub, pytest.raises(HubUnreachable) as caught, hub.owner():
        pass
    assert f"127.0.0.1:{port}/psn" in caught.value.message
    assert "very-secret-password-99" not in caught.value.message
    assert "Neon" in caught.value.action


def test_silent_hub_times_out_after_the_connect_timeout(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A server that accepts TCP but never answers (a cold serverless hub) must not hang psn."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    port = listener.getsockname()[1]
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        settings = make_settings(
            tmp_path, f"postgresql://owner:pw@127.0.0.1:{port}/psn?sslmode=disable", connect_timeout=2
        )
        started = time.monotonic()
        with Hub.open(settings) as hub, pytest.raises(HubUnreachable, match="within 2 s"), hub.owner():
            pass
        assert time.monotonic() - started < 10
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        listener.close()
