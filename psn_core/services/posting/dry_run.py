"""A dry run of publishing: the exact HTTP requests psn's platform clients would send for a post.

The real clients run, unchanged, against a throwaway local sandbox of the platforms (nothing leaves
the machine), and every request they send is captured: method, path and body. Ids and tokens in the
capture are the sandbox's; everything else is what the platform would receive. Media bytes are
summarised by size. The edges pass the sandbox (psn_core.emulator.sandbox, backed by the emulator):
services never import the emulator.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel

from psn_core.media.store import read_media
from psn_core.platforms.models import (
    MediaRef,
    MediaTransfer,
    PlatformConfig,
    UploadRequest,
)
from psn_core.platforms.registry import PLATFORMS
from psn_core.services.posting.renderings import Rendering


class SentRequest(Protocol):
    """One request the sandbox received."""

    @property
    def endpoint(self) -> str: ...
    @property
    def method(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def query(self) -> dict[str, str]: ...
    @property
    def body(self) -> str: ...


class Sandbox(Protocol):
    """A throwaway local stand-in for the four platforms' APIs that records every request it receives."""

    @property
    def requests(self) -> Sequence[SentRequest]: ...

    def platform_config(self, platform: str, *, sandbox: bool) -> PlatformConfig:
        """The client settings that point ``platform``'s real client at this sandbox."""
        ...

    def access_token(self, platform: str) -> str:
        """A valid access token of a test account on ``platform``."""
        ...

    def host_media(self, name: str, content: bytes, content_type: str) -> object:
        """Serve ``content`` at the media host URL + ``name`` (for platforms that fetch media by URL)."""
        ...

    def clear_requests(self) -> None: ...


# Opens a fresh sandbox for one dry run, closed afterwards.
OpenSandbox = Callable[[], AbstractContextManager[Sandbox]]


class CapturedRequest(BaseModel):
    method: str
    path: str
    query: dict[str, str]
    body: str


def dry_run(
    platform: str, rendering: Rendering, media_dir: Path, *, sandbox: bool, open_sandbox: OpenSandbox
) -> list[CapturedRequest]:
    """Every request (except token traffic) publishing ``rendering`` on ``platform`` would send, run
    against a sandbox from ``open_sandbox`` (``sandbox``: the platform app's own sandbox mode).

    Raises:
        MediaReferenceRefused: a media item is not a checked content-addressed file (nothing is read).
        PlatformError: the client itself refuses the post (for instance, too long); the same error the
            real publish would raise before or at its first request.
    """
    cls = PLATFORMS[platform]
    media = {item.path: read_media(media_dir, item.path) for part in rendering.parts for item in part.media}
    with open_sandbox() as emu:
        config = emu.platform_config(platform, sandbox=sandbox)
        token = emu.access_token(platform)
        for part in rendering.parts:
            for item in part.media:
                emu.host_media(item.path, media[item.path], item.mime_type)
        emu.clear_requests()
        with cls(config, sleep=lambda _seconds: None) as client:
            previous: str | None = None
            for index, part in enumerate(rendering.parts):
                refs = []
                for item in part.media:
                    transfer = cls.transfer_for(item.kind)
                    if transfer is MediaTransfer.URL:
                        refs.append(MediaRef(kind=item.kind, url=item.path, alt_text=item.alt_text, title=item.title))
                        continue
                    post = rendering.publish_request(index, previous=previous)
                    upload = UploadRequest(
                        kind=item.kind,
                        mime_type=item.mime_type,
                        total_bytes=item.size_bytes,
                        alt_text=item.alt_text,
                        post=post if transfer is MediaTransfer.UPLOAD_WITH_POST else None,
                    )
                    refs.append(client.upload_media(token, upload, media[item.path]))
                result = client.publish(token, rendering.publish_request(index, tuple(refs), previous))
                previous = result.post_id
        prefix = f"/{platform}"
        return [
            CapturedRequest(method=r.method, path=r.path.removeprefix(prefix), query=r.query, body=r.body)
            for r in emu.requests
            if r.method != "GET" and r.endpoint not in {"token", "authorize"}
        ]
