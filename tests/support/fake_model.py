"""A scripted fake of Anthropic's Messages API on 127.0.0.1, for driving the real Claude Code CLI in tests.

The fake plays one conversation written by the test (/work/shared/claude-code-harness.md has the recipe):

    with FakeModel(steps=[
        [text("Let me look."), tool_use("get_auth_status")],
        lambda convo: [text(f"You have {len(convo.tool_result('get_auth_status')['accounts'])} accounts.")],
    ]) as model:
        ...  # run `claude` with ANTHROPIC_BASE_URL=model.url
    model.requests        # every request body (dicts), in order
    model.problems        # what went wrong on the fake's side (script ran out, bad step); the test fails on any

Protocol, as Claude Code 2.1.x speaks it:

* ``HEAD /`` (a reachability probe) gets 404; ``POST /v1/messages[?beta=true]`` always streams (SSE:
  ``message_start``, per block ``content_block_start``/``content_block_delta``/``content_block_stop``,
  ``message_delta`` with the stop reason, ``message_stop``); ``POST /v1/messages/count_tokens`` gets a
  token count.
* Only requests that carry a non-empty ``tools`` array play the script. The step is chosen without state:
  its index is the number of ``assistant`` messages already in ``messages``, so a retry gets the same
  answer and several tool calls in one step come back as one assistant message. Other requests (titles,
  summaries, side questions) get a short harmless text.
* A step is a list of blocks (:func:`text`, :func:`tool_use`) or a callable taking a :class:`Conversation`
  (the request seen so far) and returning that list, so a step can use what an earlier tool returned.
  A step that calls a tool stops with ``tool_use``; any other with ``end_turn``.
* When the model is asked for a step the script does not have, the fake answers a final text and
  records the problem in ``problems``; :func:`tests.support.claude_code.run_claude` then fails the test
  with it.

``tool_use(name, **input)`` takes psn's bare tool name and sends it as Claude Code shows the plugin's
tools (``mcp__plugin_psn_psn__<name>``). Names that already start with ``mcp__``, and Claude Code's own
tools (capitalised: ``Bash``, ``Read``...), are sent unchanged.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple

PLUGIN_TOOL_PREFIX = "mcp__plugin_psn_psn__"

MAX_ASKS = 4  # the same step asked more often than this is a loop (retries ask again, a few times at most)

Block = dict[str, Any]
Step = Sequence[Block] | Callable[["Conversation"], Sequence[Block]]


def full_tool_name(name: str) -> str:
    """The name Claude Code knows a tool by: psn's bare names get the plugin prefix."""
    if name.startswith("mcp__") or name[:1].isupper():
        return name
    return PLUGIN_TOOL_PREFIX + name


def bare_tool_name(name: str) -> str:
    """psn's own name for a plugin tool (other names unchanged)."""
    return name.removeprefix(PLUGIN_TOOL_PREFIX)


def text(words: str) -> Block:
    """A text block the model says."""
    return {"type": "text", "text": words}


def tool_use(name: str, /, **tool_input: Any) -> Block:
    """A tool call: ``name`` is psn's bare tool name (or a full/built-in name), the keywords its input."""
    return {"type": "tool_use", "name": full_tool_name(name), "input": tool_input}


class ToolResult(NamedTuple):
    """One tool result the CLI sent back to the model: the tool's bare name, whether it is an error, and
    its content (decoded JSON when the text is JSON, else the text)."""

    tool_name: str
    is_error: bool
    content: Any


def _result_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return "" if content is None else str(content)


def _decoded(raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw


@dataclass
class Conversation:
    """The conversation as one request to the fake carries it."""

    body: dict[str, Any]

    @property
    def messages(self) -> list[dict[str, Any]]:
        return [m for m in self.body.get("messages", []) if isinstance(m, dict)]

    @property
    def step(self) -> int:
        return sum(1 for m in self.messages if m.get("role") == "assistant")

    @property
    def tool_names(self) -> list[str]:
        """The tools offered to the model in this request (full names)."""
        return [str(t.get("name")) for t in self.body.get("tools") or []]

    def blocks(self, role: str) -> Iterator[Block]:
        for message in self.messages:
            if message.get("role") != role:
                continue
            content = message.get("content")
            if isinstance(content, str):
                yield text(content)
            elif isinstance(content, list):
                yield from (b for b in content if isinstance(b, dict))

    @property
    def first_user_text(self) -> str:
        """The text of the first user message (for a slash command: its expansion)."""
        for message in self.messages:
            if message.get("role") == "user":
                content = message.get("content")
                if isinstance(content, str):
                    return content
                return "\n".join(str(b.get("text", "")) for b in content or [] if b.get("type") == "text")
        return ""

    @property
    def tool_results(self) -> list[ToolResult]:
        """Every tool result so far, in order, matched to its call's tool name."""
        names = {b.get("id"): str(b.get("name")) for b in self.blocks("assistant") if b.get("type") == "tool_use"}
        found = []
        for block in self.blocks("user"):
            if block.get("type") == "tool_result":
                name = bare_tool_name(names.get(block.get("tool_use_id"), "?"))
                raw = _result_text(block.get("content"))
                found.append(ToolResult(name, bool(block.get("is_error")), _decoded(raw)))
        return found

    def tool_result(self, name: str) -> Any:
        """The content of the latest successful result of tool ``name`` (bare or full name)."""
        wanted = bare_tool_name(name)
        for result in reversed(self.tool_results):
            if result.tool_name == wanted and not result.is_error:
                return result.content
        raise AssertionError(f"no successful {wanted} result in the conversation: {self.tool_results}")


@dataclass
class FakeModel:
    """The fake API server (a thread) for one scripted conversation; use it as a context manager."""

    steps: Sequence[Step] = ()
    model: str = "claude-fake"
    requests: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    asked_steps: set[int] = field(default_factory=set)
    asked_times: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "the fake model is not running"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeModel:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_HEAD(self) -> None:
                self.send_response(404)
                self.send_header("content-length", "0")
                self.end_headers()

            def do_GET(self) -> None:
                self._send(404, "application/json", b'{"type":"error","error":{"type":"not_found_error"}}')

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {"unparsed": raw.decode("utf-8", "replace")}
                path = self.path.split("?", 1)[0]
                if path.endswith("/count_tokens"):
                    self._send(200, "application/json", b'{"input_tokens": 1000}')
                    return
                if path != "/v1/messages":
                    self._send(404, "application/json", b'{"type":"error","error":{"type":"not_found_error"}}')
                    return
                with fake._lock:
                    fake.requests.append(body)
                blocks, stop = fake.answer(body)
                self._send(200, "text/event-stream", sse(blocks, stop, str(body.get("model") or fake.model)))

            def _send(self, status: int, kind: str, payload: bytes) -> None:
                self.send_response(status)
                self.send_header("content-type", kind)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-model", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # --- the script ------------------------------------------------------------------------------

    @property
    def step_requests(self) -> list[dict[str, Any]]:
        """The requests that played a step of the script (those offering tools)."""
        return [r for r in self.requests if r.get("tools")]

    @property
    def last_conversation(self) -> Conversation | None:
        """The longest conversation the model saw (it holds every tool result of the run)."""
        played = self.step_requests
        if not played:
            return None
        return Conversation(max(played, key=lambda r: len(r.get("messages") or [])))

    def answer(self, body: dict[str, Any]) -> tuple[list[Block], str]:
        if not body.get("tools"):
            return [text("OK")], "end_turn"
        convo = Conversation(body)
        index = convo.step
        with self._lock:
            self.asked_steps.add(index)
            self.asked_times[index] = self.asked_times.get(index, 0) + 1
            times = self.asked_times[index]
        if times > MAX_ASKS:
            self._problem(f"the model was asked for step {index + 1} {times} times (a loop in the CLI or the script)")
            return [text("(the fake model stops a loop)")], "end_turn"
        if index >= len(self.steps):
            self._problem(
                f"the model was asked for step {index + 1} but the script has {len(self.steps)} steps;"
                f" the latest tool results: {convo.tool_results[-3:]}"
            )
            return [text("(the fake model's script ran out)")], "end_turn"
        step = self.steps[index]
        try:
            blocks = list(step(convo) if callable(step) else step)
        except Exception as exc:  # the test's own step failed: record it, the run ends with a text
            self._problem(f"step {index + 1} raised {type(exc).__name__}: {exc}")
            return [text(f"(step {index + 1} of the script failed)")], "end_turn"
        for number, block in enumerate(blocks):
            if block.get("type") == "tool_use":
                block.setdefault("id", f"toolu_fake_{index:02d}_{number:02d}")
        stop = "tool_use" if any(b.get("type") == "tool_use" for b in blocks) else "end_turn"
        return blocks, stop

    def _problem(self, what: str) -> None:
        with self._lock:
            if what not in self.problems:
                self.problems.append(what)


def _event(name: str, data: dict[str, Any]) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()


def sse(blocks: Sequence[Block], stop_reason: str, model: str) -> bytes:
    """One streamed Messages API answer holding ``blocks``."""
    message = {
        "id": f"msg_fake_{uuid.uuid4().hex[:16]}",  # Claude Code merges assistant messages sharing an id
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": 100, "output_tokens": 1},
    }
    out = [_event("message_start", {"type": "message_start", "message": message})]
    for index, block in enumerate(blocks):
        if block["type"] == "text":
            start = {"type": "text", "text": ""}
            delta = {"type": "text_delta", "text": block["text"]}
        else:
            start = {"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}
            delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
        out.append(
            _event("content_block_start", {"type": "content_block_start", "index": index, "content_block": start})
        )
        out.append(_event("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}))
        out.append(_event("content_block_stop", {"type": "content_block_stop", "index": index}))
    out.append(
        _event(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                "usage": {"output_tokens": 10},
            },
        )
    )
    out.append(_event("message_stop", {"type": "message_stop"}))
    return b"".join(out)
