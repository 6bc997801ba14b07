"""Posting tools: save a reviewed draft, schedule or publish it (preview first, then confirm with the
token), and watch, cancel, reschedule, retry and explain what happens.

Nothing is published on a first call: ``schedule_post`` and ``publish_now`` without a confirmation
token return the preview (who posts where, when in the user's zone and UTC, and the payload of every
part); the same call with the token commits exactly that.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from mcp.server import MCPServer
from pydantic import BaseModel, Field

from mcp_server.context import ServerContext
from mcp_server.errors import psn_tool
from mcp_server.schemas import PostId, TargetId, When
from mcp_server.tools import read_only, writes
from psn_core.services.posting import confirmations, explanations, posts, saved_drafts
from psn_core.services.posting.saved_drafts import DraftTarget, ReviewedDraft
from psn_core.services.posting.schedule_time import ScheduleTime, resolve
from psn_core.timefmt import utcnow

Token = Annotated[str | None, Field(description="The confirmation_token from the preview; omit to get a preview.")]


class Scheduled(BaseModel):
    post: posts.PostView
    when: str
    note: str


class ScheduleAnswer(BaseModel):
    step: Literal["preview", "scheduled"] = Field(
        description="preview: show it to the user and call again with the token; scheduled: done."
    )
    preview: confirmations.PostPreview | None = None
    scheduled: Scheduled | None = None


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
        return resolve(text, ctx.settings.timezone, utcnow())

    @server.tool(annotations=writes("Save a reviewed draft", destructive=False, idempotent=False))
    @psn_tool
    def save_draft(
        targets: Annotated[list[DraftTarget], Field(min_length=1, description="Where it goes, one per account.")],
        idea: Annotated[str, Field(description="The idea behind the post, in a few words.")] = "",
        language: Annotated[str, Field(description="The language it is written in, as a code: en, es ...")] = "en",
        persona: Annotated[str, Field(description="The voice it is written in (see get_voice_profile).")] = "personal",
    ) -> posts.PostView:
        """Save a draft the user has reviewed and edited, checked against every platform's rules before
        anything is uploaded. Returns the post with its id; schedule it with schedule_post."""
        member = ctx.member_id
        draft = ReviewedDraft(targets=targets, idea=idea, language=language, persona=persona, origin="ai_reviewed")
        with ctx.hub.transaction(member) as conn:
            return saved_drafts.save_draft(conn, ctx.settings, member, draft)

    @server.tool(annotations=read_only("Drafts"))
    @psn_tool
    def list_drafts() -> DraftList:
        """Posts saved as drafts and not scheduled yet."""
        member = ctx.member_id
        with ctx.hub.transaction(member) as conn:
            return DraftList(drafts=saved_drafts.list_drafts(conn, member))

    def commit(post_id: PostId, when: ScheduleTime | None, token: str | None) -> ScheduleAnswer:
        member = ctx.member_id
        moment = when or resolve(utcnow(), ctx.settings.timezone, utcnow())
        with ctx.hub.transaction(member) as conn:
            if token is None:
                # the preview's dry run (the one allowed emulator import), loaded only when a preview is made
                from psn_core.emulator.sandbox import open_sandbox

                shown = confirmations.preview(
                    conn,
                    ctx.ring,
                    member,
                    post_id,
                    moment,
                    media_dir=ctx.workspace / "media",
                    sandbox=ctx.settings.tiktok_sandbox,
                    open_sandbox=open_sandbox,
                    immediate=when is None,
                )
                return ScheduleAnswer(step="preview", preview=shown)
            confirmations.check_token(conn, ctx.ring, member, post_id, when, token)
        view = posts.schedule_and_enqueue(ctx.hub, member, post_id, moment, enqueue())
        note = "Queued. The worker (`psn worker`) publishes it on time."
        return ScheduleAnswer(step="scheduled", scheduled=Scheduled(post=view, when=moment.echo(), note=note))

    @server.tool(annotations=writes("Schedule a post", destructive=False, idempotent=True, open_world=True))
    @psn_tool
    def schedule_post(post_id: PostId, when: When, confirmation_token: Token = None) -> ScheduleAnswer:
        """Schedule a saved post at a local time. Without a token: a preview to show the user (who posts
        where, when, the exact payload) and a confirmation_token. With the token: schedules exactly that."""
        return commit(post_id, when_of(when), confirmation_token)

    @server.tool(annotations=writes("Publish a post now", destructive=False, idempotent=True, open_world=True))
    @psn_tool
    def publish_now(post_id: PostId, confirmation_token: Token = None) -> ScheduleAnswer:
        """Publish a saved post now. Without a token: the preview and a confirmation_token; with it: queued
        for immediate publishing."""
        return commit(post_id, None, confirmation_token)

    @server.tool(annotations=writes("Reschedule a post", destructive=False, idempotent=True, open_world=True))
    @psn_tool
    def reschedule_post(post_id: PostId, when: When) -> Scheduled:
        """Move a scheduled post to another local time (until it starts publishing)."""
        moment = when_of(when)
        view = posts.schedule_and_enqueue(ctx.hub, ctx.member_id, post_id, moment, enqueue())
        return Scheduled(post=view, when=moment.echo(), note="Rescheduled.")

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
    def retry_target(target_id: TargetId) -> posts.TargetView:
        """Publish a failed, expired or needs-attention target again now (a thread continues where it stopped)."""
        with ctx.hub.transaction(ctx.member_id) as conn:
            target = posts.retry_target(conn, ctx.member_id, target_id, utcnow())
        enqueue()(ctx.member_id, target.id, utcnow())
        return target

    @server.tool(annotations=read_only("Explain a target"))
    @psn_tool
    def explain_target(target_id: TargetId) -> explanations.Explanation:
        """What happened to a target: the platform's own words (secrets masked) and every attempt."""
        with ctx.hub.transaction(ctx.member_id) as conn:
            return explanations.explain_target(conn, ctx.member_id, target_id)
