"""Who may see a post, where the platform has the user choose for every post (TikTok): psn never chooses
for them, and a draft without a choice is refused before anything is stored (a sandbox app posts
privately, which its setting already chose)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from psn_core.platforms.base import Platform

if TYPE_CHECKING:
    from psn_core.services.posting.renderings import Rendering


def check_privacy(cls: type[Platform], rendering: Rendering, *, sandbox: bool) -> list[str]:
    """Why the post's privacy choice does not suit ``cls`` (empty: fine). Where a platform has the user
    choose who sees each post (TikTok), nothing is chosen for them; a sandbox app posts privately."""
    levels = cls.privacy_levels
    chosen = rendering.privacy_level
    if not levels:
        return []
    offered = ", ".join(levels)
    if chosen is None and not sandbox:
        return [
            f"{cls.display_name} needs you to choose who can see this post (one of {offered}); "
            f"`psn auth verify {cls.name}` shows the ones your account offers."
        ]
    if chosen is not None and chosen not in levels:
        return [f"{cls.display_name} has no privacy level {chosen}; choose one of {offered}."]
    return []
