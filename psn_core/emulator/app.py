"""The emulator as a running thing: a Starlette app served by uvicorn on 127.0.0.1.

``Emulator`` runs it in a background thread for tests (ephemeral port); ``serve`` blocks for the CLI.
Platforms are mounted under ``/x``, ``/linkedin``, ``/instagram`` and ``/tiktok``; ``/_media/{name}``
serves bytes registered with :meth:`Emulator.host_media` so media-by-URL flows work offline.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterable
from types import TracebackType

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route

from psn_core.emulator.clock import Clock, system_clock
from psn_core.emulator.faults import PLATFORMS, FaultBook, FaultSpec, parse_fault_spec
from psn_core.emulator.instagram import InstagramEmulator
from psn_core.emulator.linkedin import LinkedInEmulator
from psn_core.emulator.oauth import TestApp, TestUser, TokenGrant
from psn_core.emulator.records import RecordedRequest, RequestLog
from psn_core.emulator.routing import PlatformEmulator
from psn_core.emulator.runtime import EmulatorConfig, ResponseHold, World
from psn_core.emulator.tiktok import TikTokEmulator
from psn_core.emulator.versioned import StripGraphVersion
from psn_core.emulator.x import XEmulator

DEFAULT_REDIRECT_URI = "http://127.0.0.1:8765/callback"
_START_TIMEOUT = 10.0


class FaultControl:
    """Python-side fault control: ``emu.faults.add("x:401*2")``."""

    def __init__(self, emulator: Emulator) -> None:
        self._emulator = emulator
        self._book = emulator.world.faults

    def add(self, spec: str | FaultSpec) -> FaultSpec:
        """Queue a fault (``revoke_token`` acts at once).

        Raises:
            ValueError: for a malformed spec or an endpoint the platform does not have.
        """
        parsed = parse_fault_spec(spec) if isinstance(spec, str) else spec
        platform = self._emulator.platform(parsed.platform)
        if parsed.endpoint is not None and parsed.endpoint not in {e.name for e in platform.endpoints()}:
            raise ValueError(f"{parsed.platform} has no endpoint named {parsed.endpoint!r}")
        if parsed.kind == "revoke_token":
            with self._emulator.world.lock:
                platform.oauth.revoke_user(None)
        else:
            self._book.add(parsed)
        return parsed

    def clear(self) -> None:
        self._book.clear()

    def pending(self) -> list[FaultSpec]:
        return self._book.pending()


class Emulator:
    """Loopback emulator of X, LinkedIn, Instagram and TikTok. Use as a context manager."""

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        config: EmulatorConfig | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: Iterable[str] = (),
    ) -> None:
        self.world = World(
            clock=clock or system_clock,
            config=config or EmulatorConfig(),
            faults=FaultBook(),
            log=RequestLog(),
            hold=ResponseHold(),
        )
        self._host, self._port = host, port
        self._platforms: dict[str, PlatformEmulator] = {
            "x": XEmulator(self.world),
            "linkedin": LinkedInEmulator(self.world),
            "instagram": InstagramEmulator(self.world),
            "tiktok": TikTokEmulator(self.world),
        }
        self._media: dict[str, tuple[bytes, str]] = {}
        self.faults = FaultControl(self)
        for spec in faults:
            self.faults.add(spec)
        self._defaults: dict[str, tuple[TestApp, TestUser]] = {}
        for name in PLATFORMS:
            user = self.create_user(name)
            self._defaults[name] = (self.create_app(name), user)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        """Bind 127.0.0.1 (ephemeral port by default) and serve in a daemon thread.

        Raises:
            RuntimeError: if already started or the server did not come up in time.
        """
        if self._thread is not None:
            raise RuntimeError("emulator already started")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self._host, self._port))
        self._port = sock.getsockname()[1]
        self.world.base_url = f"http://{self._host}:{self._port}"
        self.world.hold.reset()
        config = uvicorn.Config(
            self.build_app(),
            log_level="warning",
            lifespan="off",
            timeout_graceful_shutdown=2,
            access_log=False,
        )
        self._server = uvicorn.Server(config)
        server = self._server
        self._thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="psn-emulator")
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the emulator server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        """Release held answers, stop the server and wait for its thread."""
        self.world.hold.release_all()
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server, self._thread = None, None

    def __enter__(self) -> Emulator:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- addresses ---------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>`` once started."""
        return self.world.base_url

    def url_for(self, platform: str) -> str:
        """Base URL of one platform's API, e.g. ``<base>/x``.

        Raises:
            KeyError: for an unknown platform name.
        """
        self.platform(platform)
        return f"{self.base_url}/{platform}"

    def platform(self, name: str) -> PlatformEmulator:
        """Raises: KeyError for an unknown platform name."""
        if name not in self._platforms:
            raise KeyError(f"unknown platform {name!r}; expected one of {', '.join(PLATFORMS)}")
        return self._platforms[name]

    # -- observation -------------------------------------------------------------------------
    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, secrets masked to their last 4 characters."""
        return self.world.log.snapshot()

    def wait_for_requests(self, count: int, timeout: float = 5.0) -> bool:
        """Block until ``count`` requests have arrived (an event, not a sleep); False on timeout."""
        return self.world.log.wait_for(count, timeout)

    def clear_requests(self) -> None:
        self.world.log.clear()

    @property
    def clock(self) -> Clock:
        return self.world.clock

    # -- test fixtures -----------------------------------------------------------------------
    def create_app(self, platform: str, *, redirect_uri: str = DEFAULT_REDIRECT_URI, audited: bool = False) -> TestApp:
        """Register a developer app (client id + secret) on one platform."""
        with self.world.lock:
            return self.platform(platform).oauth.add_app(redirect_uri, audited=audited)

    def create_user(self, platform: str, *, username: str | None = None) -> TestUser:
        """Create an account; the first one of each platform approves authorize requests."""
        with self.world.lock:
            return self.platform(platform).create_user(username)

    def default_app(self, platform: str) -> TestApp:
        return self._defaults[platform][0]

    def default_user(self, platform: str) -> TestUser:
        return self._defaults[platform][1]

    def sign_in(self, platform: str, user: TestUser) -> None:
        """Make ``user`` the one who approves the next authorize requests."""
        with self.world.lock:
            self.platform(platform).oauth.approving_user = user.user_id

    def issue_code(
        self,
        platform: str,
        *,
        app: TestApp | None = None,
        user: TestUser | None = None,
        scope: str = "",
        code_challenge: str | None = None,
        code_challenge_method: str = "S256",
    ) -> str:
        """An authorization code ready to exchange, as if the user had approved in a browser."""
        target = self.platform(platform)
        app = app or self.default_app(platform)
        user = user or self.default_user(platform)
        with self.world.lock:
            return target.oauth.issue_code(
                app, user.user_id, app.redirect_uri, scope, code_challenge, code_challenge_method
            )

    def grant_tokens(self, platform: str, *, user: TestUser | None = None, app: TestApp | None = None) -> TokenGrant:
        """Tokens for a user without the OAuth dance (the platform's usual lifetimes)."""
        target = self.platform(platform)
        return target.grant_for_tests(app or self.default_app(platform), user or self.default_user(platform))

    def revoke_tokens(self, platform: str, *, user: TestUser | None = None) -> int:
        """Revoke tokens of one user (or all users) as if they removed the app."""
        with self.world.lock:
            return self.platform(platform).oauth.revoke_user(user.user_id if user else None)

    def host_media(self, name: str, content: bytes, content_type: str = "image/jpeg") -> str:
        """Serve ``content`` at ``<base>/_media/<name>`` and return that URL (for image_url etc.)."""
        self._media[name] = (content, content_type)
        return f"{self.base_url}/_media/{name}"

    # -- app -----------------------------------------------------------------------------------
    def build_app(self) -> Starlette:
        async def media(request: Request) -> Response:
            found = self._media.get(str(request.path_params["name"]))
            if found is None:
                return PlainTextResponse("not found", status_code=404)
            return Response(found[0], media_type=found[1])

        routes: list[Route | Mount] = [Route("/_media/{name}", media, methods=["GET"])]
        for name, platform in self._platforms.items():
            inner = Starlette(routes=platform.routes())
            app = StripGraphVersion(inner) if name == "instagram" else inner
            routes.append(Mount(f"/{name}", app=app))
        return Starlette(routes=routes)


def serve(host: str, port: int, faults: list[str]) -> None:
    """Run the emulator in the foreground until interrupted (``psn emulator serve``).

    Raises:
        ValueError: for a malformed fault spec.
    """
    emulator = Emulator(host=host, port=port, faults=faults)
    emulator.start()
    print(f"psn emulator listening on {emulator.base_url}", flush=True)
    for name in PLATFORMS:
        app, user = emulator.default_app(name), emulator.default_user(name)
        print(
            f"  {name:<9} {emulator.url_for(name)}  client_id={app.client_id} "
            f"client_secret={app.client_secret} redirect_uri={app.redirect_uri} user={user.username}",
            flush=True,
        )
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
