"""Account tools: which accounts are connected and how their tokens are, and connecting a new one.

Connecting is two calls because the user approves psn in their own browser: ``start_connect`` gives the
URL, the browser lands on psn's local callback address (nothing needs to listen there), and the user
pastes that address into ``finish_connect``.
"""

from __future__ import annotations

from typing import Annotated

from mcp.server import MCPServer
from pydantic import BaseModel, Field

from mcp_server import schemas
from mcp_server.context import ServerContext
from mcp_server.errors import psn_tool
from mcp_server.schemas import PlatformName
from mcp_server.tools import read_only, writes
from psn_core.services.accounts import accounts as service
from psn_core.services.accounts import removal
from psn_core.services.accounts.accounts import AccountView, ConnectStart
from psn_core.services.accounts.removal import RemovedAccount


class AuthStatus(BaseModel):
    timezone: str = Field(description="The user's IANA zone: show every time in it, naming it.")
    accounts: list[AccountView]


class ConnectStarted(BaseModel):
    sign_in: ConnectStart
    next_step: str


def register(server: MCPServer, ctx: ServerContext) -> None:
    @server.tool(annotations=read_only("Connected accounts"))
    @psn_tool
    def get_auth_status() -> AuthStatus:
        """List the connected accounts: status, token expiry, whether psn can refresh them by itself.
        An empty list means nothing is connected yet (use start_connect)."""
        member = ctx.member_id
        with ctx.hub.transaction(member) as conn:
            return AuthStatus(timezone=ctx.settings.timezone, accounts=service.list_accounts(conn, member))

    @server.tool(annotations=writes("Start connecting an account", destructive=False, idempotent=False))
    @psn_tool
    def start_connect(platform: PlatformName) -> ConnectStarted:
        """Begin connecting an account: returns the sign-in URL for the user to open (valid 10 minutes).
        Then call finish_connect with the address the browser lands on after approving."""
        member = ctx.member_id
        with ctx.hub.transaction(member) as conn:
            start = service.start_connect(conn, ctx.settings, ctx.ring, member, platform.strip().lower())
        return ConnectStarted(
            sign_in=start,
            next_step=(
                "Ask the user to open the URL and approve psn. The browser then goes to "
                f"{start.redirect_uri}?code=...; that page may not load, which is fine. Ask the user to copy "
                "the whole address from the address bar and pass it to finish_connect."
            ),
        )

    @server.tool(
        annotations=writes("Finish connecting an account", destructive=False, idempotent=False, open_world=True)
    )
    @psn_tool
    def finish_connect(
        redirect_url: Annotated[
            str, Field(description="The full address the browser landed on after approving (or its query string).")
        ],
    ) -> AccountView:
        """Finish connecting: exchanges the sign-in code with the platform and stores the account's tokens
        encrypted. Each sign-in URL works once; reconnecting an account updates it in place."""
        return service.finish_connect(ctx.hub, ctx.settings, ctx.ring, ctx.member_id, redirect_url)

    @server.tool(annotations=writes("Remove an account", destructive=True, idempotent=True))
    @psn_tool
    def remove_account(
        platform: schemas.PlatformName,
        handle: Annotated[
            str | None, Field(description="Which account (@handle), when the user has several on that platform.")
        ] = None,
        cancel_pending: Annotated[
            bool,
            Field(description="Cancel the posts still waiting to go out on it, with it. Only if the user said so."),
        ] = False,
    ) -> RemovedAccount:
        """Remove one of the user's connected accounts, only when they asked to: psn deletes its tokens and
        marks it disconnected (past posts stay). Posts still waiting on it stop the removal, each listed,
        unless cancel_pending. Nothing is revoked on the platform itself; connecting it again restores it."""
        member = ctx.member_id
        with ctx.hub.transaction(member) as conn:
            return removal.remove_account(
                conn, member, platform, handle, cancel_pending=cancel_pending, zone=ctx.settings.zone
            )
