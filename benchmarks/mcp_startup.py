"""How long Claude Code waits for psn's MCP server: from spawning `psn-mcp` to its `initialize` answer, and
to its `tools/list` answer (the moment Claude Code can offer psn's tools).

Run: ``uv run python benchmarks/mcp_startup.py`` (``PSN_BENCH_SPAWNS``, default 10). Two ways of starting
it are measured, 10 spawns each: ``uv run --project . psn-mcp`` (what .mcp.json runs) and the venv's
``psn-mcp`` directly (the server alone, without uv's environment check). The workspace is a temporary one
with a hub.env whose hub is never contacted (starting and listing tools open no hub). Prints p50 and p90
of each and writes the numbers to benchmarks/results/. About half a minute.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Any

from bench_env import percentile, save

ROOT = Path(__file__).resolve().parent.parent
SPAWNS = int(os.environ.get("PSN_BENCH_SPAWNS", "10"))
TIMEOUT = 60.0
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "psn-bench", "version": "0"},
    },
}
INITIALIZED = {"jsonrpc": "2.0", "method": "notifications/initialized"}
TOOLS_LIST = {"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}}


def _send(stdin: IO[bytes], message: dict[str, Any]) -> None:
    stdin.write(json.dumps(message).encode() + b"\n")
    stdin.flush()


def _answer(stdout: IO[bytes], request_id: int) -> dict[str, Any]:
    while True:
        line = stdout.readline()
        if not line:
            raise RuntimeError("psn-mcp closed its output before answering")
        message: dict[str, Any] = json.loads(line)
        if message.get("id") == request_id:
            return message


def spawn_once(command: list[str], workspace: Path) -> tuple[float, float, int]:
    """(seconds to the initialize answer, seconds to the tools/list answer, number of tools)."""
    env = {**os.environ, "PSN_WORKSPACE": str(workspace), "UV_OFFLINE": "1"}
    started = time.perf_counter()
    proc = subprocess.Popen(
        command, cwd=workspace, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        _send(proc.stdin, INITIALIZE)
        answer = _answer(proc.stdout, 1)
        initialized = time.perf_counter() - started
        assert "result" in answer, answer
        _send(proc.stdin, INITIALIZED)
        _send(proc.stdin, TOOLS_LIST)
        tools = _answer(proc.stdout, 2)["result"]["tools"]
        listed = time.perf_counter() - started
    finally:
        proc.stdin.close()
        try:
            proc.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return initialized, listed, len(tools)


def make_workspace(folder: Path) -> Path:
    """A workspace as `psn init` leaves it, minus the hub: hub.env naming a database nobody contacts."""
    (folder / "voices").mkdir(parents=True)
    (folder / "hub.env").write_text(
        "PSN_DATABASE_URL=postgresql://psn_app@127.0.0.1:9/none\nPSN_APP_PASSWORD=bench-unused-password\n"
        "PSN_TIMEZONE=Europe/Madrid\n"
    )
    return folder


def measure(name: str, command: list[str], workspace: Path) -> dict[str, Any]:
    spawn_once(command, workspace)  # warm the page cache and uv's environment check: spawns are warm
    initialize, tools_list, counts = [], [], set()
    for _ in range(SPAWNS):
        first, second, count = spawn_once(command, workspace)
        initialize.append(first)
        tools_list.append(second)
        counts.add(count)
    result = {
        "command": " ".join(command),
        "spawns": SPAWNS,
        "tools": sorted(counts),
        "initialize_s": {"p50": percentile(initialize, 0.5), "p90": percentile(initialize, 0.9)},
        "tools_list_s": {"p50": percentile(tools_list, 0.5), "p90": percentile(tools_list, 0.9)},
    }
    print(
        f"{name:<10} initialize p50 {result['initialize_s']['p50']:.3f} s p90 {result['initialize_s']['p90']:.3f} s"
        f" | tools/list p50 {result['tools_list_s']['p50']:.3f} s p90 {result['tools_list_s']['p90']:.3f} s"
        f" ({', '.join(map(str, sorted(counts)))} tools)"
    )
    return result


def main() -> None:
    uv = shutil.which("uv")
    venv_script = Path(sys.executable).parent / "psn-mcp"
    folder = Path(tempfile.mkdtemp(prefix="psn-bench-mcp-"))
    try:
        workspace = make_workspace(folder / "ws")
        results = {}
        if uv is not None:
            results["uv_run"] = measure("uv run", [uv, "run", "--quiet", "--project", str(ROOT), "psn-mcp"], workspace)
        results["venv"] = measure("venv", [str(venv_script)], workspace)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"saved {save('mcp_startup', results)}")


if __name__ == "__main__":
    main()
