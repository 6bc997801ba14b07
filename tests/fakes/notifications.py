"""Helpers for the notification tests: members in a zone, and a hub wired to a fake WAHA or Twilio."""

from __future__ import annotations

import uuid
from datetime import time

from pydantic import SecretStr

from psn_core.config import Settings
from psn_core.notifications.models import Tier
from psn_core.services.notifications import PrefsUpdate, TransportSetup, configure_transport, update_prefs
from tests.fakes.twilio import FakeTwilio
from tests.fakes.waha import FakeWaha
from tests.support.hubs import HubEnv, new_member

PHONE = "+34 600 111 222"


def member_in(env: HubEnv, timezone: str = "UTC", name: str = "Ana") -> uuid.UUID:
    member = new_member(env.hub, name)
    with env.hub.transaction(member) as conn:
        conn.execute("UPDATE members SET timezone = %s WHERE id = %s", [timezone, member])
    return member


def use_waha(
    env: HubEnv,
    member: uuid.UUID,
    waha: FakeWaha,
    *,
    quiet: tuple[time, time] | None = None,
    threshold: Tier | None = None,
    daily_cap: int | None = None,
    digest_hour: int | None = None,
) -> Settings:
    settings = env.settings.model_copy(update={"waha_base_url": waha.base_url, "notify_timeout": 2.0})
    configure_transport(
        settings, env.hub, member, TransportSetup(transport="waha", recipient=PHONE, secret=SecretStr(waha.api_key))
    )
    _prefs(env, member, quiet, threshold, daily_cap, digest_hour)
    return settings


def use_twilio(env: HubEnv, member: uuid.UUID, twilio: FakeTwilio, **prefs: object) -> Settings:
    settings = env.settings.model_copy(
        update={
            "twilio_base_url": twilio.base_url,
            "twilio_account_sid": twilio.account_sid,
            "twilio_from_number": twilio.from_address.removeprefix("whatsapp:"),
            "notify_timeout": 2.0,
        }
    )
    configure_transport(
        settings,
        env.hub,
        member,
        TransportSetup(transport="twilio", recipient=PHONE, secret=SecretStr(twilio.auth_token)),
    )
    return settings


def _prefs(
    env: HubEnv,
    member: uuid.UUID,
    quiet: tuple[time, time] | None,
    threshold: Tier | None,
    daily_cap: int | None,
    digest_hour: int | None,
) -> None:
    quiet_text = f"{quiet[0]:%H:%M}-{quiet[1]:%H:%M}" if quiet else None
    update_prefs(
        env.hub,
        member,
        PrefsUpdate(quiet_hours=quiet_text, threshold=threshold, daily_cap=daily_cap, digest_hour=digest_hour),
    )
