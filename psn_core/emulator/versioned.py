"""Graph API paths carry a version (``/v21.0/me``); the emulator serves any version the same way."""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Receive, Scope, Send

_VERSION = re.compile(r"^/v\d+\.\d+(?=/|$)")


class StripGraphVersion:
    """ASGI wrapper removing a leading ``/vNN.N`` segment below the mount point."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            root = scope.get("root_path", "")
            path: str = scope["path"]
            rest = path[len(root) :] if path.startswith(root) else path
            match = _VERSION.match(rest)
            if match:
                new_path = root + (rest[match.end() :] or "/")
                scope = {**scope, "path": new_path, "raw_path": new_path.encode(), "psn.original_path": path}
        await self.app(scope, receive, send)
