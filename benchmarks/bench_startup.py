"""How long psn takes to answer: p50 of cold runs (a new process each time) of `psn --help` and `psn post
--help` (the command with the most options), `psn queue --json` on an empty hub and `psn-mcp` from spawn to
its `initialize` answer, each next to `python -c pass` measured in the same run, interleaved with it (so
both see the same machine load), as a ratio.

Run: ``uv run python benchmarks/bench_startup.py`` (``PSN_BENCH_RUNS``, default 20). The commands are the
venv's `psn` and `psn-mcp` scripts (what a shell with the venv activated runs; `uv run` adds its own
environment check on top). The queue is read from a temporary workspace made with `psn init` on the
embedded Postgres (stopped at the end); without `--json` on `psn queue` (older trees) it times `psn queue`
and says so. "Cold" means a fresh interpreter per run; the page cache is warm (one unmeasured run first).
Prints p50/p90 and the ratios and writes them to benchmarks/results/. About a minute.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_env import percentile, save
from mcp_startup import spawn_once

RUNS = int(os.environ.get("PSN_BENCH_RUNS", "20"))
HELP_TARGET_S = 0.150  # issue 21: `psn --help` p50 on this 2-core machine
TIMEOUT = 60.0
BIN = Path(sys.executable).parent


def _timed_run(command: list[str], cwd: Path) -> float:
    """Seconds from spawning ``command`` to its exit (it must succeed)."""
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, timeout=TIMEOUT, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.decode()[-2000:]}")
    return elapsed


def measure(name: str, run: Callable[[], float], baseline: Callable[[], float]) -> dict[str, Any]:
    """``RUNS`` cold runs of ``run``, each right after one of ``baseline`` (python -c pass)."""
    run()
    baseline()  # warm the page cache: later runs are cold interpreters, not cold disks
    times, bases = [], []
    for _ in range(RUNS):
        bases.append(baseline())
        times.append(run())
    p50, base = percentile(times, 0.5), percentile(bases, 0.5)
    result = {
        "runs": RUNS,
        "p50_s": p50,
        "p90_s": percentile(times, 0.9),
        "python_pass_p50_s": base,
        "ratio_to_python_pass": p50 / base,
    }
    print(
        f"{name:<22} p50 {p50 * 1000:7.1f} ms  p90 {result['p90_s'] * 1000:7.1f} ms | python -c pass p50"
        f" {base * 1000:5.1f} ms | ratio {result['ratio_to_python_pass']:5.1f}x"
    )
    return result


def init_workspace(folder: Path) -> Path:
    """A fresh workspace with its embedded hub, as a new user's `psn init` makes it (hub left running)."""
    workspace = folder / "ws"
    workspace.mkdir()
    subprocess.run(
        [str(BIN / "psn"), "init", "--name", "bench", "--timezone", "Europe/Madrid"],
        cwd=workspace,
        capture_output=True,
        timeout=180,
        check=True,
    )
    return workspace


def queue_command(workspace: Path) -> list[str]:
    """`psn queue --json`, or `psn queue` where the command has no --json yet."""
    helptext = subprocess.run(
        [str(BIN / "psn"), "queue", "--help"], cwd=workspace, capture_output=True, text=True, check=True
    ).stdout
    return [str(BIN / "psn"), "queue", *(["--json"] if "--json" in helptext else [])]


def main() -> None:
    python_pass = [sys.executable, "-c", "pass"]
    folder = Path(tempfile.mkdtemp(prefix="psn-bench-startup-"))
    workspace: Path | None = None
    results: dict[str, Any] = {}
    try:
        workspace = init_workspace(folder)
        where = workspace

        def baseline() -> float:
            return _timed_run(python_pass, where)

        results["psn_help"] = measure("psn --help", lambda: _timed_run([str(BIN / "psn"), "--help"], where), baseline)
        results["psn_help"]["target_s"] = HELP_TARGET_S
        results["psn_help"]["meets_target"] = results["psn_help"]["p50_s"] <= HELP_TARGET_S
        results["psn_post_help"] = measure(
            "psn post --help", lambda: _timed_run([str(BIN / "psn"), "post", "--help"], where), baseline
        )
        results["psn_post_help"]["target_s"] = HELP_TARGET_S
        queue = queue_command(workspace)
        label = " ".join(["psn", *queue[1:]])
        results["psn_queue"] = measure(label, lambda: _timed_run(queue, where), baseline)
        results["psn_queue"]["command"] = label
        results["psn_queue"]["hub"] = "embedded Postgres, empty (fresh `psn init`)"
        results["psn_mcp_initialize"] = measure(
            "psn-mcp initialize", lambda: spawn_once([str(BIN / "psn-mcp")], where)[0], baseline
        )
    finally:
        if workspace is not None:
            subprocess.run([str(BIN / "psn"), "hub", "stop"], cwd=workspace, capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)
    verdict = "meets" if results["psn_help"]["meets_target"] else "MISSES"
    print(f"psn --help p50 {verdict} the {HELP_TARGET_S * 1000:.0f} ms target")
    print(f"saved {save('startup', results)}")


if __name__ == "__main__":
    main()
