"""Setting up a workspace and its personal hub: `psn init`, `psn hub migrate`."""

from __future__ import annotations

import secrets
import uuid
from pathlib import Path
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel

from psn_core.config import HUB_ENV, STATE_DIR, Settings
from psn_core.crypto import create_key_file
from psn_core.errors import InvalidSetting
from psn_core.hub import sql
from psn_core.hub.database import Hub
from psn_core.hub.migrate import ensure_database, migrate
from psn_core.hub.sql import Queries
from psn_core.services.voice.files import copy_example_profiles
from psn_core.workspace import (
    ensure_gitignore,
    example_env_text,
    read_env_keys,
    set_env_values,
    write_private,
)

Q = Queries.load("psn_core.hub")  # the hub-level queries (psn_core/hub/queries.sql)


class InitResult(BaseModel):
    workspace: Path
    created: list[str]
    gitignore_added: list[str]
    hub: str
    migrations_applied: list[str]
    member_id: UUID
    member_created: bool
    timezone: str


class MigrateResult(BaseModel):
    hub: str
    applied: list[str]


def check_zone(timezone: str) -> str:
    """Raises InvalidSetting unless ``timezone`` is an IANA zone name this machine knows."""
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidSetting(
            f"{timezone!r} is not an IANA time zone.", "Use a name like Europe/Madrid or America/New_York."
        ) from None
    return timezone


def prepare_files(workspace: Path, *, timezone: str | None, database_url: str | None) -> tuple[list[str], list[str]]:
    """Create hub.env, .psn/, voices/ (with the example profiles) and .gitignore entries.

    Never overwrites a value or file already there.
    """
    created: list[str] = []
    workspace.mkdir(parents=True, exist_ok=True)
    state = workspace / STATE_DIR
    if not state.exists():
        state.mkdir(mode=0o700)
        created.append(f"{STATE_DIR}/")
    voices = workspace / "voices"
    if not voices.exists():
        voices.mkdir()
        created.append("voices/")
    created.extend(f"voices/{name}" for name in copy_example_profiles(voices))
    env = workspace / HUB_ENV
    if not env.exists():
        write_private(env, example_env_text())
        created.append(HUB_ENV)
    already = read_env_keys(env)
    values: dict[str, str] = {}
    if "PSN_APP_PASSWORD" not in already:
        values["PSN_APP_PASSWORD"] = secrets.token_urlsafe(24)
    if timezone and "PSN_TIMEZONE" not in already:
        values["PSN_TIMEZONE"] = timezone
    if database_url and "PSN_DATABASE_URL" not in already:
        values["PSN_DATABASE_URL"] = database_url
    if values:
        set_env_values(env, values)
    gitignore_added = ensure_gitignore(workspace)
    return created, gitignore_added


def migrate_hub(settings: Settings, hub: Hub) -> MigrateResult:
    """Create the embedded database if needed, then apply pending migrations as the owner.

    Raises:
        HubUnreachable, MigrationError: see :func:`psn_core.hub.migrate.migrate`.
    """
    if hub.target.embedded:
        with hub.owner(database="postgres") as conn:
            ensure_database(conn, hub.target.database)
    password = settings.app_password.get_secret_value() if settings.app_password else None
    with hub.owner() as conn:
        applied = migrate(conn, database=hub.target.database, app_password=password)
    return MigrateResult(hub=hub.label, applied=[f"{m.version:04d}_{m.name}" for m in applied])


def ensure_member(hub: Hub, member_id: UUID, *, name: str, timezone: str) -> bool:
    """Create the member row if it does not exist yet (as psn_app, inside its own RLS context)."""
    with hub.transaction(member_id) as conn:
        return sql.run(conn, Q.ensure_member, {"member": member_id, "name": name, "timezone": timezone}) == 1


def ping_hub(settings: Settings) -> str:
    """Connect to a URL hub as its owner (never starting anything) and run a no-op; returns its label.

    Raises:
        HubUnreachable: the hub could not be reached.
    """
    with Hub.open(settings, start=False) as hub, hub.owner() as conn:
        conn.execute(Q.ping)
    return hub.label


def init_workspace(
    workspace: Path,
    *,
    name: str,
    timezone: str | None = None,
    database_url: str | None = None,
    overrides: dict[str, object] | None = None,
) -> InitResult:
    """Turn ``workspace`` into a psn workspace with a migrated personal hub. Safe to run again.

    Raises:
        InvalidSetting: bad time zone or URL (nothing written then); HubUnreachable, EmbeddedServerError,
        MigrationError.
    """
    if timezone is not None:
        check_zone(timezone)  # before hub.env keeps it: a wrong zone written there would stick
    created, gitignore_added = prepare_files(workspace, timezone=timezone, database_url=database_url)
    settings = Settings.load(workspace, **(overrides or {}))
    if settings.master_key is None and not settings.key_path.exists():
        create_key_file(settings.key_path)
        created.append(
            str(settings.key_path.relative_to(workspace))
            if settings.key_path.is_relative_to(workspace)
            else str(settings.key_path)
        )
    with Hub.open(settings) as hub:
        migrated = migrate_hub(settings, hub)
        member_id = settings.member_id or uuid.uuid4()
        member_created = ensure_member(hub, member_id, name=name, timezone=settings.timezone)
    if settings.member_id is None:
        set_env_values(workspace / HUB_ENV, {"PSN_MEMBER_ID": str(member_id)})
    return InitResult(
        workspace=workspace,
        created=created,
        gitignore_added=gitignore_added,
        hub=migrated.hub,
        migrations_applied=migrated.applied,
        member_id=member_id,
        member_created=member_created,
        timezone=settings.timezone,
    )
