"""Running the real Claude Code CLI headless, with psn's plugin loaded from this checkout, against the
scripted fake model (tests/support/fake_model.py). The recipe: /work/shared/claude-code-harness.md.

    from tests.support.claude_code import run_claude, text, tool_use

    run = run_claude(
        workspace,                      # the folder Claude Code runs in (its cwd; psn-mcp finds it there)
        "/psn:auth status",             # the prompt, usually a slash command
        steps=[                         # one entry per model turn: a list of blocks, or a callable
            [text("Checking."), tool_use("get_auth_status")],
            lambda convo: [text(f"{len(convo.tool_result('get_auth_status')['accounts'])} accounts.")],
        ],
        allowed_tools=[],               # extra --allowedTools (as a user would allow), plugin-mode names
        permission_mode="dontAsk",      # or "default" (headless, both deny what is not allowed)
        env={},                         # extra environment for claude and, through it, psn-mcp
    )
    run.result              # the final result event ({"type": "result", "result": "...", ...})
    run.result_text         # its text
    run.permission_denials  # [{"tool_name", "tool_use_id", "tool_input"}] (full tool names)
    run.first_user_text     # what the model received as the command's expansion
    run.tool_results        # [ToolResult(tool_name (bare), is_error, content (JSON decoded when JSON))]
    run.tool_result("save_draft")   # the latest successful result of a tool (content)
    run.results_of("check_draft")   # every result of a tool, in order
    run.assert_command("auth", "status")   # the command's name, arguments and body reached the model
    run.init                # the stream's system/init event: tools, slash_commands, mcp_servers, ...
    run.requests            # every request body the fake model received
    run.elicitations        # what MCP elicitations asked the user (with user_answers=[...], see below)
    run.mcp_connect_ms      # psn-mcp's spawn-to-connected time, from the debug file
    run.diagnostics()       # CLI stderr, psn-mcp stderr, debug-file tail (in every failure message)

Every run gets a clean environment: a fresh empty HOME (no user config, plugins or credentials),
ANTHROPIC_BASE_URL at the fake, no telemetry/updater/error reporting, MCP_CONNECTION_NONBLOCKING=0 (the
first model request waits for psn-mcp), MCP_CONNECT_TIMEOUT_MS=60000, CLAUDE_CODE_MAX_RETRIES=1,
UV_OFFLINE=1 (`.mcp.json` starts psn-mcp with `uv run --project <checkout>`; it must never look for an
index) and no PSN_* variable from the test process. Flags: ``-p <prompt> --output-format stream-json
--verbose --no-session-persistence --plugin-dir <checkout> --debug-file <file> --permission-mode <mode>``
and ``--allowedTools`` when given.

The run fails the test (AssertionError) when the CLI exits non-zero or times out, when the fake's script
ran out or a step raised, or (``all_steps=True``, the default) when the model was never asked for some
steps of the script. The message holds the CLI's stderr, the tail of its debug file and psn-mcp's stderr,
so a failure in CI says what happened. psn-mcp's stderr is also in the debug file (Claude Code logs each
line of an MCP server's stderr there). ``check=False`` returns the run whatever happened.

The user, headless: there is no permission prompt. A tool outside the command's ``allowed-tools`` is denied
(``permission_denials``, and the model gets an ``is_error`` result); a user who allows it at the prompt is
played by ``allowed_tools=[...]``. A user answering an MCP elicitation (a psn tool asking for confirmation
mid call) is played by ``user_answers=[{"action": "accept", "content": {...}}, {"action": "decline"}]``
(an ``Elicitation`` hook; ``run.elicitations`` records what was asked); without it, headless Claude Code
answers every elicitation ``{"action": "cancel"}`` itself. tests/claude_code/test_client_behaviour.py pins
these client behaviours, and what ``${CLAUDE_PLUGIN_ROOT}`` expands to.

Other knobs: ``plugin_dir=None`` with ``home=<a HOME where claude plugin install ran>`` runs an installed
plugin; ``extra_args`` go to the CLI as they are; ``timeout`` (s) bounds the run; ``all_steps=False`` allows
a run to end before the script does.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.fake_model import Block, Conversation, FakeModel, Step, ToolResult, bare_tool_name, text, tool_use
from tests.support.platform_env import approve

__all__ = ["CLAUDE", "REPO", "ClaudeRun", "ToolResult", "claude_env", "run_claude", "text", "tool_use"]

REPO = Path(__file__).resolve().parents[2]
CLAUDE = REPO / "node_modules" / ".bin" / "claude"
PLUGIN_SERVER = "plugin:psn:psn"


def _uv_cache_dir() -> str | None:
    """The uv cache the test process uses: the fresh HOME must not hide it (offline, uv needs it)."""
    if os.environ.get("UV_CACHE_DIR"):
        return os.environ["UV_CACHE_DIR"]
    uv = shutil.which("uv")
    if uv is None:
        return None
    done = subprocess.run([uv, "cache", "dir"], capture_output=True, text=True, timeout=30, check=False)
    return done.stdout.strip() or None


def claude_env(home: Path, model_url: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The clean environment of one run (see the module docstring)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "TERM": "dumb",
        "TMPDIR": os.environ.get("TMPDIR", tempfile.gettempdir()),
        "ANTHROPIC_BASE_URL": model_url,
        "ANTHROPIC_API_KEY": "sk-test",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "DISABLE_TELEMETRY": "1",
        "DISABLE_AUTOUPDATER": "1",
        "DISABLE_ERROR_REPORTING": "1",
        "MCP_CONNECTION_NONBLOCKING": "0",
        "MCP_CONNECT_TIMEOUT_MS": "60000",
        "MCP_TIMEOUT": "60000",
        "CLAUDE_CODE_MAX_RETRIES": "1",
        "UV_OFFLINE": "1",
        "UV_NO_PROGRESS": "1",
        "PYTHONUNBUFFERED": "1",
    }
    cache = _uv_cache_dir()
    if cache:
        env["UV_CACHE_DIR"] = cache
    for passthrough in ("CI", "IS_SANDBOX"):
        if passthrough in os.environ:
            env[passthrough] = os.environ[passthrough]
    env.update(extra or {})
    return env


@dataclass
class ClaudeRun:
    """What one headless run left behind: the CLI's events and the requests the fake model received."""

    returncode: int
    events: list[dict[str, Any]]
    stderr: str
    requests: list[dict[str, Any]]
    debug_file: Path
    problems: list[str] = field(default_factory=list)
    elicitations: list[dict[str, Any]] = field(default_factory=list)

    @property
    def init(self) -> dict[str, Any]:
        """The system/init event: ``tools``, ``slash_commands``, ``mcp_servers`` (name, status), ..."""
        for event in self.events:
            if event.get("type") == "system" and event.get("subtype") == "init":
                return event
        raise AssertionError(f"no init event in the CLI's output\n{self.diagnostics()}")

    @property
    def result(self) -> dict[str, Any]:
        for event in reversed(self.events):
            if event.get("type") == "result":
                return event
        raise AssertionError(f"no result event in the CLI's output\n{self.diagnostics()}")

    @property
    def result_text(self) -> str:
        return str(self.result.get("result", ""))

    @property
    def permission_denials(self) -> list[dict[str, Any]]:
        return list(self.result.get("permission_denials") or [])

    @property
    def conversation(self) -> Conversation:
        """The longest conversation the model saw (it holds the whole run)."""
        played = [r for r in self.requests if r.get("tools")]
        if not played:
            raise AssertionError(f"the model was never asked for a step\n{self.diagnostics()}")
        return Conversation(max(played, key=lambda r: len(r.get("messages") or [])))

    @property
    def first_user_text(self) -> str:
        return self.conversation.first_user_text

    @property
    def tool_results(self) -> list[ToolResult]:
        return self.conversation.tool_results if any(r.get("tools") for r in self.requests) else []

    def tool_result(self, name: str) -> Any:
        return self.conversation.tool_result(name)

    def assert_command(self, command: str, arguments: str, plugin_root: Path = REPO) -> None:
        """The model received ``/psn:<command>`` as Claude Code expands it: the command's name and
        arguments, and its body (frontmatter dropped) with ``$ARGUMENTS`` filled in and
        ``${CLAUDE_PLUGIN_ROOT}`` replaced by ``plugin_root`` (the folder the plugin was loaded from)."""
        received = self.first_user_text
        expected = command_body(command, arguments, plugin_root)
        assert f"<command-name>/psn:{command}</command-name>" in received, received
        if arguments:  # no arguments: Claude Code sends no <command-args> at all
            assert f"<command-args>{arguments}</command-args>" in received, received
        assert expected in received, f"the body of {command}.md did not reach the model:\n{received}"

    def results_of(self, name: str) -> list[ToolResult]:
        """Every result of tool ``name`` (bare or full), in order."""
        return [r for r in self.tool_results if r.tool_name == bare_tool_name(name)]

    @property
    def offered_tools(self) -> list[str]:
        """The tools the model was offered (full names), from its first step request."""
        played = [r for r in self.requests if r.get("tools")]
        return Conversation(played[0]).tool_names if played else []

    @property
    def mcp_connect_ms(self) -> int | None:
        """How long psn-mcp took from spawn to connected, as Claude Code logged it (None if not logged)."""
        marker = f'MCP server "{PLUGIN_SERVER}": Successfully connected (transport: stdio) in '
        for line in self._debug_lines():
            if marker in line:
                return int(line.split(marker, 1)[1].split("ms", 1)[0])
        return None

    def mcp_stderr(self) -> str:
        """psn-mcp's stderr lines, as Claude Code logged them in the debug file."""
        lines = self._debug_lines()
        return "\n".join(line for line in lines if PLUGIN_SERVER in line and "stderr" in line)

    def _debug_lines(self) -> list[str]:
        try:
            return self.debug_file.read_text(errors="replace").splitlines()
        except OSError:
            return []

    def diagnostics(self, tail: int = 60) -> str:
        """The CLI's stderr, the tail of its debug file and psn-mcp's stderr, for assertion messages."""
        debug = "\n".join(_clip(line, 600) for line in self._debug_lines()[-tail:])
        return (
            f"--- claude exit code {self.returncode}; fake model problems: {self.problems or 'none'};"
            f" psn-mcp connected after {self.mcp_connect_ms} ms\n"
            f"--- claude stderr:\n{self.stderr[-4000:]}\n"
            f"--- psn-mcp stderr (from the debug file):\n{self.mcp_stderr()[-4000:]}\n"
            f"--- debug file tail ({self.debug_file}):\n{debug}\n"
            f"--- result: {next((e for e in reversed(self.events) if e.get('type') == 'result'), None)}"
        )


def _clip(line: str, most: int) -> str:
    return line if len(line) <= most else f"{line[:most]}... ({len(line) - most} more characters)"


def command_body(command: str, arguments: str, plugin_dir: Path = REPO) -> str:
    """What Claude Code sends for ``/psn:<command> <arguments>``: the file's body without its frontmatter,
    ``$ARGUMENTS`` replaced and ``${CLAUDE_PLUGIN_ROOT}`` expanded to the plugin's folder (the text is
    read from this checkout, the folder is where the plugin was loaded from)."""
    source = (REPO / ".claude" / "commands" / "psn" / f"{command}.md").read_text()
    body = source.split("\n---\n", 1)[1] if source.startswith("---\n") else source
    body = body.replace("$ARGUMENTS", arguments).replace("${CLAUDE_PLUGIN_ROOT}", str(plugin_dir.resolve()))
    return body.strip()


def run_claude(
    workspace: Path,
    prompt: str,
    steps: Sequence[Step] = (),
    *,
    allowed_tools: Sequence[str] = (),
    permission_mode: str = "dontAsk",
    env: Mapping[str, str] | None = None,
    extra_args: Sequence[str] = (),
    plugin_dir: Path | None = REPO,
    home: Path | None = None,
    timeout: float = 180,
    check: bool = True,
    all_steps: bool = True,
    user_answers: Sequence[Mapping[str, Any]] | None = None,
) -> ClaudeRun:
    """Run ``claude -p PROMPT`` in ``workspace`` against a fake model playing ``steps``; see the module
    docstring. ``check=False`` returns the run whatever happened (the test asserts itself).

    ``plugin_dir=None`` loads no plugin from a folder (a plugin installed in ``home`` then serves), and
    ``home`` replaces the fresh empty HOME (e.g. one where `claude plugin install` ran).

    ``user_answers`` plays the user answering MCP elicitations (a server asking mid tool call), in order:
    each ``{"action": "accept", "content": {...}}``, ``{"action": "decline"}`` or ``{"action": "cancel"}``.
    They are given through an ``Elicitation`` hook (``--settings``), which also records what the user was
    shown (``run.elicitations``); more elicitations than answers get ``cancel``. Without ``user_answers``
    there is no hook, and headless Claude Code answers every elicitation ``cancel`` by itself."""
    if not CLAUDE.exists():
        raise AssertionError("node_modules/.bin/claude is missing: run `npm ci --ignore-scripts` and install.cjs")
    scratch = Path(tempfile.mkdtemp(prefix="psn-claude-"))
    if home is None:
        home = scratch / "home"
        home.mkdir()
    debug_file = scratch / "debug.log"
    command = [
        str(CLAUDE),
        "-p",
        prompt,
        "--output-format",
        "stream-json",
        "--verbose",
        "--no-session-persistence",
        *(["--plugin-dir", str(plugin_dir.resolve())] if plugin_dir is not None else []),
        "--debug-file",
        str(debug_file),
        "--permission-mode",
        permission_mode,
    ]
    if allowed_tools:
        command += ["--allowedTools", ",".join(allowed_tools)]
    asked = scratch / "elicitations.jsonl"
    if user_answers is not None:
        command += ["--settings", json.dumps(_elicitation_hook(scratch, list(user_answers), asked))]
    command += list(extra_args)
    with FakeModel(steps) as model:
        returncode, stdout, stderr = _run_in_own_group(
            command, workspace.resolve(), claude_env(home, model.url, env), timeout
        )
    events = []
    for line in stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                events.append(json.loads(line))
            except ValueError:
                continue
    run = ClaudeRun(returncode, events, stderr, list(model.requests), debug_file, list(model.problems))
    if asked.exists():
        run.elicitations = [json.loads(line) for line in asked.read_text().splitlines() if line.strip()]
    if check:
        _check(run, len(steps), model.asked_steps, all_steps)
    return run


ELICITATION_HOOK = """\
import json, pathlib, sys
asked = json.load(sys.stdin)
log = pathlib.Path(sys.argv[1])
before = len(log.read_text().splitlines()) if log.exists() else 0
with log.open("a") as out:
    out.write(json.dumps(asked) + "\\n")
answers = json.loads(pathlib.Path(sys.argv[2]).read_text())
answer = answers[before] if before < len(answers) else {"action": "cancel"}
print(json.dumps({"hookSpecificOutput": {"hookEventName": "Elicitation", **answer}}))
"""


def _elicitation_hook(scratch: Path, answers: list[Mapping[str, Any]], asked: Path) -> dict[str, Any]:
    """Settings with an Elicitation hook answering ``answers`` in order and logging each question to ``asked``."""
    script = scratch / "elicitation_hook.py"
    script.write_text(ELICITATION_HOOK)
    stored = scratch / "answers.json"
    stored.write_text(json.dumps(answers))
    line = " ".join(shlex.quote(str(part)) for part in (sys.executable, script, asked, stored))
    return {"hooks": {"Elicitation": [{"matcher": "", "hooks": [{"type": "command", "command": line}]}]}}


def _run_in_own_group(command: list[str], cwd: Path, env: dict[str, str], timeout: float) -> tuple[int, str, str]:
    """Run the CLI in a process group of its own; past ``timeout`` the whole group (the CLI, psn-mcp and
    its uv parent) is killed, so a hung run leaves nothing holding the hub."""
    proc = subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
        return proc.returncode, stdout, stderr
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
        return -1, stdout, stderr + f"\n(claude did not finish within {timeout} s: its process group was killed)"


def _check(run: ClaudeRun, scripted: int, asked: set[int], all_steps: bool) -> None:
    if run.returncode != 0:
        raise AssertionError(f"claude exited {run.returncode}\n{run.diagnostics()}")
    if run.problems:
        raise AssertionError(
            "the fake model's script went wrong: " + "; ".join(run.problems) + "\n" + run.diagnostics()
        )
    if run.result.get("is_error"):
        raise AssertionError(f"the run ended in an error result\n{run.diagnostics()}")
    missing = sorted(set(range(scripted)) - asked)
    if all_steps and missing:
        raise AssertionError(
            f"the model was never asked for steps {[m + 1 for m in missing]} of {scripted}"
            f" (the CLI stopped early, or a tool call was denied)\n{run.diagnostics()}"
        )


def user_signs_in(pasted: list[str], say: str) -> Callable[[Conversation], list[Block]]:
    """A step after ``start_connect``: the user opens its sign-in URL in their browser, approves psn and
    pastes back the address the browser lands on (appended to ``pasted``); the model says ``say`` and
    passes exactly that address to ``finish_connect``."""

    def step(convo: Conversation) -> list[Block]:
        started: dict[str, Any] = convo.tool_result("start_connect")
        pasted.append(approve(started["sign_in"]["url"]))  # the user's browser, stopping at the redirect
        return [text(say), tool_use("finish_connect", redirect_url=pasted[-1])]

    return step
