"""Saving a reviewed draft: the one path from "the user approved this text" to a stored post.

Both edges use it: the MCP tool ``save_draft`` (Claude's draft, edited by the user) and the CLI's
``psn post`` (the user's own text). :func:`plan_draft` resolves each target's account (``x`` or
``x:@handle``) and shapes its parts (a long first part becomes a thread where the platform has
threads; media go with the first part); :func:`save_plan` stores the post, checked against every
platform's rules, and lets the voice profile learn from the user's edits of an AI draft.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from psn_core.config import Settings
from psn_core.errors import DraftInputInvalid
from psn_core.hub import sql
from psn_core.hub.database import Conn
from psn_core.hub.sql import Queries
from psn_core.platforms.registry import PLATFORMS
from psn_core.services.accounts.accounts import AccountView, pick_account
from psn_core.services.ideas import bank as ideas_bank
from psn_core.services.ideas.errors import IdeaTransitionRefused
from psn_core.services.ideas.models import LIVE
from psn_core.services.plan import store as plan_store
from psn_core.services.posting.confirmations import poster_name
from psn_core.services.posting.draft_rules import thread_parts
from psn_core.services.posting.posts import PartInput, PostInput, PostView, TargetInput, create_post, get_post
from psn_core.services.series import store as series_store
from psn_core.services.series import topics
from psn_core.services.series.errors import SeriesTransitionRefused
from psn_core.services.series.models import Series
from psn_core.services.voice.files import voices_dir
from psn_core.services.voice.learning import record_edit
from psn_core.timefmt import utcnow
from psn_core.voice.formats import check_format, infer_format

Q = Queries.load(__package__)
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class DraftTarget(BaseModel):
    account: str = Field(description="x, linkedin, instagram, tiktok, or platform:@handle when several are connected.")
    parts: list[str] = Field(min_length=1, description="The text of each part; several parts make an X thread.")
    media: list[str] = Field(default=[], description="Paths of image/video/PDF files for the first part.")
    split_into_thread: bool = Field(default=False, description="Split a long first part into a thread (X).")
    ai_draft: str | None = Field(
        default=None,
        description="The text you first proposed, before the user's edits: psn learns their voice from the difference.",
    )
    format: str | None = Field(
        default=None,
        description="The post format used: get_draft_context's recommended_format, or the one picked from its "
        "format_ranking (short_take, story, question, thread, image, carousel, document, video, poll). Left out, "
        "psn works it out from the post's shape.",
    )
    title: str | None = Field(default=None, description="A title, where the platform shows one (LinkedIn, TikTok).")
    article_url: str | None = Field(default=None, description="LinkedIn: the link of an article the post shares.")
    privacy_level: str | None = Field(
        default=None,
        description="TikTok: who can see the post, chosen by the user from the levels their account offers "
        "(PUBLIC_TO_EVERYONE, MUTUAL_FOLLOW_FRIENDS, FOLLOWER_OF_CREATOR, SELF_ONLY). Ask; never pick one.",
    )
    allow_comment: bool = Field(default=False, description="TikTok: let people comment (off unless the user asks).")
    allow_duet: bool = Field(default=False, description="TikTok videos: allow duets (off unless the user asks).")
    allow_stitch: bool = Field(default=False, description="TikTok videos: allow stitches (off unless the user asks).")


class ReviewedDraft(BaseModel):
    """A draft the user reviewed: where it goes and what it says."""

    targets: list[DraftTarget]
    idea: str = ""
    language: str = "en"
    persona: str = "personal"
    origin: Literal["human", "ai_reviewed"] = "human"
    # The idea (from the ideas bank) this post is made from: saving the draft links them and moves the idea
    # to developed; publishing the post moves it to used, once (migration 0016).
    idea_id: UUID | None = None
    # The weekly plan's slot this post is drafted for: saving links them and the slot becomes drafted
    # (scheduled, then published, as the post goes out); a slot with an idea lends it its idea_id.
    plan_slot_id: UUID | None = None
    # The series this post is an episode of (slug or id): saving links them; publishing the post makes it
    # the series' next episode, once (the hub's trigger). occurrence_at: the occurrence it is for, if known.
    series_id: str | None = None
    occurrence_at: datetime | None = None
    # What it is about and how it is built (recorded for series detection; defaults: see series.topics).
    pillar: str | None = None
    format: str | None = None


class PlannedTarget(BaseModel):
    account: AccountView
    target: TargetInput
    ai_draft: str | None = None
    format: str | None = None


class DraftPlan(BaseModel):
    """A reviewed draft with its accounts resolved and its parts shaped, ready to show and to save."""

    posting_as: str
    draft: ReviewedDraft
    targets: list[PlannedTarget]
    series: Series | None = None
    idea_pillar: str | None = None


def _target_input(account: AccountView, target: DraftTarget) -> TargetInput:
    texts = thread_parts(PLATFORMS[account.platform], target.parts, split_into_thread=target.split_into_thread)
    parts = [PartInput(text=t) for t in texts]
    parts[0] = PartInput(text=texts[0], media=[Path(m) for m in target.media])
    return TargetInput(
        account_id=account.id,
        parts=parts,
        title=target.title,
        article_url=target.article_url,
        privacy_level=target.privacy_level,
        allow_comment=target.allow_comment,
        allow_duet=target.allow_duet,
        allow_stitch=target.allow_stitch,
    )


def is_brand_persona(persona: str) -> bool:
    """brand_operator, brand_ambassador, brand_ambassador-<company> (or with dashes): a company's voice."""
    return persona.replace("-", "_").startswith(("brand_operator", "brand_ambassador"))


def plan_draft(conn: Conn, member_id: UUID, draft: ReviewedDraft) -> DraftPlan:
    """Resolve each target's account and shape its parts (nothing is stored).

    Raises:
        DraftInputInvalid: a brand persona (its posts go to the company hub, never the personal one);
        InvalidSetting: an unknown platform; ConnectFailed: no such account, or several and no handle given.
        PlanNotFound, PlanSlotRefused: the plan slot is not the member's, or is not planned any more.
    """
    if is_brand_persona(draft.persona):
        raise DraftInputInvalid(
            f"A {draft.persona} post goes to the company's hub, not your personal hub; nothing was saved.",
            "Post it with post_for_company (MCP) or `psn company post` (CLI): it is written to the company hub, "
            "with approval when your role needs it.",
        )
    if draft.plan_slot_id is not None:  # before anything else: a wrong or drafted slot changes nothing
        slot = plan_store.slot_for_draft(conn, draft.plan_slot_id)  # it lends the draft what it was planned for
        series_of = (str(slot.series_id), slot.occurrence_at) if slot.series_id and not draft.series_id else None
        draft = draft.model_copy(
            update={
                "plan_slot_id": slot.id,
                "idea_id": draft.idea_id or slot.idea_id,
                "pillar": draft.pillar or slot.pillar,
                "series_id": series_of[0] if series_of else draft.series_id,
                "occurrence_at": series_of[1] if series_of else draft.occurrence_at,
            }
        )
    for what, value in (("pillar", draft.pillar), ("format", draft.format)):
        if value is not None and not _NAME.match(value):
            raise DraftInputInvalid(
                f"{value!r} is not a {what} name; nothing was saved.", "Use lower case letters, digits, - and _."
            )
    if draft.format is not None:
        check_format(draft.format)  # the format catalog's names only, as for each target's format
    idea_pillar = None
    if draft.idea_id is not None:
        idea = ideas_bank.get_idea(conn, draft.idea_id)  # before anything else: a wrong id changes nothing
        if idea.state not in LIVE:
            raise IdeaTransitionRefused(
                f"Idea {idea.short_id} is {idea.state}: a new post cannot be made from it; nothing was saved.",
                "Capture a new idea (a remix or recycle of it) and draft from that one.",
            )
        idea_pillar = idea.pillar
    series = None
    if draft.series_id is not None:
        series = series_store.get_series(conn, draft.series_id)  # a wrong series changes nothing either
        if series.state == "retired":
            raise SeriesTransitionRefused(
                f"Series {series.slug!r} is retired: no new episodes; nothing was saved.",
                "Save the draft without a series, or create a new series.",
            )
    targets = []
    for target in draft.targets:
        account = pick_account(conn, member_id, target.account)
        if target.format is not None:
            check_format(target.format)  # before anything is stored
        targets.append(
            PlannedTarget(
                account=account,
                target=_target_input(account, target),
                ai_draft=target.ai_draft,
                format=target.format,
            )
        )
    return DraftPlan(
        posting_as=poster_name(conn, member_id), draft=draft, targets=targets, series=series, idea_pillar=idea_pillar
    )


def save_plan(
    conn: Conn, settings: Settings, member_id: UUID, plan: DraftPlan, now: datetime | None = None
) -> PostView:
    """Store the planned post as a draft, and what the voice profile learns from the user's edits. A draft
    made from an idea is linked to it, and the idea moves to developed (``now``: when, default the clock).

    Raises:
        PostInvalid: any target breaks its platform's rules (all problems listed); nothing is stored.
        PostNotFound: an account was removed since the plan was made.
        VoiceInputInvalid: a persona or language name is not well-formed (only with an AI draft).
        IdeaNotFound, IdeaTransitionRefused: the idea is gone or no longer live.
        PlanSlotRefused: the plan slot was drafted meanwhile.
        SeriesNotFound, SeriesTransitionRefused: the series is gone or retired.
    """
    draft = plan.draft
    post = PostInput(
        idea=draft.idea,
        language=draft.language,
        persona=draft.persona,
        origin=draft.origin,
        targets=[planned.target for planned in plan.targets],
    )
    created = create_post(
        conn,
        member_id,
        post,
        timezone=settings.timezone,
        media_dir=settings.workspace / "media",
        media_host=settings.media_host_url,
    )
    if draft.idea_id is not None:
        ideas_bank.develop(conn, draft.idea_id, created.id, now or utcnow())
    if draft.plan_slot_id is not None:
        plan_store.attach_post(conn, draft.plan_slot_id, created.id)
    _record_series(conn, plan, created)
    planned_by_account = {planned.account.id: planned for planned in plan.targets if planned.ai_draft}
    for made in created.targets:  # the user's edits of Claude's drafts: what the voice profile learns from
        planned = planned_by_account.get(made.account_id)
        if planned is not None and planned.ai_draft is not None:
            rendered = made.rendering.parts
            texts = [p.text for p in rendered]
            kinds = [m.kind.value for p in rendered for m in p.media]
            record_edit(
                conn,
                voices_dir(settings.workspace),
                member_id,
                persona=draft.persona,
                language=draft.language,
                platform=made.platform,
                format=planned.format or infer_format(texts, kinds),
                draft=planned.ai_draft,
                final="\n\n".join(texts),
            )
    return created


def _record_series(conn: Conn, plan: DraftPlan, created: PostView) -> None:
    """Link the post to its series, and record its pillar and format (see psn_core.services.series.topics)."""
    draft, series = plan.draft, plan.series
    if series is not None:
        series_store.link_post(conn, series.id, created.id, occurrence_at=draft.occurrence_at)
    first = created.targets[0].rendering.parts if created.targets else []
    named = next((planned.format for planned in plan.targets if planned.format), None)
    shape = infer_format([p.text for p in first], [m.kind.value for p in first for m in p.media])
    pillar = draft.pillar or (series.pillar if series else None) or plan.idea_pillar
    format = draft.format or named or (series.format if series else None) or shape
    topics.record(conn, created.id, pillar=pillar, format=format)


def save_draft(conn: Conn, settings: Settings, member_id: UUID, draft: ReviewedDraft) -> PostView:
    """Plan and save a reviewed draft in one go (see :func:`plan_draft` and :func:`save_plan`).

    Raises:
        InvalidSetting, ConnectFailed: see :func:`plan_draft`; PostInvalid, VoiceInputInvalid: see :func:`save_plan`.
    """
    return save_plan(conn, settings, member_id, plan_draft(conn, member_id, draft))


@dataclass(frozen=True)
class _DraftPost:
    post_id: UUID


def list_drafts(conn: Conn, member_id: UUID) -> list[PostView]:
    """The member's posts saved as drafts and not scheduled yet."""
    rows = sql.many(conn, Q.draft_post_ids, {"member_id": member_id}, _DraftPost)
    return [get_post(conn, member_id, row.post_id) for row in rows]
