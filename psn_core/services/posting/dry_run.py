"""A dry run of publishing: the exact HTTP requests psn's platform clients would send for a post.

The real clients run, unchanged, against a throwaway in-process emulator of the platforms (nothing
leaves the machine), and every request they send is captured: method, path and body. Ids and tokens in
the capture are the emulator's; everything else is what the platform would receive. Media bytes are
summarised by size.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, SecretStr

from psn_core.emulator import Emulator, EmulatorConfig
from psn_core.platforms.models import (
    MediaRef,
    MediaTransfer,
    PlatformConfig,
    UploadRequest,
)
from psn_core.platforms.registry import PLATFORMS
from psn_core.services.posting.posts import Rendering


class CapturedRequest(BaseModel):
    method: str
    path: str
    query: dict[str, str]
    body: str


def dry_run(platform: str, rendering: Rendering, media_dir: Path, *, sandbox: bool) -> list[CapturedRequest]:
    """Every request (except token traffic) publishing ``rendering`` on ``platform`` would send.

    Raises:
        PlatformError: the client itself refuses the post (for instance, too long); the same error the
            real publish would raise before or at its first request.
    """
    cls = PLATFORMS[platform]
    with Emulator(config=EmulatorConfig(processing_seconds=0)) as emu:
        app, token = emu.default_app(platform), emu.grant_tokens(platform).access_token
        config = PlatformConfig(
            client_id=app.client_id,
            client_secret=SecretStr(app.client_secret),
            base_url=emu.url_for(platform),
            media_host_url=f"{emu.base_url}/_media/",
            sandbox=sandbox,
            poll_interval=0.0,
        )
        for part in rendering.parts:
            for item in part.media:
                emu.host_media(item.path, (media_dir / item.path).read_bytes(), item.mime_type)
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
                    refs.append(client.upload_media(token, upload, (media_dir / item.path).read_bytes()))
                result = client.publish(token, rendering.publish_request(index, tuple(refs), previous))
                previous = result.post_id
        prefix = f"/{platform}"
        return [
            CapturedRequest(method=r.method, path=r.path.removeprefix(prefix), query=r.query, body=r.body)
            for r in emu.requests
            if r.method != "GET" and r.endpoint not in {"token", "authorize"}
        ]
