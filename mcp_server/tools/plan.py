"""Weekly plan tools: make the week's plan (series first, then ready ideas, remix, recycle, proposed ideas,
at the strategy's best times), read it with its progress, rate ideas, store the ideas Claude proposes so
they can be rated by id, and answer "what should I post?". Drafting a slot goes through save_draft with
its plan_slot_id (the normal reviewed draft flow)."""

from __future__ import annotations

from typing import Annotated, Literal

from mcp.server import MCPServer
from pydantic import BaseModel, Field

from mcp_server.context import ServerContext
from mcp_server.errors import psn_tool
from mcp_server.schemas import IdeaId, PlanWeek
from mcp_server.tools import read_only, writes
from psn_core.services.ideas.models import Idea
from psn_core.services.plan.models import RatedIdea, WeeklyPlan, WhatToPost
from psn_core.services.plan.rating import ProposedIdea
from psn_core.strategy.model import Strategy


class IdeaRating(BaseModel):
    idea_id: IdeaId
    rating: Literal["love", "maybe", "kill"] = Field(
        description="love: ready, the plan uses it next; maybe: a seed, not planned; kill: dropped (reason required)."
    )
    reason: str | None = Field(default=None, description="Why (required for kill; kept in the idea's history).")


class Ratings(BaseModel):
    rated: list[RatedIdea]


class Proposed(BaseModel):
    ideas: list[Idea] = Field(description="The ideas stored as sparks (source plan), with the ids to rate them by.")
    note: str = Field(default="Show each proposal to the user and ask them to rate it love, maybe or kill.")


def register(server: MCPServer, ctx: ServerContext) -> None:
    def strategy() -> Strategy | None:
        from psn_core.services.strategy import load_strategy

        return load_strategy(ctx.workspace)

    def said(plan: WeeklyPlan) -> WeeklyPlan:
        """The plan, with the strategy file's problem when psn planned on its last valid copy."""
        from psn_core.services.strategy import strategy_state

        warning = strategy_state(ctx.workspace).warning
        return plan.model_copy(update={"warnings": [warning, *plan.warnings]}) if warning else plan

    @server.tool(annotations=writes("Plan the week", destructive=False, idempotent=False))
    @psn_tool
    def plan_week(week: PlanWeek = None) -> WeeklyPlan:
        """Make (or make again) the weekly plan: the strategy's posts a week per platform at its best times;
        due series episodes first, then the user's ready ideas weighted toward pillars below their share,
        remixes of top posts for other platforms, recycles of older top posts, and ideas proposed for the plan
        or made from a trend; at most 2 of the same angle a week; languages balanced. Times follow the user's
        preference model first (its best hours and weekdays), topics it rests are not planned until their rest
        ends, and formats the user dropped are never in `formats` (see `notes`). Slots already drafted stay.
        Open slots (kind open) list the pillar and language they want: propose ideas for them with
        propose_ideas. `trends`: the week's best trends, offered, never planned: make the one the user picks
        an idea with trend_to_idea, then ask them to rate it."""
        from psn_core.services.plan import store

        member = ctx.member_id
        with ctx.hub.transaction(member) as conn:
            return said(store.build_plan(conn, member, strategy(), ctx.settings.timezone, ctx.now(), week=week))

    @server.tool(annotations=read_only("Weekly plan"))
    @psn_tool
    def get_plan(week: PlanWeek = None) -> WeeklyPlan:
        """The week's plan: each slot (when, platform, topic, pillar, state, its post) and progress (slots
        done / planned), the preference model's notes, formats to use, and the trends offered. Draft a planned
        slot with save_draft and its plan_slot_id."""
        from psn_core.services.plan import store

        member = ctx.member_id
        with ctx.hub.transaction(member) as conn:
            found = store.get_plan(conn, member, ctx.settings.timezone, ctx.now(), week=week, strategy=strategy())
        return said(found)

    @server.tool(annotations=writes("Rate ideas", destructive=True, idempotent=False))
    @psn_tool
    def rate_ideas(
        ratings: Annotated[list[IdeaRating], Field(min_length=1, max_length=50, description="The user's ratings.")],
    ) -> Ratings:
        """Record the user's ratings of ideas (never rate for them): love makes an idea ready (the next
        plan_week uses it), maybe keeps it as a seed, kill drops it with the user's reason. All or none."""
        from psn_core.services.plan.rating import rate_idea

        with ctx.hub.transaction(ctx.member_id) as conn:
            now = ctx.now()
            return Ratings(rated=[rate_idea(conn, r.idea_id, r.rating, now, reason=r.reason) for r in ratings])

    @server.tool(annotations=writes("Propose ideas", destructive=False, idempotent=False))
    @psn_tool
    def propose_ideas(
        ideas: Annotated[
            list[ProposedIdea],
            Field(min_length=1, max_length=20, description="Your proposals, one idea each, for the plan's open slots."),
        ],
    ) -> Proposed:
        """Store ideas you propose for the plan as sparks (source plan) so the user can rate them by id with
        rate_ideas. An unknown pillar, or an idea about one of the strategy's avoid_topics, is refused (nothing
        stored)."""
        from psn_core.services.ideas.pillars import strategy_pillars
        from psn_core.services.plan.rating import propose_ideas as propose

        member = ctx.member_id
        current = strategy()
        avoid = current.avoid_topics if current is not None else []
        with ctx.hub.transaction(member) as conn:
            stored = propose(conn, member, ideas, ctx.now(), pillars=strategy_pillars(ctx.workspace), avoid=avoid)
        return Proposed(ideas=stored)

    @server.tool(annotations=read_only("What to post"))
    @psn_tool
    def what_to_post(
        limit: Annotated[int, Field(ge=1, le=30, description="At most this many suggestions.")] = 8,
    ) -> WhatToPost:
        """Answer "what should I post?": series episodes due in the next 7 days first, then ready ideas, then
        other suggestions (planned slots, remixes and recycles of top posts, proposed ideas to rate), then the
        best trends (kind trend: make one an idea with trend_to_idea first). Topics the user's preference
        model rests are left out. Each carries the idea_id and plan_slot_id to pass to save_draft.
        need_ideas: nothing is ready."""
        from psn_core.services.plan.rating import what_to_post as answer

        member = ctx.member_id
        with ctx.hub.transaction(member) as conn:
            return answer(conn, member, strategy(), ctx.settings.timezone, ctx.now(), limit=limit)
