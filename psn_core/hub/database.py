"""The hub database: where to connect, as whom, and the one transaction helper every query uses.

Two roles:

* the **owner** (the role in ``PSN_DATABASE_URL``, or ``postgres`` on the embedded hub) runs migrations
  and maintenance such as key rotation;
* the **runtime role** (NOSUPERUSER, NOBYPASSRLS): in a personal hub psn_app, whose rows row-level security
  keys on ``current_setting('psn.member_id')``, which :meth:`Hub.transaction` sets for that transaction
  only; in a company hub the member's own login role (migration 0012), which the hub maps to the member
  itself, so no setting a client writes decides who it is.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.rows import DictRow, dict_row

from psn_core.config import Settings
from psn_core.errors import HubUnreachable, InvalidSetting, MemberContextMissing, UnsafeRuntimeRole
from psn_core.hub import sql
from psn_core.hub.embedded import DATABASE, OWNER_ROLE, EmbeddedServer

if TYPE_CHECKING:
    from psycopg_pool import ConnectionPool
from psn_core.hub.sql import Queries
from psn_core.masking import mask_url, registry

APP_ROLE = "psn_app"
Q = Queries.load(__package__)

Conn = psycopg.Connection[DictRow]


@dataclass(frozen=True)
class HubTarget:
    """Connection strings for one hub. ``label`` is safe to print."""

    owner_conninfo: str
    app_conninfo: str
    label: str
    embedded: bool
    database: str
    app_role: str = APP_ROLE  # who the runtime connections must be (a company member's own login role)


def resolve_target(settings: Settings, *, start: bool = True) -> HubTarget:
    """Work out where the hub is, starting the embedded server on demand.

    Raises:
        EmbeddedServerError: the embedded server could not start.
        InvalidSetting: a URL hub without the psn_app password.
    """
    if settings.uses_embedded_hub:
        server = EmbeddedServer(settings.embedded_dir, settings.embedded_backend)
        status = server.start() if start else server.status()
        if status.socket_dir is None:
            raise HubUnreachable(f"The embedded hub in {settings.embedded_dir} is not running.", "Run `psn hub start`.")
        host = str(status.socket_dir)
        return HubTarget(
            owner_conninfo=make_conninfo(host=host, user=OWNER_ROLE, dbname=DATABASE),
            app_conninfo=make_conninfo(host=host, user=APP_ROLE, dbname=DATABASE),
            label=f"embedded hub ({settings.embedded_dir})",
            embedded=True,
            database=DATABASE,
        )
    assert settings.database_url is not None
    owner = settings.database_url.get_secret_value().strip()
    registry.add(owner)
    try:
        params = conninfo_to_dict(owner)
    except psycopg.ProgrammingError as exc:
        raise InvalidSetting("PSN_DATABASE_URL is not a valid PostgreSQL URL or conninfo string.") from exc
    if settings.app_database_url is not None and settings.app_database_url.get_secret_value().strip():
        app = settings.app_database_url.get_secret_value().strip()
        registry.add(app)
    else:
        if settings.app_password is None or not settings.app_password.get_secret_value():
            raise InvalidSetting(
                "PSN_APP_PASSWORD is not set, so psn cannot connect as the psn_app runtime role.",
                "Run `psn init` (it generates one) or set PSN_APP_PASSWORD in hub.env, then `psn hub migrate`.",
            )
        registry.add(settings.app_password.get_secret_value())
        app = make_conninfo(owner, user=APP_ROLE, password=settings.app_password.get_secret_value())
    host = str(params.get("host") or "localhost")
    database = str(params.get("dbname") or params.get("user") or "postgres")
    return HubTarget(
        owner_conninfo=owner,
        app_conninfo=app,
        label=f"{host}:{params.get('port') or 5432}/{database}",
        embedded=False,
        database=database,
    )


def connect(conninfo: str, *, timeout: int, label: str, autocommit: bool = True) -> Conn:
    """Open one connection with a connect timeout and a clear error.

    Raises:
        HubUnreachable: could not connect within ``timeout`` seconds, or the server refused.
    """
    try:
        return psycopg.connect(conninfo, connect_timeout=timeout, autocommit=autocommit, row_factory=dict_row)
    except psycopg.OperationalError as exc:
        reason = registry.redact(str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__)
        raise HubUnreachable(f"Could not reach the hub at {label} within {timeout} s: {reason}") from exc


@dataclass(frozen=True)
class SessionRole:
    """The role a connection runs as (a row of ``session_role``)."""

    name: str
    rolsuper: bool
    rolbypassrls: bool


def check_runtime_role(conn: Conn, expected: str = APP_ROLE) -> None:
    """Refuse to run as anything but the plain runtime role ``expected`` (psn_app, or a member's login role).

    Raises:
        UnsafeRuntimeRole: superuser, BYPASSRLS, or another role than ``expected``.
    """
    row = sql.one(conn, Q.session_role, None, SessionRole)
    assert row is not None
    if row.rolsuper or row.rolbypassrls:
        flags = ", ".join(f for f, on in (("SUPERUSER", row.rolsuper), ("BYPASSRLS", row.rolbypassrls)) if on)
        raise UnsafeRuntimeRole(
            f"Refusing to use role {row.name!r} at runtime: it has {flags}, so row-level security "
            "would not protect anyone's data."
        )
    if row.name != expected:
        raise UnsafeRuntimeRole(
            f"Refusing to use role {row.name!r} at runtime: runtime connections must be {expected!r}."
        )


def act_for_member(conn: psycopg.Connection[Any], member_id: UUID, member_key: str | None, *, local: bool) -> None:
    """Say which member ``conn`` acts for (psn.member_id, and psn.member_key in company hubs), for the
    current transaction (``local``) or the whole session (connections psn keeps for one member: huey's
    queue connections, a publisher's lease)."""
    sql.run(conn, Q.set_member_id, {"member_id": str(member_id), "local": local})
    if member_key is not None:
        sql.run(conn, Q.set_member_key, {"member_key": member_key, "local": local})


class Hub:
    """One hub: an owner connection for migrations and a runtime pool (psn_app, or in a company hub the
    member's own login role) for everything else."""

    def __init__(self, settings: Settings, target: HubTarget, *, member_key: str | None = None) -> None:
        self.settings = settings
        self.target = target
        # Company hubs: the member's secret key, checked by the hub beside psn.member_id (migration 0009).
        self.member_key = member_key
        self._pool: ConnectionPool[Conn] | None = None
        self._pool_lock = threading.Lock()

    @classmethod
    def open(cls, settings: Settings, *, start: bool = True) -> Hub:
        """Resolve the hub (starting the embedded one if needed); connections open lazily."""
        return cls(settings, resolve_target(settings, start=start))

    @property
    def label(self) -> str:
        return self.target.label

    @contextmanager
    def owner(self, *, database: str | None = None) -> Iterator[Conn]:
        """An autocommit owner connection (migrations, maintenance, audits)."""
        conninfo = self.target.owner_conninfo
        if database is not None:
            conninfo = make_conninfo(conninfo, dbname=database)
        with connect(conninfo, timeout=self.settings.connect_timeout, label=self.label) as conn:
            yield conn

    @contextmanager
    def app(self) -> Iterator[Conn]:
        """A single runtime connection outside the pool (doctor, tests). The role is checked."""
        with connect(self.target.app_conninfo, timeout=self.settings.connect_timeout, label=self.label) as conn:
            check_runtime_role(conn, self.target.app_role)
            yield conn

    @property
    def pool(self) -> ConnectionPool[Conn]:
        with self._pool_lock:  # threads touching a fresh Hub at once must share one pool
            if self._pool is None:
                self._pool = self._open_pool()
            return self._pool

    def _open_pool(self) -> ConnectionPool[Conn]:
        # Check once outside the pool so an unsafe role is a clear error, not a pool that never fills.
        from psycopg_pool import ConnectionPool  # loads with the first pool: psn-mcp starts without it

        with self.app():
            pass
        return ConnectionPool(
            self.target.app_conninfo,
            connection_class=psycopg.Connection[DictRow],
            kwargs={
                "autocommit": True,
                "row_factory": dict_row,
                "connect_timeout": self.settings.connect_timeout,
            },
            min_size=1,
            max_size=self.settings.pool_max_size,
            configure=self._check_role,
            timeout=float(self.settings.connect_timeout),
            name="psn_app",
            open=True,
        )

    def _check_role(self, conn: Conn) -> None:
        check_runtime_role(conn, self.target.app_role)

    @contextmanager
    def transaction(self, member_id: UUID | None) -> Iterator[Conn]:
        """A transaction acting for ``member_id``: RLS shows and accepts only that member's rows.

        Raises:
            MemberContextMissing: no member id was given.
            HubUnreachable: no connection within the connect timeout.
        """
        if member_id is None:
            raise MemberContextMissing("A hub query ran without a member id.")
        from psycopg_pool import PoolTimeout

        try:
            with self.pool.connection() as conn, conn.transaction():
                act_for_member(conn, member_id, self.member_key, local=True)
                yield conn
        except PoolTimeout as exc:
            raise HubUnreachable(
                f"No hub connection became free within {self.settings.connect_timeout} s ({self.label})."
            ) from exc

    def close(self) -> None:
        with self._pool_lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None

    def __enter__(self) -> Hub:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def describe_conninfo(conninfo: str) -> str:
    """A printable form of a conninfo string, password masked."""
    return mask_url(conninfo) if "://" in conninfo else registry.redact(conninfo)
