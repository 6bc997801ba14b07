"""Calling a platform for a member's account: tokens refreshed as needed, every request within the account's budget.

The analytics sweep, the engagement sweep and the reply sender share this shape: a :class:`PlatformCaller`
holds the hub, the settings, a :class:`~psn_core.services.accounts.tokens.TokenService`, the clock and the
sleep; :meth:`PlatformCaller.client` opens an account's platform client whose every request goes through a
:class:`~psn_core.services.accounts.budgets.BudgetGate` at a priority (BACKGROUND reads stop at the reserve
kept for publishing; CRITICAL sends may use it).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from psn_core.config import Settings
from psn_core.crypto import Keyring
from psn_core.hub.database import Hub
from psn_core.platforms.base import Platform
from psn_core.platforms.registry import PLATFORMS
from psn_core.services.accounts.accounts import platform_config
from psn_core.services.accounts.budgets import BudgetGate, Priority
from psn_core.services.accounts.tokens import TokenService
from psn_core.timefmt import utcnow


def budgeted_client(
    hub: Hub,
    settings: Settings,
    member_id: UUID,
    account_id: UUID,
    platform: str,
    priority: Priority,
    clock: Callable[[], datetime],
    sleep: Callable[[float], None] = time.sleep,
) -> Platform:
    """A client of ``platform`` (use it in ``with``) whose requests spend ``account_id``'s budget at ``priority``."""
    cls = PLATFORMS[platform]
    gate = BudgetGate(hub, member_id, account_id, priority, clock)
    return cls(platform_config(settings, cls.name), gate=gate, sleep=sleep)


class PlatformCaller:
    """Base of the services that call platforms for one hub's members. Safe in several workers at once."""

    def __init__(
        self,
        hub: Hub,
        settings: Settings,
        ring: Keyring,
        *,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.hub, self.settings, self.ring, self.clock, self.sleep = hub, settings, ring, clock, sleep
        self.tokens = TokenService(hub, settings, ring, clock=clock, sleep=sleep)

    def client(self, member_id: UUID, account_id: UUID, platform: str, priority: Priority) -> Platform:
        """See :func:`budgeted_client` (with this caller's clock and sleep)."""
        return budgeted_client(
            self.hub, self.settings, member_id, account_id, platform, priority, self.clock, self.sleep
        )
