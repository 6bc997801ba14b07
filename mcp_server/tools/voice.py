"""Voice tools: the user's voice profiles (voices/<persona>.yaml), onboarding, the profile changes psn
learned from their edits, and how much they still edit psn's drafts."""

from __future__ import annotations

from typing import Annotated, Literal

from mcp.server import MCPServer
from pydantic import BaseModel, Field

from mcp_server.context import ServerContext
from mcp_server.errors import psn_tool
from mcp_server.schemas import SuggestionId
from mcp_server.tools import read_only, writes
from psn_core.services.voice import learning as service
from psn_core.services.voice.baseline import ImportResult
from psn_core.services.voice.files import (
    DEFAULT_PERSONA,
    ProfilePatch,
    ProfileSummary,
    ProfileWritten,
    describe_profile,
    init_profile,
    update_profile,
)
from psn_core.services.voice.files import add_anti_pattern as add_pattern
from psn_core.services.voice.report import VoiceReport, voice_report
from psn_core.voice import CoreAnswers
from psn_core.voice.anti_patterns import AntiPattern

Persona = Annotated[
    str,
    Field(
        description="personal (you), brand_operator (the company), brand_ambassador (you within company rules); "
        "add -<company> with more than one company, e.g. brand-ambassador-acme."
    ),
]


class Suggestions(BaseModel):
    suggestions: list[service.StoredSuggestion]


def register(server: MCPServer, ctx: ServerContext) -> None:
    @server.tool(annotations=read_only("Voice profile"))
    @psn_tool
    def get_voice_profile(persona: Persona = DEFAULT_PERSONA) -> ProfileSummary:
        """Summarise a voice profile: traits, languages (sentence length, vocabulary, never-use words),
        platforms, anti-patterns and guardrails. A broken file comes back with each problem's field and line."""
        return describe_profile(ctx.voices, persona)

    @server.tool(annotations=writes("Update the voice profile", destructive=True, idempotent=True))
    @psn_tool
    def update_voice_profile(
        patch: Annotated[ProfilePatch, Field(description="What to change; fields left empty change nothing.")],
        persona: Persona = DEFAULT_PERSONA,
    ) -> ProfileSummary:
        """Change the user's profile as they asked: traits (0-10), never-use words and signature phrases of a
        language, or a platform's style. Only what the patch names changes; the file keeps its other keys."""
        update_profile(ctx.voices, patch, persona)
        return describe_profile(ctx.voices, persona)

    @server.tool(annotations=writes("Add an anti-pattern", destructive=False, idempotent=True))
    @psn_tool
    def add_anti_pattern(
        pattern: Annotated[AntiPattern, Field(description="A phrase, a regular expression or a limit.")],
        persona: Persona = DEFAULT_PERSONA,
    ) -> ProfileSummary:
        """Add something the user never does (a phrase, a regex, or a limit such as max_lists) to their
        profile; check_draft flags it from then on. Adding the same one twice changes nothing."""
        add_pattern(ctx.voices, pattern, persona)
        return describe_profile(ctx.voices, persona)

    @server.tool(annotations=writes("Create the personal voice profile", destructive=True, idempotent=False))
    @psn_tool
    def init_voice_profile(
        answers: Annotated[CoreAnswers, Field(description="The user's answers to the three onboarding questions.")],
        replace: Annotated[
            bool, Field(description="Overwrite an existing personal profile. Ask the user first.")
        ] = False,
    ) -> ProfileWritten:
        """Write voices/personal.yaml from the three onboarding answers: how the user talks when posting
        (friends, between, work), a sample of their own writing, and words they never use. Refuses to
        overwrite an existing profile unless replace is true. Then offer init_strategy: it sets the user's
        content pillars, posts per week and times from the same answers."""
        return init_profile(ctx.voices, answers, force=replace)

    @server.tool(annotations=read_only("Voice suggestions"))
    @psn_tool
    def list_voice_suggestions(
        status: Annotated[
            Literal["pending", "accepted", "dismissed"] | None, Field(description="Which ones; null for all.")
        ] = "pending",
        persona: Annotated[str | None, Field(description="Only this persona's; null for all.")] = None,
    ) -> Suggestions:
        """Profile changes psn proposes from the user's edits to its drafts (a word they keep removing,
        a sentence length they keep choosing), with the evidence for each."""
        member = ctx.member_id
        with ctx.hub.transaction(member) as conn:
            return Suggestions(suggestions=service.list_suggestions(conn, member, status=status, persona=persona))

    @server.tool(annotations=writes("Accept a voice suggestion", destructive=True, idempotent=True))
    @psn_tool
    def accept_voice_suggestion(suggestion_id: SuggestionId) -> service.AcceptedSuggestion:
        """Apply a pending suggestion to its voice profile file (a sentence-length target replaces the
        old one). Only when the user accepts it."""
        member = ctx.member_id
        with ctx.hub.transaction(member) as conn:
            return service.accept_suggestion(conn, ctx.voices, member, suggestion_id)

    @server.tool(annotations=writes("Dismiss a voice suggestion", destructive=False, idempotent=True))
    @psn_tool
    def dismiss_voice_suggestion(suggestion_id: SuggestionId) -> service.StoredSuggestion:
        """Dismiss a pending suggestion; psn will not propose the same change again."""
        member = ctx.member_id
        with ctx.hub.transaction(member) as conn:
            return service.dismiss_suggestion(conn, member, suggestion_id)

    @server.tool(annotations=writes("Import voice samples", destructive=False, idempotent=True, open_world=True))
    @psn_tool
    def import_voice_samples(
        text: Annotated[
            str | None,
            Field(description="Posts the user wrote and pasted, separated by blank lines (or lines of ---)."),
        ] = None,
        url: Annotated[
            str | None, Field(description="A public http(s) page the user wrote (their blog post, their profile).")
        ] = None,
        from_x: Annotated[bool, Field(description="Read the user's own recent X posts (connected account).")] = False,
        language: Annotated[str, Field(description="The language the texts are written in: en, es ...")] = "en",
        persona: Persona = DEFAULT_PERSONA,
    ) -> ImportResult:
        """Store the user's own writing (pasted text, a public web page, or their recent X posts: one source
        per call) as the baseline voice match compares drafts with. Only text the user says they wrote;
        never a page they did not write. Importing the same text again changes nothing."""
        from psn_core.errors import ToolArgumentsInvalid
        from psn_core.services.voice import imports

        given = [name for name, on in (("text", text), ("url", url), ("from_x", from_x)) if on]
        if len(given) != 1:
            raise ToolArgumentsInvalid(
                f"Give exactly one source; got {', '.join(given) or 'none'}.", "Pass text, url, or from_x: true."
            )
        member = ctx.member_id
        if from_x:
            return imports.import_x(ctx.hub, ctx.settings, ctx.ring, member, persona=persona, language=language)
        if url is not None:
            return imports.import_url(ctx.hub, member, url, persona=persona, language=language)
        return imports.import_text(ctx.hub, member, text or "", persona=persona, language=language)

    @server.tool(annotations=read_only("Voice report"))
    @psn_tool
    def get_voice_report() -> VoiceReport:
        """How much the user still edits psn's drafts: the edit-ratio trend by week (in the user's zone)
        and per persona and language, once 10 approvals are recorded."""
        member = ctx.member_id
        with ctx.hub.transaction(member) as conn:
            return voice_report(conn, member, timezone=ctx.settings.timezone)
