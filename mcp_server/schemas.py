"""Argument types every tool shares, so one name means one schema: platforms are an enum, ids say
which tool gives them, and each carries the description the model reads."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field

Platform = Literal["x", "linkedin", "instagram", "tiktok"]
PlatformName = Annotated[Platform, Field(description="The platform: x, linkedin, instagram or tiktok.")]
PostId = Annotated[UUID, Field(description="A post's id (a UUID), as save_draft, list_drafts or list_queue return it.")]
TargetId = Annotated[
    UUID,
    Field(description="One target's id (a UUID: a post on one account), as list_queue or list_failures return it."),
]
