"""Who a workspace is in a company hub and how it gets there: the member identity and the connection
file ``connections/<company>.env`` that holds it.

Since migration 0012 a member is a login role of their own: the runtime URL in the file carries that
role and its password (generated here, never sent to the hub in clear), and Postgres itself says who the
connection is. Members who joined before still hold a member key (psn.member_key, checked by the hub
beside psn.member_id, as psn_app) until they run `psn company reconnect`.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from uuid import UUID

from dotenv import dotenv_values
from pydantic import BaseModel, SecretStr

from psn_core.errors import CompanyNotFound, ConfigError
from psn_core.masking import registry
from psn_core.workspace import set_env_values, write_private

CONNECTIONS_DIR = "connections"
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,40}$")


@dataclass(frozen=True)
class Identity:
    """Who acts in a company hub: the member id and either their own runtime ``conninfo`` (login role and
    password) or, for a member who joined before login roles, the secret ``key`` the hub checks."""

    member_id: UUID
    key: str | None = None
    conninfo: str | None = field(default=None, repr=False)

    @property
    def key_hash(self) -> str:
        return hashlib.sha256((self.key or "").encode()).hexdigest()

    @property
    def legacy(self) -> bool:
        """Still psn_app with a member key (joined before migration 0012, not reconnected yet)."""
        return self.conninfo is None


def new_key() -> str:
    return secrets.token_urlsafe(32)


def check_slug(name: str) -> str:
    """Raises ConfigError unless ``name`` is a company name usable in file and database names."""
    slug = name.strip().lower()
    if not _SLUG.match(slug):
        raise ConfigError(
            f"{name!r} is not a company name psn can use.",
            "Use lower-case letters, digits and dashes, starting with a letter or digit (acme, acme-eu).",
        )
    return slug


class CompanyConnection(BaseModel):
    """What ``connections/<company>.env`` holds. ``owner_conninfo`` only for the admin who created it;
    ``member_key`` only for a member still on psn_app (joined before migration 0012)."""

    slug: str
    name: str
    database: str
    app_conninfo: SecretStr
    member_id: UUID
    member_key: SecretStr | None = None
    owner_conninfo: SecretStr | None = None

    @property
    def identity(self) -> Identity:
        if self.member_key is not None:
            return Identity(self.member_id, self.member_key.get_secret_value())
        return Identity(self.member_id, conninfo=self.app_conninfo.get_secret_value())


def connection_path(workspace: Path, slug: str) -> Path:
    return workspace / CONNECTIONS_DIR / f"{check_slug(slug)}.env"


def write_connection(workspace: Path, connection: CompanyConnection) -> Path:
    """Write ``connections/<company>.env`` (mode 0600; gitignored since `psn init`)."""
    path = connection_path(workspace, connection.slug)
    values = {
        "PSN_COMPANY_NAME": connection.name,
        "PSN_COMPANY_DATABASE": connection.database,
        "PSN_APP_DATABASE_URL": connection.app_conninfo.get_secret_value(),
        "PSN_MEMBER_ID": str(connection.member_id),
    }
    if connection.member_key is not None:
        values["PSN_MEMBER_KEY"] = connection.member_key.get_secret_value()
    if connection.owner_conninfo is not None:
        values["PSN_DATABASE_URL"] = connection.owner_conninfo.get_secret_value()
    # written whole each time: a key or owner URL the connection no longer has must not linger
    write_private(path, "# psn company hub connection: secret, never commit\n")
    set_env_values(path, values)
    return path


def read_connection(workspace: Path, slug: str) -> CompanyConnection:
    """Raises CompanyNotFound when there is no connection file for ``slug`` (or it is incomplete)."""
    path = connection_path(workspace, slug)
    if not path.exists():
        raise CompanyNotFound(f"This workspace has no connection to a company called {slug!r}.")
    values = {k: v for k, v in dotenv_values(path).items() if v}
    try:
        connection = CompanyConnection(
            slug=slug,
            name=values["PSN_COMPANY_NAME"],
            database=values["PSN_COMPANY_DATABASE"],
            app_conninfo=SecretStr(values["PSN_APP_DATABASE_URL"]),
            member_id=UUID(values["PSN_MEMBER_ID"]),
            member_key=SecretStr(values["PSN_MEMBER_KEY"]) if "PSN_MEMBER_KEY" in values else None,
            owner_conninfo=SecretStr(values["PSN_DATABASE_URL"]) if "PSN_DATABASE_URL" in values else None,
        )
    except (KeyError, ValueError) as exc:
        raise CompanyNotFound(f"{path} is incomplete ({exc}).", "Join the company again to rewrite it.") from exc
    registry.add(connection.app_conninfo.get_secret_value())
    if connection.member_key is not None:
        registry.add(connection.member_key.get_secret_value())
    if connection.owner_conninfo is not None:
        registry.add(connection.owner_conninfo.get_secret_value())
    return connection


def list_connections(workspace: Path) -> list[str]:
    folder = workspace / CONNECTIONS_DIR
    return sorted(p.stem for p in folder.glob("*.env")) if folder.exists() else []


def pick_company(workspace: Path, name: str | None) -> str:
    """The company a command means: ``name``, or the only one this workspace is connected to.

    Raises:
        CompanyNotFound: no name given and none or several connections.
    """
    if name:
        return check_slug(name)
    names = list_connections(workspace)
    if len(names) == 1:
        return names[0]
    if names:
        raise CompanyNotFound(f"This workspace is connected to several companies ({', '.join(names)}): say which.")
    raise CompanyNotFound("This workspace is not connected to any company.")
