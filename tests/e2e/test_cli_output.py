"""What `psn` prints, as a person and as a program read it: --json on every listing command (stdout is JSON
alone, in the documented shape), rich tables that fit an 80-column terminal (tmux) and wrap instead of
cutting, colour only on a terminal and never with NO_COLOR, and the worker's line per job (text, or one JSON
object per line with secrets masked).

The screens are saved under docs/screens/ when PSN_SAVE_SCREENS=1 (scripts/screens documents it)."""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from psn_core.config import Settings
from psn_core.emulator import Emulator
from tests.e2e.conftest import Workers, wait_for
from tests.support.cli_runner import clean_env, run_psn
from tests.support.hubs import TEST_APP_PASSWORD, HubEnv
from tests.support.platform_env import connect_account
from tests.support.terminal import Screen, have_tmux, run_in_terminal

pytestmark = [pytest.mark.pg, pytest.mark.slow]

SCREENS = Path(__file__).resolve().parents[2] / "docs" / "screens"
LONG = (
    "A long post to see the table wrap it instead of cutting it: the quick brown fox jumps over the lazy dog "
    "while psn keeps every word, and a very long token like https://example.invalid/an/address/that/cannot/wrap "
    "shows how a cell that must be cut is marked."
)
COLOUR = re.compile(r"\x1b\[[0-9;]*(?:3[0-7]|38;[0-9;]+|9[0-7])m")  # a foreground colour escape
ANY_ESCAPE = re.compile(r"\x1b\[")


def _json(ws: Path, *args: str) -> object:
    done = run_psn(ws, *args)
    try:
        return json.loads(done.stdout)
    except json.JSONDecodeError as exc:
        raise AssertionError(f"psn {' '.join(args)} printed more than JSON on stdout:\n{done.stdout}") from exc


def _fits(screen: Screen, width: int = 80) -> None:
    wide = [line for line in screen.lines if len(line) > width]
    assert not wide, f"lines wider than {width} columns:\n" + "\n".join(wide)


def _save(name: str, screen: Screen | str) -> None:
    if os.environ.get("PSN_SAVE_SCREENS") == "1":
        SCREENS.mkdir(parents=True, exist_ok=True)
        (SCREENS / f"{name}.txt").write_text(screen if isinstance(screen, str) else screen.text)


def _terminal(ws: Path, *args: str, **env: str) -> Screen:
    return run_in_terminal(
        [sys.executable, "-m", "psn_core.cli", *args], cwd=ws, env={**clean_env(), "TERM": "xterm-256color", **env}
    )


def _pty(ws: Path, *args: str, **env: str) -> bytes:
    """The raw bytes `psn ARGS` writes to a terminal (a pty), escapes included."""
    import pty

    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "psn_core.cli", *args],
        cwd=ws,
        env={**clean_env(), "TERM": "xterm-256color", "COLUMNS": "80", **env},
        stdin=follower,
        stdout=follower,
        stderr=follower,
    )
    os.close(follower)
    chunks: list[bytes] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.2)
        if not ready:
            if proc.poll() is not None:
                break  # exited, and nothing more to read (a child it left may hold the terminal open)
            continue
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: every writer closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert proc.wait(60) == 0, b"".join(chunks).decode(errors="replace")
    return b"".join(chunks)


def _tomorrow() -> str:
    return (datetime.now(ZoneInfo("Europe/Madrid")) + timedelta(days=1)).strftime("%Y-%m-%d")


@pytest.fixture
def busy(hub_env: HubEnv, settings: Settings, emu: Emulator, workers: Workers) -> Path:
    """A workspace with X and LinkedIn connected, two posts waiting (one long) and one that failed."""
    assert settings.member_id is not None
    for platform in ("x", "linkedin"):
        connect_account(hub_env.hub, settings, settings.member_id, platform)
    ws = settings.workspace
    tomorrow = _tomorrow()
    run_psn(ws, "post", LONG, "--to", "x", "--to", "linkedin", "--at", f"{tomorrow} 12:00", "--yes")
    run_psn(ws, "post", "Short one", "--to", "linkedin", "--at", f"{tomorrow} 18:30", "--yes")
    emu.faults.add("x/create_tweet:402*1")  # payment required: a failure psn does not retry
    run_psn(ws, "post", "This one fails", "--to", "x", "--yes")
    workers.start(2, "--log-format", "json")
    assert wait_for(lambda: len(_json(ws, "failures", "--json")) == 1, 90), workers.log.read_text()  # type: ignore[arg-type]
    return ws


def test_every_listing_command_prints_its_documented_json_alone_on_stdout(busy: Path, workers: Workers) -> None:
    ws = busy
    run_psn(
        ws,
        "voice",
        "init",
        "--talks-like",
        "between",
        "--sample",
        "I write short. Then I stop.",
        "--never-use",
        "synergy",
    )
    queue = _json(ws, "queue", "--json")
    assert isinstance(queue, list) and len(queue) == 3  # the long post on two accounts, the short one
    keys = {"id", "post_id", "platform", "handle", "status", "due_at", "rendering", "error_message", "error_action"}
    assert all(keys <= set(t) and t["status"] == "scheduled" for t in queue)
    assert LONG in [t["rendering"]["parts"][0]["text"] for t in queue]
    (failed,) = _json(ws, "failures", "--json")  # type: ignore[misc]
    assert failed["status"] in {"failed", "needs_attention"} and failed["error_message"] and failed["error_action"]
    week = _json(ws, "calendar", "week", "--json")
    assert isinstance(week, dict) and {"period", "timezone", "days", "hubs", "overlaps"} <= set(week)
    status = _json(ws, "auth", "status", "--json")
    assert isinstance(status, dict) and status["timezone"] == "Europe/Madrid"
    assert {(a["platform"], a["status"]) for a in status["accounts"]} == {("x", "active"), ("linkedin", "active")}
    assert all({"handle", "expires_at", "can_refresh", "sandbox"} <= set(a) for a in status["accounts"])
    budget = _json(ws, "budget", "--json")
    assert (
        isinstance(budget, list)
        and budget
        and {"platform", "handle", "bucket", "used", "limit", "reset_at"} <= set(budget[0])
    )
    notes = _json(ws, "notifications", "--json")
    assert isinstance(notes, dict) and isinstance(notes["timezone"], str)  # the member's zone in the hub
    assert [(n["tier"], n["kind"]) for n in notes["items"]] == [("critical", "post_failed")]
    assert _json(ws, "voice", "suggestions", "--json") == []
    profile = _json(ws, "voice", "show", "--json")
    assert isinstance(profile, dict) and profile["persona"] == "personal" and profile["problems"] == []
    assert "synergy" in profile["languages"][0]["never_use"]
    report = _json(ws, "voice", "report", "--json")
    assert isinstance(report, dict) and {"ready", "summary", "weeks"} <= set(report)
    analytics = _json(ws, "analytics", "--json")
    assert isinstance(analytics, dict) and "freshness" in analytics
    table = run_psn(ws, "analytics").stdout.splitlines()
    assert table[0].startswith("Last 30 days: ") and "Posts (page 1 of 1, newest first):" in table
    (total,) = [line for line in table if line.startswith("Total ")]
    assert total.split()[1:] == [str(analytics["totals"]["posts"]), "0", "0", "n/a", "n/a"], total
    config = _json(ws, "config", "show", "--json")
    assert isinstance(config, dict) and config["PSN_TIMEZONE"] == "Europe/Madrid"
    assert config["PSN_APP_PASSWORD"].startswith("••••")
    doctor = json.loads(run_psn(ws, "doctor", "--json", check=False).stdout)  # exits 1 on a failing check
    assert isinstance(doctor["ok"], bool) and {"name", "status", "detail", "fix"} <= set(doctor["checks"][0])
    # the worker printed one JSON object per line: each publish job's start and finish, secrets masked
    events = [json.loads(line) for line in workers.log.read_text().splitlines() if line.startswith("{")]
    publishes = [e for e in events if e.get("task") == "publish"]
    assert [e["event"] for e in publishes][:2] == ["start", "finish"], publishes
    assert publishes[1]["outcome"] in {"failed", "needs_attention"} and publishes[1]["target_id"] == failed["id"]
    assert publishes[1]["post_id"] == failed["post_id"] and isinstance(publishes[1]["duration_ms"], int)
    assert all(set(e) >= {"ts", "level", "logger", "message"} for e in events)
    assert TEST_APP_PASSWORD not in workers.log.read_text()


@pytest.mark.skipif(not have_tmux() and not os.environ.get("CI"), reason="tmux is not installed (CI installs it)")
def test_queue_calendar_and_failures_fit_an_80_column_terminal(busy: Path) -> None:
    ws = busy
    queue = _terminal(ws, "queue")
    calendar = _terminal(ws, "calendar", "week", "--from", _tomorrow())
    failures = _terminal(ws, "failures")
    for name, screen in (("queue", queue), ("calendar", calendar), ("failures", failures)):
        assert screen.exit_code == 0, screen.text
        _fits(screen)
        _save(name, screen)
    assert "3 in the queue (times in Europe/Madrid)." in queue.text
    assert {"ID", "WHEN", "ACCOUNT", "STATUS", "TEXT"} <= set(queue.text.split())
    # the long text wraps: every word is on the screen (a token longer than its column folds onto the next line)
    shown = queue.text.split()
    for word in ("quick", "brown", "fox", "lazy", "dog", "every", "word,", "marked."):
        assert word in shown, queue.text
    assert "1 need attention. Retry one with `psn retry ID`." in failures.text
    assert {"This", "one", "fails", "what", "to", "do:"} <= set(failures.text.split()), failures.text
    assert "times in Europe/Madrid" in calendar.text and "Short one" in calendar.text
    days = [line for line in calendar.lines[1:] if line[:3] in {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}]
    assert len(days) == 7, calendar.text


def test_colour_only_on_a_terminal_and_never_with_no_color(busy: Path) -> None:
    ws = busy
    on_terminal = _pty(ws, "failures")
    no_color = _pty(ws, "failures", NO_COLOR="1")
    piped = run_psn(ws, "failures").stdout
    assert COLOUR.search(on_terminal.decode()), on_terminal
    assert not COLOUR.search(no_color.decode()) and b"This one" in no_color
    assert not ANY_ESCAPE.search(piped) and "This one fails" in piped
    # a pipe has no width: the long text stays on one line, whole
    assert any(LONG in line for line in run_psn(ws, "queue").stdout.splitlines())


def test_worker_prints_a_line_per_job_and_quiet_prints_none(busy: Path, workers: Workers, emu: Emulator) -> None:
    ws = busy
    workers.stop_all()
    start = workers.log.stat().st_size
    refused = run_psn(ws, "worker", "--quiet", "--verbose", check=False)
    assert refused.returncode == 2 and "not both" in refused.stderr
    workers.start(1)  # text lines, for people
    run_psn(ws, "post", "Published now", "--to", "linkedin", "--yes")
    assert wait_for(lambda: "finish  published" in workers.log.read_text()[start:], 90), workers.log.read_text()
    workers.stop_all()
    lines = workers.log.read_text()[start:].splitlines()
    (target,) = [e["target_id"] for e in _published(ws, "Published now")]
    started = [line for line in lines if re.search(rf"publish +start +target {target[:8]}$", line)]
    finished = [
        line
        for line in lines
        if re.search(rf"publish +finish +published target {target[:8]} post \w{{8}} [0-9.]+ s$", line)
    ]
    assert len(started) == 1 and len(finished) == 1, lines
    assert not [line for line in lines if "publish_watchdog" in line]  # housekeeping only with --verbose
    quiet_start = workers.log.stat().st_size
    workers.start(1, "--quiet")
    run_psn(ws, "post", "Published quietly", "--to", "linkedin", "--yes")
    assert wait_for(lambda: any(t["status"] == "published" for t in _published(ws, "Published quietly")), 90)
    workers.stop_all()
    assert "publish" not in workers.log.read_text()[quiet_start:]


def _published(ws: Path, text: str) -> list[dict[str, str]]:
    day = _json(ws, "calendar", "day", "--json")
    return [e for d in day["days"] for e in d["entries"] if e["text"] == text]  # type: ignore[index]


@pytest.mark.skipif(not have_tmux() and not os.environ.get("CI"), reason="tmux is not installed (CI installs it)")
def test_quickstart_counts_down_to_the_posts_time_in_an_80_column_terminal(tmp_path: Path) -> None:
    tmp_path = Path(tempfile.mkdtemp(prefix="psn-", dir="/tmp"))  # a short path, as on a person's screen
    demo = tmp_path / "psn-demo"
    try:
        screen = run_in_terminal(
            [sys.executable, "-m", "psn_core.cli", "quickstart", "--name", "Ana", "--delay", "8"],
            cwd=tmp_path,
            env={**clean_env(), "TERM": "xterm-256color"},
            snapshot_when=r"posting in +\d+ s",
            timeout=300,
        )
    finally:
        run_psn(tmp_path, "-w", str(demo), "hub", "stop", check=False)
        shutil.rmtree(tmp_path, ignore_errors=True)
    assert screen.exit_code == 0, screen.text
    _fits(screen)
    # while it waited: a countdown with the targets' statuses and a bar, redrawn in place (one line)
    assert screen.snapshots, screen.text
    waiting = screen.snapshots[len(screen.snapshots) // 2]
    (bar,) = [line for line in waiting.splitlines() if "posting in" in line]
    assert re.search(r"posting in +\d+ s \(\d scheduled\) +━", bar), bar
    assert len(bar) <= 80 and not any(len(line) > 80 for line in waiting.splitlines())
    counts = sorted({int(re.search(r"posting in +(\d+) s", s).group(1)) for s in screen.snapshots})  # type: ignore[union-attr]
    assert len(counts) >= 3 and counts[0] <= 2 and counts[-1] >= 5, counts  # it counted down, second by second
    assert "posting in" not in screen.text  # the countdown is gone once the post's time came
    rows = [line for line in screen.lines if line.split()[:1] in (["x"], ["linkedin"], ["instagram"], ["tiktok"])]
    assert len(rows) == 4 and all("published" in line.split() for line in rows), screen.text
    assert "Done in" in screen.text
    _save("quickstart", screen)
    _save("quickstart-countdown", waiting.rstrip() + "\n")
