"""Workspace tools: the effective settings (secrets masked) and the health checklist of `psn doctor`."""

from __future__ import annotations

from mcp.server import MCPServer
from pydantic import BaseModel, Field

from mcp_server.context import ServerContext
from mcp_server.errors import psn_tool
from mcp_server.tools import read_only
from psn_core.config import masked_settings
from psn_core.services import doctor as service
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


def register(server: MCPServer, ctx: ServerContext) -> None:
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
