"""The psn MCP server: thin tools over psn_core, for Claude Code (stdio) or any client (streamable HTTP).

    psn-mcp                                   # stdio, the workspace found from the current folder
    psn-mcp --workspace ~/posts               # another workspace
    psn-mcp --transport http --port 8765      # streamable HTTP on 127.0.0.1:8765/mcp
    PSN_MCP_TOKEN=... psn-mcp --transport http --host 0.0.0.0   # beyond loopback: a bearer token is required

The workspace is ``--workspace``, else ``PSN_WORKSPACE``, else the nearest folder at or above the current
one holding hub.env or .psn/ (as the CLI finds it). Without one the server still starts, and every tool
says what is missing and what to do.

Over HTTP, a loopback address needs nothing more; any other address needs ``PSN_MCP_TOKEN`` (psn-mcp refuses
to start without it, saying what to do), and with a token set every request must send
``Authorization: Bearer <token>`` (mcp_server/http_auth.py).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import anyio.to_thread
from mcp.server import MCPServer

from mcp_server import advertise, http_auth
from mcp_server.context import Clock, ServerContext
from mcp_server.tools import (
    accounts,
    analytics,
    company,
    drafting,
    engage,
    ideas,
    learning,
    notifications,
    plan,
    posting,
    series,
    strategy,
    trends,
    voice,
    workspace,
)
from mcp_server.tools import calendar as calendar_tools
from psn_core.config import Settings
from psn_core.errors import PSNError
from psn_core.masking import configure_logging, mask, registry
from psn_core.timefmt import utcnow
from psn_core.workspace import find_workspace

INSTRUCTIONS = """\
psn plans, drafts in the user's own voice, schedules and publishes posts on X, LinkedIn, Instagram and
TikTok. You write the words; psn supplies the voice profile, each platform's rules, and the schedule.
Before drafting call get_draft_context; check every draft with check_draft. Every draft you write is
shown to the user to review and edit before anything is scheduled: never publish AI text unreviewed.
Before any write say "Posting as: <name> for <hub> on <platform>". Show times in the user's zone.
Tools that schedule, publish, retry or approve ask the user themselves where the client can; otherwise
they return step "preview": show its message to the user and call again with the confirmation_token
only after the user says yes. Never confirm on the user's behalf.
A tool error gives what happened and, after "What to do:", the next step: tell the user both."""

Register = Callable[[MCPServer, ServerContext], None]
TOOL_GROUPS: tuple[Register, ...] = (
    drafting.register,
    voice.register,
    accounts.register,
    posting.register,
    notifications.register,
    workspace.register,
    analytics.register,
    company.register,
    calendar_tools.register,
    strategy.register,
    ideas.register,
    trends.register,
    plan.register,
    series.register,
    learning.register,
    engage.register,
)


def build_server(
    settings: Settings | None,
    *,
    problem: PSNError | None = None,
    clock: Clock = utcnow,
    home: Path | None = None,
) -> MCPServer:
    """The server with every tool group registered.

    ``settings`` is None when the entry point could not load them; ``problem`` then says why, and every
    tool that needs the workspace returns it as a tool error. The hub opens on the first tool that needs
    it and closes when the server stops serving (its lifespan). ``home``: where the workspace is looked for
    again while there is none, and made by init_workspace (see ServerContext); ``clock``: what now is.
    """
    ctx = ServerContext(settings, problem, clock=clock, home=home)

    @asynccontextmanager
    async def close_hub_after(_: MCPServer) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await anyio.to_thread.run_sync(ctx.close)

    log_level = settings.log_level if settings is not None else "WARNING"
    server = MCPServer(
        "psn", instructions=INSTRUCTIONS, version=_version(), log_level=log_level, lifespan=close_hub_after
    )
    for register in TOOL_GROUPS:
        register(server, ctx)
    advertise.tidy(server)
    return server


def _version() -> str:
    try:
        return version("psn")
    except PackageNotFoundError:
        return "0"


def load_settings(workspace: Path | None, env_workspace: str | None) -> tuple[Settings | None, PSNError | None]:
    """Find the workspace (flag, then PSN_WORKSPACE, then the current folder upwards) and read its settings."""
    try:
        if workspace is not None:
            folder = workspace
        elif env_workspace:
            folder = Path(env_workspace).expanduser()
        else:
            folder = find_workspace(Path.cwd())
        return Settings.load(folder), None
    except PSNError as exc:
        return None, exc


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="psn-mcp", description="psn's MCP server.")
    parser.add_argument("--transport", choices=("stdio", "http"), default="stdio")
    parser.add_argument("--workspace", "-w", type=Path, default=None, help="The psn workspace folder.")
    parser.add_argument("--host", default="127.0.0.1", help="HTTP only: the address to listen on.")
    parser.add_argument("--port", type=int, default=8000, help="HTTP only: the port to listen on.")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of `psn-mcp`. Reads the environment here, once; nothing below does."""
    args = parse_args(argv)
    token = os.environ.get(http_auth.BEARER_ENV, "").strip() or None
    if args.transport == "http":
        if token is None and not http_auth.is_loopback(args.host):
            sys.exit(http_auth.refusal(args.host, args.port))
        if token is not None and len(token) < http_auth.MIN_TOKEN_LENGTH:
            sys.exit(http_auth.weak_token(token))
    if token is not None:
        registry.add(token)
    settings, problem = load_settings(args.workspace, os.environ.get("PSN_WORKSPACE"))
    # stdout carries the protocol on stdio: every log line goes to stderr, secrets masked.
    configure_logging(settings.log_level if settings is not None else "WARNING")
    if problem is not None:
        print(f"psn-mcp: {problem.for_humans()}", file=sys.stderr)
    home = args.workspace or Path(os.environ.get("PSN_WORKSPACE") or Path.cwd()).expanduser()
    server = build_server(settings, problem=problem, home=home)
    # Startup is over (see mcp_server/entry.py): what it built stays; collect from here on.
    gc.freeze()
    gc.enable()
    if args.transport == "http":
        serve_http(server, args.host, args.port, token)
    else:
        server.run("stdio")


def serve_http(server: MCPServer, host: str, port: int, token: str | None) -> None:
    """Streamable HTTP at http://host:port/mcp; with a token, every request must carry it."""
    import uvicorn  # HTTP only: stdio never loads the web server

    app: http_auth.ASGIApp = server.streamable_http_app(host=host)
    if token is not None:
        app = http_auth.BearerTokenGate(app, token)
        print(f"psn-mcp: http://{host}:{port}/mcp, bearer token required ({mask(token)})", file=sys.stderr)
    log_level = server.settings.log_level.lower()
    uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level=log_level)).run()


if __name__ == "__main__":
    main()
