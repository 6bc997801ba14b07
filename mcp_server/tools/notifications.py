"""Notification tools: what psn needs the user to know (failures, expiring tokens, digests) and marking it handled."""

from __future__ import annotations

from typing import Annotated

from mcp.server import MCPServer
from pydantic import BaseModel, Field

from mcp_server.context import ServerContext
from mcp_server.errors import psn_tool
from mcp_server.schemas import NotificationIds
from mcp_server.tools import read_only, writes
from psn_core.errors import ToolArgumentsInvalid
from psn_core.notifications.models import Notification, format_local
from psn_core.services import notifications as service


class NotificationItem(BaseModel):
    notification: Notification
    created_local: str = Field(description="When it was raised, in the user's zone (zone named).")
    text: str = Field(description="What happened and what to do, as psn sends it.")


class NotificationsResult(BaseModel):
    timezone: str
    items: list[NotificationItem]


class Acknowledged(BaseModel):
    acknowledged: int = Field(description="How many notifications changed (already acknowledged ones count 0).")


def register(server: MCPServer, ctx: ServerContext) -> None:
    @server.tool(annotations=read_only("Notifications"))
    @psn_tool
    def list_notifications(
        include_acknowledged: Annotated[bool, Field(description="Also list ones already handled.")] = False,
    ) -> NotificationsResult:
        """List psn's notifications for the user, oldest first (pending ones unless include_acknowledged).
        Each has a tier (critical, standard, engagement), what happened and what to do; times are in the user's zone."""
        listing = service.list_notifications(ctx.hub, ctx.member_id, include_acknowledged=include_acknowledged)
        items = [
            NotificationItem(notification=n, created_local=format_local(n.created_at, listing.timezone), text=n.text())
            for n in listing.items
        ]
        return NotificationsResult(timezone=listing.timezone, items=items)

    @server.tool(annotations=writes("Acknowledge notifications", destructive=False, idempotent=True))
    @psn_tool
    def ack_notifications(
        ids: NotificationIds = None,
        all_pending: Annotated[bool, Field(description="Mark every pending notification handled instead.")] = False,
    ) -> Acknowledged:
        """Mark notifications as handled, by id or all pending ones. Only after the user says so."""
        if bool(ids) == all_pending:
            raise ToolArgumentsInvalid(
                "Give notification ids or all_pending=true (one of the two).",
                "Call ack_notifications with ids=[...] from list_notifications, or with all_pending=true.",
            )
        return Acknowledged(acknowledged=service.acknowledge_notifications(ctx.hub, ctx.member_id, ids or None))
