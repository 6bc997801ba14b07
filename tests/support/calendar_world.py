"""A personal hub and a company hub side by side, for the calendar's tests (service and MCP): Ana in
Madrid with an X and a LinkedIn account, connected to Acme (a company hub of its own with an X account)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from psn_core.config import Settings
from psn_core.services.company import approvals
from psn_core.services.company.calendars import get_calendar
from psn_core.services.company.hubs import CompanyHub, write_connection
from psn_core.services.posting import posts
from psn_core.services.posting.calendar import Calendar
from psn_core.services.posting.schedule_time import resolve
from tests.integration.test_company_members import Company, _connect_account, make_company
from tests.support.hubs import HubEnv, PgServer, extra_hub, make_settings, new_member

ZONE = "Europe/Madrid"
MADRID = ZoneInfo(ZONE)
# Wednesday of the week whose Sunday (28 March 2027) Madrid moves from UTC+1 to UTC+2 at 02:00.
NOW = datetime(2027, 3, 24, 11, 0, tzinfo=UTC)
MADE = datetime(2027, 2, 1, tzinfo=UTC)  # when the posts were scheduled: before all of them


@dataclass
class World:
    settings: Settings
    env: HubEnv
    ana: uuid.UUID
    x: uuid.UUID
    linkedin: uuid.UUID
    acme: Company

    def post(self, account: uuid.UUID, text: str, local: str) -> posts.PostView:
        """Ana's post on one of her accounts, scheduled at a local time in Madrid."""
        target = posts.TargetInput(account_id=account, parts=[posts.PartInput(text=text)])
        with self.env.hub.transaction(self.ana) as conn:
            draft = posts.create_post(
                conn, self.ana, posts.PostInput(targets=[target]),
                timezone=ZONE, media_dir=self.settings.workspace / "media", media_host=None,
            )  # fmt: skip
            return posts.schedule_post(conn, self.ana, draft.id, resolve(local, ZONE, MADE))

    def set_status(self, post: posts.PostView, status: str, error: str | None = None) -> None:
        with self.env.hub.owner() as conn:
            conn.execute(
                "UPDATE post_targets SET status = %s, error_message = %s, error_action = %s WHERE post_id = %s",
                [status, error, "Reconnect LinkedIn." if error else None, post.id],
            )

    def company_post(self, text: str, local: str) -> str:
        """Ann (a contributor) submits a post on Acme's X account; it waits for approval."""
        with CompanyHub(self.acme.env.settings, self.acme.connection_as(self.acme.ann)) as ann:
            done = approvals.post_for_company(
                ann, ["x"], [posts.PartInput(text=text)], resolve(local, ZONE, MADE), lambda *_: "unused",
                media_dir=self.settings.workspace / "media", media_host=None, idea="launch",
            )  # fmt: skip
        assert done.status == "pending_approval"
        return str(done.post.id)

    def calendar(self, period: str = "week", start: date | None = None) -> Calendar:
        return get_calendar(self.env.hub, self.settings, self.ana, period, start, NOW)  # type: ignore[arg-type]


@pytest.fixture
def company_env(pg_server: PgServer, migrated_template: str, tmp_path: Path) -> Iterator[HubEnv]:
    with extra_hub(pg_server, migrated_template, tmp_path / "acme-admin") as env:
        yield env


@pytest.fixture
def world(hub_env: HubEnv, company_env: HubEnv) -> World:
    ana = new_member(hub_env.hub, "Ana")
    with hub_env.hub.transaction(ana) as conn:
        conn.execute("UPDATE members SET timezone = %s WHERE id = %s", [ZONE, ana])
        ids = [
            conn.execute(
                "INSERT INTO accounts (member_id, platform, handle, remote_user_id)"
                " VALUES (%s, %s, 'ana', %s) RETURNING id",
                [ana, platform, f"r-{platform}"],
            ).fetchone()["id"]  # type: ignore[index]
            for platform in ("x", "linkedin")
        ]
    settings = make_settings(
        hub_env.settings.workspace, hub_env.server.conninfo(hub_env.database), member_id=ana, timezone=ZONE,
        connect_timeout=2,
    )  # fmt: skip
    acme = make_company(company_env)
    _connect_account(acme)
    write_connection(settings.workspace, acme.connection_as(acme.editor))
    return World(settings, hub_env, ana, ids[0], ids[1], acme)
