"""psn-mcp over HTTP, as a real process: beyond loopback it refuses to start without PSN_MCP_TOKEN (saying
what to do); with a token, on any address, every request must carry it; on loopback without a token it
serves as before, warning nothing. Reached with the SDK's streamable HTTP client and with raw httpx2.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest
from mcp import Client, MCPError
from mcp.client.streamable_http import streamable_http_client

from tests.support.platform_env import free_port

REPO = Path(__file__).resolve().parents[2]
TOKEN = "psn-test-token-7f3a9c1e5b2d4680"
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}},
}
ACCEPT = {"accept": "application/json, text/event-stream", "content-type": "application/json"}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class Running:
    url: str
    process: subprocess.Popen[bytes]

    def stderr(self) -> str:
        """Everything the server wrote to stderr (stops it first)."""
        self.process.terminate()
        _, err = self.process.communicate(timeout=10)
        return err.decode()


def start(workspace: Path, host: str, token: str | None) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "PSN_MCP_TOKEN"}
    if token is not None:
        env["PSN_MCP_TOKEN"] = token
    command = [sys.executable, "-m", "mcp_server.server", "--transport", "http", "--host", host, "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--workspace", str(workspace)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    return process, port


def wait_listening(process: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + 30
    while True:  # the listening socket, not a fixed time
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                _, err = process.communicate(timeout=10)
                raise AssertionError(err.decode()) from None
            time.sleep(0.05)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / ".psn").mkdir()
    return tmp_path


EVERY_INTERFACE = "0.0.0.0"  # noqa: S104 - the bind this test is about; reached via 127.0.0.1


@pytest.fixture(params=["127.0.0.1", EVERY_INTERFACE])
def with_token(request: pytest.FixtureRequest, workspace: Path) -> Iterator[Running]:
    """A server with PSN_MCP_TOKEN set, on loopback and on every interface (reached via 127.0.0.1)."""
    process, port = start(workspace, request.param, TOKEN)
    try:
        wait_listening(process, port)
        yield Running(f"http://127.0.0.1:{port}/mcp", process)
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture
def loopback_without_token(workspace: Path) -> Iterator[Running]:
    process, port = start(workspace, "127.0.0.1", None)
    try:
        wait_listening(process, port)
        yield Running(f"http://127.0.0.1:{port}/mcp", process)
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=10)


def test_every_interface_without_a_token_refuses_to_start_and_says_what_to_do(workspace: Path) -> None:
    process, port = start(workspace, EVERY_INTERFACE, None)
    _, err = process.communicate(timeout=60)
    text = err.decode()
    assert process.returncode != 0
    assert "refusing to listen on 0.0.0.0" in text and "What to do: set PSN_MCP_TOKEN" in text
    assert "Authorization: Bearer" in text and "127.0.0.1" in text
    with pytest.raises(ConnectionRefusedError):  # it never listened
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_a_token_too_short_to_guard_publishing_is_refused(workspace: Path) -> None:
    process, _ = start(workspace, EVERY_INTERFACE, "short")
    _, err = process.communicate(timeout=60)
    assert process.returncode != 0 and "too short" in err.decode() and "What to do" in err.decode()


def test_raw_requests_without_or_with_a_wrong_token_get_401_with_a_clear_body(with_token: Running) -> None:
    with httpx2.Client(timeout=10) as http:
        missing = http.post(with_token.url, json=INITIALIZE, headers=ACCEPT)
        wrong = http.post(with_token.url, json=INITIALIZE, headers={**ACCEPT, "authorization": f"Bearer {TOKEN}x"})
        not_bearer = http.post(with_token.url, json=INITIALIZE, headers={**ACCEPT, "authorization": TOKEN})
        listing = http.get(with_token.url, headers={"accept": "text/event-stream"})
        right = http.post(with_token.url, json=INITIALIZE, headers={**ACCEPT, "authorization": f"Bearer {TOKEN}"})
    for refused in (missing, wrong, not_bearer, listing):
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"].startswith("Bearer")
        assert "Authorization: Bearer <PSN_MCP_TOKEN>" in refused.json()["error_description"]
        assert TOKEN not in refused.text
    assert "no Authorization header" in missing.json()["error_description"]
    assert "different or malformed" in wrong.json()["error_description"]
    assert right.status_code == 200 and "psn" in right.text
    assert TOKEN not in with_token.stderr()  # masked in what it logs: only the last 4 characters
    # (stderr() stopped the server)


def leaves(error: BaseException) -> Iterator[BaseException]:
    """The exceptions inside (nested) exception groups."""
    if isinstance(error, BaseExceptionGroup):
        for inner in error.exceptions:
            yield from leaves(inner)
    else:
        yield error


@pytest.mark.anyio
async def test_the_mcp_client_needs_the_token(with_token: Running) -> None:
    async with (
        httpx2.AsyncClient(headers={"authorization": f"Bearer {TOKEN}"}, timeout=30) as http,
        Client(streamable_http_client(with_token.url, http_client=http)) as client,
    ):
        tools = (await client.list_tools()).tools
    assert len(tools) > 30
    for headers in ({"authorization": "Bearer not-the-token-at-all"}, {}):
        statuses: list[int] = []

        async def record(response: httpx2.Response, statuses: list[int] = statuses) -> None:
            statuses.append(response.status_code)

        async with httpx2.AsyncClient(headers=headers, timeout=30, event_hooks={"response": [record]}) as http:
            with pytest.raises(BaseExceptionGroup) as refused:
                async with Client(streamable_http_client(with_token.url, http_client=http)) as client:
                    await client.list_tools()
        assert statuses and set(statuses) == {401}, statuses  # every request the client made was refused
        assert any(isinstance(leaf, MCPError) for leaf in leaves(refused.value)), refused.value
    err = with_token.stderr()
    assert TOKEN not in err and f"••••{TOKEN[-4:]}" in err


@pytest.mark.anyio
async def test_loopback_without_a_token_serves_as_before_and_warns_nothing(loopback_without_token: Running) -> None:
    async with Client(loopback_without_token.url) as client:
        tools = (await client.list_tools()).tools
    with httpx2.Client(timeout=10) as http:
        raw = http.post(loopback_without_token.url, json=INITIALIZE, headers=ACCEPT)
    assert len(tools) > 30 and raw.status_code == 200
    err = loopback_without_token.stderr().lower()
    assert "token" not in err and "warn" not in err and "refus" not in err
