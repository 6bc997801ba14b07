"""psn-mcp starts light: what only some tools need (the emulator behind the preview's dry run, PyAV and pypdf
behind media probing, the connection pool, huey behind queueing, the HTTP server) loads when first used,
never at startup. Time itself is measured by benchmarks/mcp_startup.py (a test on a shared machine would
be flaky); these checks keep the imports that made startup slow from coming back.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LOADED_WHEN_USED = (
    "psn_core.emulator",  # the dry run of a preview
    "jsonschema",  # the emulator's X contract
    "av",  # probing a video
    "pypdf",  # probing a PDF
    "psycopg_pool",  # the hub's first transaction
    "huey",  # queueing a publish
    "psn_core.queue",
)


def modules_after(code: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_building_the_server_with_every_tool_loads_none_of_the_heavy_modules(tmp_path: Path) -> None:
    (tmp_path / ".psn").mkdir()
    loaded = modules_after(
        "from pathlib import Path\n"
        "from mcp_server.server import build_server, load_settings\n"
        f"settings, problem = load_settings(Path({str(tmp_path)!r}), None)\n"
        "build_server(settings, problem=problem)"
    )
    assert "mcp_server.tools.posting" in loaded  # the tools really were registered
    heavy = sorted(m for m in loaded if m.split(".")[0] in LOADED_WHEN_USED or m.startswith(LOADED_WHEN_USED))
    assert heavy == []


def test_the_psn_mcp_command_starts_through_the_entry_that_pauses_the_collector() -> None:
    script = Path(sys.executable).parent / "psn-mcp"
    assert "from mcp_server.entry import main" in script.read_text()
    loaded = modules_after("import gc\nfrom mcp_server import entry\nassert gc.isenabled()")
    assert "mcp_server.server" not in loaded  # the entry itself is light: the collector goes off first
