"""The user's answer to psn's own question, played in the real Claude Code: an ``Elicitation`` hook.

Claude Code 2.1.197 runs the ``Elicitation`` hook event before it shows an MCP server's question (in
``-p`` mode there is nobody to show it to, so without a hook the question is cancelled). The hook gets
the question as JSON on stdin (``mcp_server_name``, ``message``, ``mode``, ``requested_schema``) and
answers with ``{"hookSpecificOutput": {"hookEventName": "Elicitation", "action": ..., "content": ...}}``.
:class:`UserAnswers` configures one (``--settings``) that records every question in a file and gives the
answer the test chose, as a person at the keyboard would.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Literal


class UserAnswers:
    """The user's answer to every question psn asks in one run, and the questions they were asked."""

    def __init__(self, folder: Path, answer: Literal["accept", "decline", "cancel"]) -> None:
        self.log = folder / f"questions-{answer}.jsonl"
        self.answer = answer

    def settings_args(self) -> list[str]:
        """The CLI arguments that install the hook (only for psn's server)."""
        output: dict[str, object] = {"hookEventName": "Elicitation", "action": self.answer}
        if self.answer == "accept":
            output["content"] = {"confirm": True}
        reply = shlex.quote(json.dumps({"hookSpecificOutput": output}))
        log = shlex.quote(str(self.log))
        command = f"(cat; echo) >> {log}; echo {reply}"
        hooks = {"Elicitation": [{"matcher": "plugin:psn:psn", "hooks": [{"type": "command", "command": command}]}]}
        return ["--settings", json.dumps({"hooks": hooks})]

    @property
    def questions(self) -> list[dict[str, object]]:
        """Every question the user was asked, as Claude Code handed it to the hook."""
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.strip()]
