"""Every platform psn knows, by name. A plain dict: services look platforms up here."""

from __future__ import annotations

from psn_core.platforms.base import Platform
from psn_core.platforms.instagram import InstagramPlatform
from psn_core.platforms.linkedin import LinkedInPlatform
from psn_core.platforms.tiktok import TikTokPlatform
from psn_core.platforms.x import XPlatform

PLATFORMS: dict[str, type[Platform]] = {
    XPlatform.name: XPlatform,
    LinkedInPlatform.name: LinkedInPlatform,
    InstagramPlatform.name: InstagramPlatform,
    TikTokPlatform.name: TikTokPlatform,
}
