"""How a platform module plugs into the HTTP app: endpoints, the per-call context and the pipeline.

Every request goes through :func:`run_endpoint`: record it, apply any status fault, run the handler,
then apply ``timeout_after_write`` if one is pending for a write.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from psn_core.emulator.oauth import AccessToken, OAuthStore, TestApp, TestUser, TokenGrant
from psn_core.emulator.records import RecordedRequest, redact_headers, redact_query, render_body
from psn_core.emulator.runtime import World

Handler = Callable[["Call"], Awaitable[Response]]
M = TypeVar("M", bound=BaseModel)


class Reply(Exception):
    """Raised by handlers to answer early (usually with a platform error)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str
    handler: Handler
    api: bool = True
    """Platform-wide status faults apply (false for OAuth and byte-upload endpoints)."""
    write: bool = False
    """Eligible for ``timeout_after_write``."""


@dataclass
class Call:
    """One request being served: parsed inputs plus headers to add to whatever answer goes out."""

    request: Request
    body: bytes
    endpoint: Endpoint
    headers: dict[str, str] = field(default_factory=dict)
    _form: dict[str, str] | None = None

    @property
    def query(self) -> dict[str, str]:
        return dict(self.request.query_params)

    def path_param(self, name: str) -> str:
        return str(self.request.path_params[name])

    def json_body(self) -> dict[str, Any]:
        """Raises: ValueError if the body is not a JSON object."""
        if not self.body:
            return {}
        value = json.loads(self.body)
        if not isinstance(value, dict):
            raise ValueError("request body must be a JSON object")
        return value

    async def form(self) -> dict[str, str]:
        """URL-encoded or multipart fields as text (files are skipped; see :meth:`form_file`)."""
        if self._form is None:
            content_type = self.request.headers.get("content-type", "")
            if "multipart/form-data" in content_type:
                form = await self.request.form()
                self._form = {k: v for k, v in form.multi_items() if isinstance(v, str)}
            else:
                self._form = dict(parse_qsl(self.body.decode("utf-8", errors="replace"), keep_blank_values=True))
        return self._form

    async def form_file(self, name: str) -> bytes | None:
        form = await self.request.form()
        item = form.get(name)
        if item is None or isinstance(item, str):
            return None
        return await item.read()

    def bearer(self) -> str | None:
        value = self.request.headers.get("authorization", "")
        scheme, _, token = value.partition(" ")
        return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def parse_model(model: type[M], data: object, on_error: Callable[[str], Response]) -> M:
    """Validate a request payload; answer with the platform's 400 on failure.

    Raises:
        Reply: with ``on_error(message)`` when validation fails.
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise Reply(on_error(f"{where}: {first['msg']}")) from exc


class PlatformEmulator:
    """Base of the four platform modules: name, OAuth store and how this platform says 'no'."""

    name: str = ""
    access_ttl: timedelta = timedelta(hours=1)
    refresh_ttl: timedelta | None = None

    def __init__(self, world: World) -> None:
        self.world = world
        self.oauth = OAuthStore(self.name, world.clock)

    # -- to be provided by each platform -------------------------------------------------
    def endpoints(self) -> list[Endpoint]:
        raise NotImplementedError

    def fault_response(self, kind: str) -> Response:
        """The platform's own answer for an injected 401/402/429/500/503."""
        raise NotImplementedError

    def create_user(self, username: str | None = None) -> TestUser:
        raise NotImplementedError

    # -- shared helpers -------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"{self.world.base_url}/{self.name}"

    def grant_for_tests(self, app: TestApp, user: TestUser, scope: str = "") -> TokenGrant:
        """Tokens with this platform's lifetimes, skipping the browser leg."""
        with self.world.lock:
            return self.oauth.grant(app.client_id, user.user_id, scope, self.access_ttl, self.refresh_ttl)

    def user_for(self, token: AccessToken) -> TestUser:
        return self.oauth.users[token.user_id]

    def routes(self) -> list[BaseRoute]:
        return [
            Route(ep.path, _bind(self, ep), methods=[ep.method], name=f"{self.name}.{ep.name}")
            for ep in self.endpoints()
        ]


def _bind(platform: PlatformEmulator, endpoint: Endpoint) -> Callable[[Request], Awaitable[Response]]:
    async def serve(request: Request) -> Response:
        return await run_endpoint(platform, endpoint, request)

    return serve


def _record(platform: PlatformEmulator, endpoint: Endpoint, request: Request, body: bytes) -> None:
    world = platform.world
    world.log.add(
        RecordedRequest(
            at=world.clock(),
            platform=platform.name,
            endpoint=endpoint.name,
            method=request.method,
            path=request.scope.get("psn.original_path", request.url.path),
            query=redact_query(list(request.query_params.multi_items())),
            headers=redact_headers(list(request.headers.items())),
            body=render_body(body, request.headers.get("content-type", "")),
            body_size=len(body),
        )
    )


async def run_endpoint(platform: PlatformEmulator, endpoint: Endpoint, request: Request) -> Response:
    body = await request.body()
    _record(platform, endpoint, request, body)
    world = platform.world
    kind = world.faults.take_status(platform.name, endpoint.name, api=endpoint.api)
    if kind is not None:
        return platform.fault_response(kind)
    call = Call(request, body, endpoint)
    try:
        response = await endpoint.handler(call)
    except Reply as reply:
        response = reply.response
    for key, value in call.headers.items():
        response.headers.setdefault(key, value)
    if endpoint.write and response.status_code < 400 and world.faults.take_write_timeout(platform.name, endpoint.name):
        await world.hold.hold(world.config.hold_seconds)
    return response


def json_response(content: object, status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(content, status_code=status, headers=headers)
