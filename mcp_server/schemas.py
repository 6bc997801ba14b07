"""Argument types every tool shares, so one name means one schema: platforms are an enum, ids say what they
are, which tool gives them and their format, times say exactly what psn accepts, and each carries the
description the model reads. Light on purpose (pydantic and the standard library only): tool signatures
use these at registration, before any service is imported.
"""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field

Platform = Literal["x", "linkedin", "instagram", "tiktok"]
PLATFORMS: tuple[Platform, ...] = ("x", "linkedin", "instagram", "tiktok")
PlatformName = Annotated[Platform, Field(description="The platform: x, linkedin, instagram or tiktok.")]
PlatformNames = Annotated[
    list[PlatformName], Field(min_length=1, description="The target platforms: x, linkedin, instagram, tiktok.")
]

PostId = Annotated[UUID, Field(description="A post's id (a UUID), as save_draft, list_drafts or list_queue return it.")]
TargetId = Annotated[
    UUID,
    Field(description="One target's id (a UUID: a post on one account), as list_queue or list_failures return it."),
]
IdeaId = Annotated[UUID, Field(description="An idea's id (a UUID), as capture_idea or list_ideas return it.")]
TrendId = Annotated[UUID, Field(description="A trend's id (a UUID), as list_trends returns it.")]
OpportunityId = Annotated[
    UUID, Field(description="An engagement opportunity's id (a UUID), as list_opportunities returns it.")
]
IdeaIdOrNone = Annotated[
    UUID | None,
    Field(description="The idea (a UUID, from list_ideas) this post is made from; omit when there is none."),
]
PlanSlotIdOrNone = Annotated[
    UUID | None,
    Field(
        description="The weekly plan's slot (a UUID, from plan_week, get_plan or what_to_post) this post is drafted "
        "for; omit when there is none. The slot's idea is used when idea_id is omitted."
    ),
]
PlanWeek = Annotated[
    str | None,
    Field(
        description="The week to plan: any day in it as YYYY-MM-DD, or an ISO week YYYY-Www (weeks start on "
        "Monday, in the user's zone); null for the week ahead (this week; next week on a Sunday)."
    ),
]
SeriesRef = Annotated[
    str,
    Field(min_length=1, max_length=64, description="A series' slug (from list_series) or its id."),
]
SeriesRefOrNone = Annotated[
    str | None,
    Field(
        min_length=1,
        max_length=64,
        description="The series (slug or id, from list_series or series_due) this post is an episode of; "
        "omit when there is none.",
    ),
]
# Notifications and voice suggestions are numbered by the hub (bigint identities), not UUIDs.
NotificationIds = Annotated[
    list[Annotated[int, Field(ge=1)]] | None,
    Field(description="Notification ids (whole numbers, from list_notifications) to mark handled."),
]
SuggestionId = Annotated[
    int, Field(ge=1, description="The suggestion's id (a whole number), as list_voice_suggestions returns it.")
]

# What psn_core.services.posting.schedule_time.resolve accepts, said exactly (no pattern: ISO 8601 with an
# offset comes in many spellings, and words are read by dateparser).
_LOCAL_TIME = (
    "a time in the user's zone, either 'YYYY-MM-DD HH:MM' (24-hour clock, e.g. '2026-03-02 09:00'; "
    "'YYYY-MM-DDTHH:MM' and seconds too), an ISO 8601 time with a UTC offset ('2026-03-02T09:00+01:00', taken "
    "as that instant), or English words with a time of day: 'tomorrow 9am', 'next monday 18:00', "
    "'friday 14:30', '3 april 9am', 'in 2 hours'. Refused, with a message saying what to send instead: "
    "words without a time of day ('tomorrow'), numeric dates other than YYYY-MM-DD ('3/4'), zones in words "
    "('9am UTC'), past times, and a wall time that does not exist or happens twice in the zone (a DST change: "
    "send it with its offset). The answer echoes the time in the user's zone and in UTC. Words are read again at "
    "every call: to confirm a preview, send the exact time its note gives"
)
When = Annotated[str, Field(min_length=1, description=f"When to publish: {_LOCAL_TIME}.")]
SlotTime = Annotated[str, Field(min_length=1, description=f"The slot's time: {_LOCAL_TIME}.")]
NewWhen = Annotated[
    str | None,
    Field(description=f"A new time (needed if the post's own time has passed): {_LOCAL_TIME}. Omit to keep it."),
]
Week = Annotated[
    str | None,
    Field(
        description="An ISO week written YYYY-Www (e.g. 2026-W09; weeks start on Monday) in the user's zone; "
        "null for the last complete week.",
    ),
]
