"""Analytics tools: the summary and the weekly review read the hub only (never a platform: the worker's
sweep collects, within each account's request budget); refresh_analytics asks the worker for a sweep."""

from __future__ import annotations

from typing import Annotated

from mcp.server import MCPServer
from pydantic import BaseModel, Field

from mcp_server.context import ServerContext
from mcp_server.errors import psn_tool
from mcp_server.schemas import Week
from mcp_server.tools import read_only, writes
from psn_core.services.analytics.models import RefreshRequested, Summary
from psn_core.services.analytics.report import ReportFiles, WeeklyReview, render_markdown, weekly_review, write_report
from psn_core.services.analytics.summary import summary
from psn_core.services.analytics.sweep import request_refresh
from psn_core.timefmt import utcnow

Monthly = Annotated[
    bool | None,
    Field(
        description="Add the monthly part (voice drift, audience shifts): true always, false never, "
        "null when the week ends a month."
    ),
]


class ReviewText(BaseModel):
    review: WeeklyReview
    markdown: str = Field(description="The report as it would be saved (the chart is only drawn when saved).")


def register(server: MCPServer, ctx: ServerContext) -> None:
    @server.tool(annotations=read_only("Analytics summary"))
    @psn_tool
    def get_analytics_summary(
        days: Annotated[int, Field(ge=1, le=3650, description="How many days back.")] = 30,
        page: Annotated[int, Field(ge=1, description="Page of the post list, 20 per page.")] = 1,
    ) -> Summary:
        """How the user's posts performed over the last days, from the hub only: totals, per-platform,
        per-language and per-format splits, engagement rate and score, flagged posts, follower counts,
        a page of posts and the 12-week trend. Always tell the user how fresh it is (freshness.as_of_local)."""
        member = ctx.member_id
        settings = ctx.settings
        with ctx.hub.transaction(member) as conn:
            return summary(conn, member, zone=settings.zone, now=utcnow(), days=days, page=page)

    @server.tool(annotations=read_only("Weekly review"))
    @psn_tool
    def get_weekly_review(week: Week = None, monthly: Monthly = None) -> ReviewText:
        """One week's review from the hub: what worked and what did not (with why), per-platform,
        per-language and per-format tables against the 4 weeks before, flagged posts and suggestions
        (posting times, formats, topics to rest), and learning: what psn changed in strategy.yaml this week
        and why, and proposals waiting for the user (decide_strategy_proposal). Saves nothing;
        save_weekly_review writes the files."""
        member = ctx.member_id
        settings = ctx.settings
        with ctx.hub.transaction(member) as conn:
            data = weekly_review(
                conn, member, zone=settings.zone, now=utcnow(), week=week, workspace=ctx.workspace, monthly=monthly
            )
        return ReviewText(review=data, markdown=render_markdown(data, f"review-{data.week}.png"))

    @server.tool(annotations=writes("Save the weekly review", destructive=True, idempotent=True))
    @psn_tool
    def save_weekly_review(week: Week = None, monthly: Monthly = None) -> ReportFiles:
        """Write reports/review-<week>.md and the PNG trend chart beside it in the workspace (replacing
        that week's earlier files); the report ends with what changed in the strategy and why, and the
        proposals waiting for the user. Give the user both paths."""
        member = ctx.member_id
        settings = ctx.settings
        with ctx.hub.transaction(member) as conn:
            data = weekly_review(
                conn, member, zone=settings.zone, now=utcnow(), week=week, workspace=ctx.workspace, monthly=monthly
            )
        return write_report(data, settings.workspace)

    @server.tool(annotations=writes("Refresh analytics", destructive=False, idempotent=True, open_world=True))
    @psn_tool
    def refresh_analytics(
        all_posts: Annotated[
            bool, Field(description="Also re-collect posts older than 30 days (costs more of the request budget).")
        ] = False,
    ) -> RefreshRequested:
        """Ask the worker to collect fresh metrics now, within each account's request budget. Returns at
        once; the numbers change after the worker's sweep (about a minute, if `psn worker` runs)."""
        member = ctx.member_id
        return request_refresh(ctx.hub, member, utcnow(), force=all_posts)
