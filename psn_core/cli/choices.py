"""The fixed choices the commands' options offer, as plain tuples: click reads them when a command module
loads (for its --help too), so they must not import the platforms, the hub or pydantic. A unit test
checks each against its source (the platform registry, the company roles, the notification tiers)."""

from __future__ import annotations

PLATFORM_NAMES = ("x", "linkedin", "instagram", "tiktok")  # psn_core.platforms.registry.PLATFORMS, in order
COMPANY_ROLES = ("admin", "editor", "contributor")  # psn_core.services.company.members.ROLES
NOTIFICATION_TIERS = ("critical", "standard", "engagement")  # psn_core.notifications.models.Tier values
