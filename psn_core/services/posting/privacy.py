"""Who may see a post, where the platform has the user choose for every post (TikTok): psn never chooses
for them, and a draft without a choice is refused before anything is stored (a sandbox app posts
privately, which its setting already chose)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from psn_core.platforms.base import Platform
from psn_core.services.posting.draft_rules import privacy_problems

if TYPE_CHECKING:
    from psn_core.services.posting.renderings import Rendering


def check_privacy(cls: type[Platform], rendering: Rendering, *, sandbox: bool) -> list[str]:
    """Why the post's privacy choice does not suit ``cls`` (empty: fine). Where a platform has the user
    choose who sees each post (TikTok), nothing is chosen for them; a sandbox app posts privately."""
    return privacy_problems(cls, rendering.privacy_level, sandbox=sandbox)
