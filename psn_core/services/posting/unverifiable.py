"""A publish whose outcome is unknown on an account whose scopes do not let psn list its posts.

psn never re-sends blindly, and here it cannot look either (LinkedIn grants r_member_social, which reading
one's own posts needs, to approved apps only). So a person looks: the target ends needs_attention with a
critical notification quoting the post and linking the account's activity page, and the attempt is
handed over (ledger ``abandoned``) so that `psn retry`, the user's decision, sends it again.
"""

from __future__ import annotations

from uuid import UUID

from psn_core.errors import OutcomeUnverifiable
from psn_core.platforms.base import Platform

EXCERPT = 280


def unverifiable(
    cls: type[Platform], target_id: UUID, index: int, text: str, missing: tuple[str, ...]
) -> OutcomeUnverifiable:
    """The error that sends the decision to the user, with what they need to make it."""
    quoted = text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"
    part = f" (part {index + 1})" if index else ""
    where = cls.activity_url or f"your {cls.display_name} account"
    message = (
        f"{cls.display_name} did not confirm whether your post{part} went out, and psn cannot read your posts "
        f"to check: that needs the {', '.join(missing)} permission, which {cls.display_name} grants to approved "
        f'apps only. The post: "{quoted}"'
    )
    action = (
        f"Look for it on {where}. If it is there, nothing to do (psn will not send it again); "
        f"if it is missing, run `psn retry {target_id}`."
    )
    return OutcomeUnverifiable(message, action, platform=cls.name)
