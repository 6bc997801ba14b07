"""The emulator as the dry run's sandbox (psn_core.services.posting.dry_run.Sandbox).

The one module through which production code reaches the emulator: the publish preview runs the real
platform clients against a throwaway emulator so the user sees the exact requests a post would send.
The edges pass :func:`open_sandbox` to the service; the import contracts in pyproject.toml allow this
module, and only this one, to the preview's edge.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pydantic import SecretStr

from psn_core.emulator.app import Emulator
from psn_core.emulator.records import RecordedRequest
from psn_core.emulator.runtime import EmulatorConfig
from psn_core.platforms.models import PlatformConfig


class EmulatorSandbox:
    """A running emulator seen as the dry run's sandbox: default test app and account per platform."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    @property
    def requests(self) -> list[RecordedRequest]:
        return self.emulator.requests

    def platform_config(self, platform: str, *, sandbox: bool) -> PlatformConfig:
        app = self.emulator.default_app(platform)
        return PlatformConfig(
            client_id=app.client_id,
            client_secret=SecretStr(app.client_secret),
            base_url=self.emulator.url_for(platform),
            media_host_url=f"{self.emulator.base_url}/_media/",
            sandbox=sandbox,
            poll_interval=0.0,
        )

    def access_token(self, platform: str) -> str:
        return self.emulator.grant_tokens(platform).access_token

    def host_media(self, name: str, content: bytes, content_type: str) -> str:
        return self.emulator.host_media(name, content, content_type)

    def clear_requests(self) -> None:
        self.emulator.clear_requests()


@contextmanager
def open_sandbox() -> Iterator[EmulatorSandbox]:
    """A throwaway emulator on a free loopback port (media processing is instant), stopped afterwards."""
    with Emulator(config=EmulatorConfig(processing_seconds=0)) as emulator:
        yield EmulatorSandbox(emulator)
