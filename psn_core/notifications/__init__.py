"""Notifications that are never lost: stored in the hub first, then delivered by WhatsApp (WAHA or Twilio),
with the CLI as the fallback that always works.

* :mod:`.store` -- ``notify`` (store first, dedup of repeats), listing, ``pending_critical``, ``acknowledge``
* :mod:`.policy` -- tiers, quiet hours in the member's zone, threshold, daily cap
* :mod:`.delivery` -- ``deliver_pending`` (in order, every attempt recorded), ``ping_transport`` (backlog mode)
* :mod:`.digest` -- ``build_digest``: ENGAGEMENT items as one message a day at the member's digest hour
* :mod:`.transports` -- the WAHA and Twilio clients
"""

from psn_core.notifications.delivery import deliver_pending, ping_transport, send_now
from psn_core.notifications.digest import build_digest
from psn_core.notifications.models import Notification, Prefs, Tier
from psn_core.notifications.store import acknowledge, notify, pending_critical

__all__ = [
    "Notification",
    "Prefs",
    "Tier",
    "acknowledge",
    "build_digest",
    "deliver_pending",
    "notify",
    "pending_critical",
    "ping_transport",
    "send_now",
]
