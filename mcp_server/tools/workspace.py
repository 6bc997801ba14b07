"""Workspace tools: making the workspace (as `psn init`), the effective settings (secrets masked) and the
health checklist of `psn doctor`."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from mcp.server import MCPServer
from pydantic import BaseModel, Field

from mcp_server.context import ServerContext
from mcp_server.errors import psn_tool
from mcp_server.tools import read_only, writes
from psn_core.config import Settings, masked_settings
from psn_core.errors import InvalidInput
from psn_core.services import doctor as service
from psn_core.services import setup
from psn_core.services.doctor import DoctorReport


class Setting(BaseModel):
    name: str
    value: str = Field(description="Secrets are masked to their last 4 characters.")


class ConfigView(BaseModel):
    workspace: str
    settings: list[Setting]


class Health(BaseModel):
    ok: bool = Field(description="False when any check failed; each failed check carries its fix.")
    report: DoctorReport


class WorkspaceReady(BaseModel):
    workspace: str = Field(description="The folder that is now a psn workspace.")
    created: list[str] = Field(description="Files and folders made now (nothing already there is overwritten).")
    hub: str = Field(description="The personal hub: the embedded Postgres in .psn/pg, or PSN_DATABASE_URL's.")
    member_id: UUID
    member_created: bool = Field(description="False when the workspace already existed: nothing changed then.")
    timezone: str = Field(description="The zone psn shows times in (PSN_TIMEZONE in hub.env).")
    next_steps: str


def register(server: MCPServer, ctx: ServerContext) -> None:
    @server.tool(annotations=writes("Create the psn workspace", destructive=False, idempotent=True))
    @psn_tool
    def init_workspace(
        name: Annotated[str, Field(description="The user's display name, as they want to post.")],
        timezone: Annotated[str, Field(description="The user's IANA time zone, e.g. Europe/Madrid.")],
    ) -> WorkspaceReady:
        """Make the folder psn works in a psn workspace, as `psn init` does: hub.env, the encryption key
        (.psn/master.key), voices/, .gitignore entries for the secrets, and the personal hub (a private
        Postgres inside the folder unless hub.env names one). Safe to run again: nothing already there is
        overwritten. Then set up the voice (init_voice_profile) and connect accounts (start_connect)."""
        if not name.strip():
            raise InvalidInput("The name is empty.", "Ask the user for the name they post as.")
        folder = ctx.init_folder()
        result = setup.init_workspace(folder, name=name.strip(), timezone=timezone.strip())
        ctx.adopt(Settings.load(folder))
        return WorkspaceReady(
            workspace=str(result.workspace),
            created=result.created,
            hub=result.hub,
            member_id=result.member_id,
            member_created=result.member_created,
            timezone=result.timezone,
            next_steps="Tell the user to back up .psn/master.key (stored tokens cannot be read without it). "
            "Then onboard their voice (get_voice_profile, init_voice_profile) and connect accounts.",
        )

    @server.tool(annotations=read_only("Settings"))
    @psn_tool
    def show_config() -> ConfigView:
        """The workspace's effective settings (hub.env and PSN_* variables), every secret masked.
        Settings are changed by editing hub.env, not through psn's tools."""
        settings = ctx.settings
        lines = [Setting(name=name, value=value) for name, value in masked_settings(settings)]
        return ConfigView(workspace=str(settings.workspace), settings=lines)

    @server.tool(annotations=read_only("Health check"))
    @psn_tool
    def run_doctor() -> Health:
        """Check the workspace, the hub, roles, row-level security and stored secrets (as `psn doctor`).
        Each failing check says how to fix it."""
        report = service.run_doctor(ctx.settings)
        return Health(ok=report.ok, report=report)
