"""Posting tools: save a reviewed draft, schedule or publish it, and watch, cancel, reschedule, retry and
explain what happens.

Nothing moves toward a platform without the user: ``schedule_post``, ``publish_now``, ``reschedule_post``
and ``retry_target`` go through the human gate (``mcp_server/gate.py``): the tool asks the user itself
where the client can (MCP elicitation), else it returns the preview (who posts where, when in the user's
zone and UTC, the payload of every part) with a confirmation token, and the same call with the token
commits exactly that.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from pydantic import BaseModel, Field

from mcp_server.context import ServerContext
from mcp_server.errors import psn_tool
from mcp_server.schemas import IdeaIdOrNone, PlanSlotIdOrNone, PostId, SeriesRefOrNone, TargetId, When
from mcp_server.tools import read_only, writes
from psn_core.services.posting import confirmations, explanations, posts, saved_drafts
from psn_core.services.posting.confirmations import Action
from psn_core.services.posting.saved_drafts import DraftTarget, ReviewedDraft
from psn_core.services.posting.schedule_time import ScheduleTime, resolve
from psn_core.timefmt import utcnow

Token = Annotated[str | None, Field(description="The confirmation_token from the preview; omit to get a preview.")]


class Scheduled(BaseModel):
    post: posts.PostView
    when: str
    note: str


STEP = (
    "preview: show preview.message to the user and call again with the confirmation_token only if they say "
    "yes; declined: the user said no or was not asked, nothing changed; otherwise: done."
)


class ScheduleAnswer(BaseModel):
    step: Literal["preview", "declined", "scheduled"] = Field(description=STEP)
    preview: confirmations.PostPreview | None = None
    scheduled: Scheduled | None = None
    note: str = ""


class RetryAnswer(BaseModel):
    step: Literal["preview", "declined", "retried"] = Field(description=STEP)
    preview: confirmations.ProposalPreview | None = None
    retried: posts.TargetView | None = None
    note: str = ""


class TargetList(BaseModel):
    timezone: str
    targets: list[posts.TargetView]


class DraftList(BaseModel):
    drafts: list[posts.PostView]


def register(server: MCPServer, ctx: ServerContext) -> None:
    lock = threading.Lock()
    producer: list[Callable[[UUID, UUID, datetime], str]] = []

    def enqueue() -> posts.Enqueue:
        with lock:
            if not producer:
                from psn_core.queue import Producer  # huey loads only when a tool queues work

                producer.append(Producer(ctx.settings, ctx.hub).enqueue_publish)
            return producer[0]

    def when_of(text: str) -> ScheduleTime:
        return resolve(text, ctx.settings.timezone, ctx.now())  # words read against the server's clock

    @server.tool(annotations=writes("Save a reviewed draft", destructive=False, idempotent=False))
    @psn_tool
    def save_draft(
        targets: Annotated[list[DraftTarget], Field(min_length=1, description="Where it goes, one per account.")],
        idea: Annotated[str, Field(description="The idea behind the post, in a few words.")] = "",
        language: Annotated[str, Field(description="The language it is written in, as a code: en, es ...")] = "en",
        persona: Annotated[str, Field(description="The voice it is written in (see get_voice_profile).")] = "personal",
        idea_id: IdeaIdOrNone = None,
        plan_slot_id: PlanSlotIdOrNone = None,
        series: SeriesRefOrNone = None,
        occurrence_at: Annotated[
            datetime | None,
            Field(description="The series occurrence it is for (due_at from series_due, ISO); omit if none."),
        ] = None,
        pillar: Annotated[
            str | None, Field(description="The content pillar it belongs to; omit to take its series' or idea's.")
        ] = None,
        format: Annotated[
            str | None,
            Field(
                description="The post's format as a whole (recommended_format from get_draft_context), recorded "
                "for series detection and learning; omit to take a target's format, else its series', else its shape."
            ),
        ] = None,
    ) -> posts.PostView:
        """Save a draft the user has reviewed and edited, checked against every platform's rules before
        anything is uploaded. Returns the post with its id; schedule it with schedule_post. With idea_id
        (from list_ideas) the post is linked to that idea, which moves to developed (used once it publishes).
        With series the post is an episode of that series: publishing it advances the series' episode count
        once (get_draft_context with the series gives its template and next label). With plan_slot_id (from
        plan_week or what_to_post) it fills that slot of the weekly plan (drafted, then scheduled and published
        as the post goes out; a series slot gives its series and occurrence)."""
        member = ctx.member_id
        draft = ReviewedDraft(
            targets=targets,
            idea=idea,
            language=language,
            persona=persona,
            origin="ai_reviewed",
            idea_id=idea_id,
            plan_slot_id=plan_slot_id,
            series_id=series,
            occurrence_at=occurrence_at,
            pillar=pillar,
            format=format,
        )
        with ctx.hub.transaction(member) as conn:
            return saved_drafts.save_draft(conn, ctx.settings, member, draft)

    @server.tool(annotations=read_only("Drafts"))
    @psn_tool
    def list_drafts() -> DraftList:
        """Posts saved as drafts and not scheduled yet."""
        member = ctx.member_id
        with ctx.hub.transaction(member) as conn:
            return DraftList(drafts=saved_drafts.list_drafts(conn, member))

    def commit(
        call: Context[Any, Any], action: Action, post_id: UUID, when: ScheduleTime | None, token: str | None
    ) -> ScheduleAnswer:
        member = ctx.member_id
        moment = when or resolve(utcnow(), ctx.settings.timezone, utcnow())
        # the preview's dry run (the one allowed emulator import), loaded only when a preview is made
        from psn_core.emulator.sandbox import open_sandbox

        with ctx.hub.transaction(member) as conn:
            proposal, shown = confirmations.preview(
                conn,
                member,
                post_id,
                moment,
                action=action,
                media_dir=ctx.workspace / "media",
                sandbox=ctx.settings.tiktok_sandbox,
                open_sandbox=open_sandbox,
                immediate=when is None,
            )
        decision = ctx.gate.decide(call, ctx.ring, proposal, token)
        if decision.verdict == "preview":
            shown.confirmation_token = decision.token
            note = (decision.note or "") + (when.resend() if when is not None else "")
            return ScheduleAnswer(step="preview", preview=shown, note=note)
        if decision.verdict == "declined":
            return ScheduleAnswer(step="declined", note=decision.note)
        view = confirmations.schedule_confirmed(ctx.hub, member, proposal, post_id, moment, enqueue())
        note = "Queued. The worker (`psn worker`) publishes it on time."
        return ScheduleAnswer(step="scheduled", scheduled=Scheduled(post=view, when=moment.echo(), note=note))

    @server.tool(annotations=writes("Schedule a post", destructive=False, idempotent=True, open_world=True))
    @psn_tool
    def schedule_post(
        call: Context[Any, Any], post_id: PostId, when: When, confirmation_token: Token = None
    ) -> ScheduleAnswer:
        """Schedule a saved post at a local time, once the user confirms exactly what goes out. Where the
        client can ask the user, this call asks them (who posts where, when, every part) and schedules only on
        yes. Otherwise, without a token: a preview (show its message to the user) and a confirmation_token;
        call again with the token only after the user says yes."""
        return commit(call, "schedule", post_id, when_of(when), confirmation_token)

    @server.tool(annotations=writes("Publish a post now", destructive=False, idempotent=True, open_world=True))
    @psn_tool
    def publish_now(call: Context[Any, Any], post_id: PostId, confirmation_token: Token = None) -> ScheduleAnswer:
        """Publish a saved post now, once the user confirms it: asked by this call where the client can, else
        a preview and a confirmation_token first (call again with it only after the user says yes)."""
        return commit(call, "publish_now", post_id, None, confirmation_token)

    @server.tool(annotations=writes("Reschedule a post", destructive=False, idempotent=True, open_world=True))
    @psn_tool
    def reschedule_post(
        call: Context[Any, Any], post_id: PostId, when: When, confirmation_token: Token = None
    ) -> ScheduleAnswer:
        """Move a post to another local time (until it starts publishing), once the user confirms: asked by
        this call where the client can, else a preview and a confirmation_token first."""
        return commit(call, "reschedule", post_id, when_of(when), confirmation_token)

    @server.tool(annotations=writes("Cancel a post", destructive=True, idempotent=True))
    @psn_tool
    def cancel_post(post_id: PostId) -> posts.PostView:
        """Cancel every target of a post that has not started publishing."""
        with ctx.hub.transaction(ctx.member_id) as conn:
            return posts.cancel_post(conn, ctx.member_id, post_id)

    @server.tool(annotations=read_only("Queue"))
    @psn_tool
    def list_queue() -> TargetList:
        """What is scheduled or publishing, soonest first (times are UTC; show them in `timezone`)."""
        with ctx.hub.transaction(ctx.member_id) as conn:
            items = posts.list_targets(conn, ctx.member_id, posts.QUEUED)
        return TargetList(timezone=ctx.settings.timezone, targets=items)

    @server.tool(annotations=read_only("Failures"))
    @psn_tool
    def list_failures() -> TargetList:
        """Targets that failed, expired or need attention, each with the platform's reason and what to do."""
        with ctx.hub.transaction(ctx.member_id) as conn:
            items = posts.list_targets(conn, ctx.member_id, posts.FAILED)
        return TargetList(timezone=ctx.settings.timezone, targets=items)

    @server.tool(annotations=writes("Retry a target", destructive=False, idempotent=False, open_world=True))
    @psn_tool
    def retry_target(call: Context[Any, Any], target_id: TargetId, confirmation_token: Token = None) -> RetryAnswer:
        """Publish a failed, expired or needs-attention target again now (a thread continues where it
        stopped), once the user confirms: asked by this call where the client can, else a preview and a
        confirmation_token first (call again with it only after the user says yes)."""
        member = ctx.member_id
        with ctx.hub.transaction(member) as conn:
            proposal = confirmations.target_proposal(conn, member, target_id)
        decision = ctx.gate.decide(call, ctx.ring, proposal, confirmation_token)
        if decision.verdict == "preview":
            shown = confirmations.ProposalPreview(
                proposal=proposal, message=proposal.message(), confirmation_token=decision.token
            )
            return RetryAnswer(step="preview", preview=shown, note=decision.note)
        if decision.verdict == "declined":
            return RetryAnswer(step="declined", note=decision.note)
        target = confirmations.retry_confirmed(ctx.hub, member, proposal, target_id, utcnow(), enqueue())
        return RetryAnswer(step="retried", retried=target, note="Queued to publish now.")

    @server.tool(annotations=read_only("Explain a target"))
    @psn_tool
    def explain_target(target_id: TargetId) -> explanations.Explanation:
        """What happened to a target: the platform's own words (secrets masked) and every attempt."""
        with ctx.hub.transaction(ctx.member_id) as conn:
            return explanations.explain_target(conn, ctx.member_id, target_id)
