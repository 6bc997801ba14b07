"""psn's settings for a running emulator: one registered app per platform whose redirect URI is psn's
callback on ``callback_port``, exactly as a user registers their own apps. Used by `psn quickstart`, the
tests and the benchmarks, so there is one place that knows how the emulator maps onto hub.env."""

from __future__ import annotations

from psn_core.config import Settings
from psn_core.emulator.app import Emulator
from psn_core.emulator.linkedin import APPROVED_EXTRA_SCOPES
from psn_core.platforms.registry import PLATFORMS


def psn_settings(emu: Emulator, callback_port: int) -> dict[str, object]:
    """Settings overrides (field names, as ``Settings.load`` takes them) for every platform on ``emu``."""
    values: dict[str, object] = {"oauth_callback_port": callback_port}
    for name in PLATFORMS:
        app = emu.create_app(name, redirect_uri=f"http://127.0.0.1:{callback_port}/callback")
        fields = Settings.app_fields(name)
        if fields.sandbox:
            values[fields.sandbox] = True
        values[fields.client_id] = app.client_id
        values[fields.client_secret] = app.client_secret
        values[fields.api_base_url] = emu.url_for(name)
        if fields.extra_scopes:  # the emulator's apps are approved like a select developer's app
            values[fields.extra_scopes] = APPROVED_EXTRA_SCOPES
    return values


def as_env(values: dict[str, object]) -> dict[str, str]:
    """The same settings as PSN_* environment variables (or hub.env lines)."""
    return {f"PSN_{k.upper()}": str(v).lower() if isinstance(v, bool) else str(v) for k, v in values.items()}
