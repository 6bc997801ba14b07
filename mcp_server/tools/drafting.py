"""Drafting tools: what the writer needs before writing a post, and checking a draft before the user
reviews it. Neither stores anything; drafts are saved with the posting flow."""

from __future__ import annotations

from typing import Annotated

from mcp.server import MCPServer
from pydantic import Field

from mcp_server.context import ServerContext
from mcp_server.errors import psn_tool
from mcp_server.schemas import PLATFORMS, PlatformName, PlatformNames, SeriesRefOrNone
from mcp_server.tools import read_only
from mcp_server.tools.voice import Persona
from psn_core.errors import PSNError
from psn_core.services.posting import drafts as service
from psn_core.services.voice.baseline import VoiceMatchCheck
from psn_core.services.voice.context import DraftContext
from psn_core.services.voice.files import DEFAULT_PERSONA

Language = Annotated[str, Field(description="The language the post is written in, as a code: en, es, pt-BR ...")]


def register(server: MCPServer, ctx: ServerContext) -> None:
    @server.tool(annotations=read_only("Drafting context"))
    @psn_tool
    def get_draft_context(
        platform: PlatformName,
        language: Language,
        persona: Persona = DEFAULT_PERSONA,
        series: SeriesRefOrNone = None,
    ) -> DraftContext:
        """Everything needed to draft one post in the user's voice: the profile's section for this persona
        and language, the platform's rules and limits, anti-patterns to avoid, never-use words, and a
        recommended format chosen to vary from recent posts; with series, the series' template and the next
        episode's label. Write natively in the language; never translate another language's voice. Call it
        before drafting."""
        return service.drafting_context(
            ctx.hub, ctx.voices, ctx.member_id, platform=platform, language=language, persona=persona, series=series
        )

    @server.tool(annotations=read_only("Check a draft"))
    @psn_tool
    def check_draft(
        text: Annotated[str, Field(description="The draft's text, exactly as it would be posted.")],
        platforms: PlatformNames,
        language: Language,
        persona: Persona = DEFAULT_PERSONA,
        media_count: Annotated[int, Field(ge=0, description="How many images or videos go with it.")] = 0,
        split_into_thread: Annotated[
            bool, Field(description="Check it as save_draft with split_into_thread would save it: a thread.")
        ] = False,
        privacy_level: Annotated[
            str | None, Field(description="TikTok: who can see the post, as the user chose it (see save_draft).")
        ] = None,
    ) -> service.DraftCheck:
        """Check a draft against each target platform by the rules save_draft applies, with the same options:
        its length as that platform counts it (X weighs links and emoji), the thread a too-long X post becomes
        (ok only with split_into_thread, as save_draft), the media count against the platform's limits,
        TikTok's privacy choice, a naturalness score (0-100, with each AI tell found and where) and a voice match
        score (0-100: how close it is to the user's own writing, with each habit that is off). Show the
        result to the user with the draft; fix what it flags before they review it."""
        settings = ctx.settings
        options = service.DraftOptions(
            media_count=media_count,
            split_into_thread=split_into_thread,
            privacy_level=privacy_level,
            sandboxed=frozenset(name for name in PLATFORMS if settings.app(name).sandbox),
        )
        checked = service.check_draft(
            ctx.voices, text, platforms=platforms, language=language, persona=persona, options=options
        )
        try:
            return service.add_voice_match(ctx.hub, ctx.member_id, checked, text)
        except PSNError as exc:  # voice match needs the hub; the targets and naturalness stand without it
            skipped = VoiceMatchCheck(report=None, note=f"Voice match was skipped: {exc.message}")
            return checked.model_copy(update={"voice_match": skipped})
