"""Learning from the user's edits on CLI paths that post outside the personal hub (company posts)."""

from __future__ import annotations

from psn_core.cli.context import Ctx


def learn_edit(
    obj: Ctx, persona: str, language: str, targets: list[str], fmt: str | None, draft: str, final: str, media: list[str]
) -> None:
    """Your edits of a drafted company post, learned in your personal hub (never the company's)."""
    from psn_core.hub.database import Hub
    from psn_core.services.voice.files import voices_dir
    from psn_core.services.voice.learning import record_post_edits

    with Hub.open(obj.settings) as hub, hub.transaction(obj.member_id) as conn:
        record_post_edits(
            conn,
            voices_dir(obj.workspace),
            obj.member_id,
            persona=persona,
            language=language,
            accounts=targets,
            format=fmt,
            draft=draft,
            final=final,
            media=media,
        )
