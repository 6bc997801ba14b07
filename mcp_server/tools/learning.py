"""What psn learned: the preference model (read, refresh) and the strategy proposals the user decides.
Thin edges over psn_core.services.learning; the hub only, never a platform."""

from __future__ import annotations

from typing import Annotated, Literal

from mcp.server import MCPServer
from pydantic import Field

from mcp_server.context import ServerContext
from mcp_server.errors import psn_tool
from mcp_server.tools import read_only, writes
from psn_core.services.learning.models import Preferences, Proposal

Brand = Annotated[bool, Field(description="The brand's model of the hub (company hubs) instead of the user's own.")]


def register(server: MCPServer, ctx: ServerContext) -> None:
    @server.tool(annotations=read_only("Preference model"))
    @psn_tool
    def get_preferences(brand: Brand = False) -> Preferences | None:
        """What psn learned about what works for the user (refreshed weekly by the worker): top formats per
        platform, pillars, best hours and weekdays, opening-line patterns, their edit habits, topics resting
        (with the day the rest ends), why ideas were killed, follower history, formats they dropped. Null
        before the first refresh. Use it when planning and drafting; never invent what it does not say."""
        from psn_core.services.learning.preferences import load_brand_preferences, load_preferences

        member = ctx.member_id
        with ctx.hub.transaction(member) as conn:
            return load_brand_preferences(conn) if brand else load_preferences(conn, member)

    @server.tool(annotations=writes("Refresh the preference model", destructive=True, idempotent=True))
    @psn_tool
    def refresh_preferences(brand: Brand = False) -> Preferences:
        """Recompute the preference model now from the hub's analytics, edits and ideas, and store it
        (replacing the last one). Calls no platform."""
        from psn_core.services.learning import preferences as service

        member, settings = ctx.member_id, ctx.settings
        with ctx.hub.transaction(member) as conn:
            scope: Literal["member", "brand"] = "brand" if brand else "member"
            return service.refresh_preferences(conn, member, zone=settings.zone, now=ctx.now(), scope=scope)

    @server.tool(annotations=writes("Decide a strategy proposal", destructive=True, idempotent=False))
    @psn_tool
    def decide_strategy_proposal(
        proposal_id: Annotated[int, Field(ge=1, description="The proposal's id (#12 in the weekly review).")],
        decision: Annotated[
            Literal["approve", "reject"],
            Field(
                description="approve writes the change to strategy.yaml; reject leaves it (not proposed again soon)."
            ),
        ],
    ) -> Proposal:
        """Approve or reject one of psn's strategy proposals (a new pillar, dropping a format, a posting
        frequency), only as the user said in their own words. Approving writes the change to strategy.yaml
        with the proposal's evidence; a locked field is refused (the user unlocks it first)."""
        from psn_core.services.learning.proposals import decide

        member = ctx.member_id
        with ctx.hub.transaction(member) as conn:
            return decide(
                conn, member, proposal_id, approve=decision == "approve", workspace=ctx.workspace, now=ctx.now()
            )
