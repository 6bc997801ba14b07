"""The human gate: every tool that moves a draft toward a platform (schedule_post, publish_now,
reschedule_post, retry_target, approve_post, post_for_company) asks the user through here before it
commits, so a model cannot pass it alone.

- A client that declares MCP elicitation (form mode) and can take a server request during the call is
  asked by the tool itself: the proposal (``confirmations.Proposal.message``: "Posting as: <name> for
  <hub> on <platform>" lines, the time in the user's zone and UTC, the exact text of every part, media) and
  one boolean ``confirm``. Only accept with confirm=true commits; decline, cancel or confirm=false change
  nothing and the tool says so. A confirmation token is not accepted instead: the user's answer is.
- Any other client gets the proposal and a confirmation token on the first call, and the same call with
  the token commits exactly that (``confirmations.check_token``: bound to the action, the post or
  target, its content and state and the time; short-lived; single use). There the gate is the client's
  own permission prompt: no psn command pre-approves these tools, so Claude Code shows the user the call.

What Claude Code 2.1.197 does (read from its binary and checked against the real CLI):
- It declares ``capabilities.elicitation = {}`` (form) to every MCP server and negotiates protocol
  2025-11-25, so ``elicitation/create`` reaches it during the tool call; psn always asks it.
- Interactive sessions show a dialog with the message and the form; the answer goes back to the tool.
- First, in every mode, the ``Elicitation`` hook event runs (matcher: the MCP server name, in plugin
  mode ``plugin:psn:psn``). The hook reads ``{"hook_event_name": "Elicitation", "mcp_server_name",
  "message", "mode": "form", "requested_schema"}`` on stdin; printing ``{"hookSpecificOutput":
  {"hookEventName": "Elicitation", "action": "accept"|"decline"|"cancel", "content": {"confirm": true}}}``
  answers for the user (``ElicitationResult`` hooks see the answer afterwards). The journey tests
  (tests/claude_code/test_post.py, test_company.py) play the user's answer this way.
- Headless ``-p`` without such a hook hands the question to an SDK host over the stream-json control
  channel; with plain ``-p`` there is none and the answer is ``cancel`` at once (no hang): nothing is
  scheduled, and the tool says the user did not answer. So ``-p`` cannot publish unless the person
  running it configured an answer themselves.
- So in Claude Code a write passes two questions to the user: the permission prompt for the tool call
  (no command pre-approves it; headless ``dontAsk`` denies it unless the user's ``--allowedTools`` allows
  it) and psn's own question with the proposal.
- Protocol 2026-07-28 clients (SDK 2.x "modern" sessions) have no back-channel for ``elicitation/create``
  during a call; they get the token flow.
"""

from __future__ import annotations

from typing import Any, Literal

import anyio.from_thread
from mcp.server.mcpserver import Context
from pydantic import BaseModel, Field

from psn_core.crypto import Keyring
from psn_core.services.posting import confirmations
from psn_core.services.posting.confirmations import Proposal, SpentTokens

Verdict = Literal["go", "preview", "declined"]


class Confirm(BaseModel):
    """The one question the user answers."""

    confirm: bool = Field(title="Confirm", description="Yes: do exactly what is shown above.")


def client_can_ask(call: Context[Any, Any]) -> bool:
    """True when the client declared form elicitation and this call can carry a request back to it."""
    capabilities = call.client_capabilities
    elicitation = capabilities.elicitation if capabilities is not None else None
    if elicitation is None or (elicitation.form is None and elicitation.url is not None):
        return False
    return bool(call.session.can_send_request)


def ask_user(call: Context[Any, Any], message: str) -> Literal["yes", "no", "unanswered"]:
    """Ask the user (from a sync tool's worker thread): yes only for accept with confirm=true; no for
    decline or confirm=false; unanswered for cancel (dismissed, or a client with nobody to ask)."""
    answer = anyio.from_thread.run(call.elicit, message, Confirm)
    if answer.action == "accept":
        return "yes" if answer.data.confirm else "no"
    return "no" if answer.action == "decline" else "unanswered"


class Decision(BaseModel):
    verdict: Verdict
    token: str = ""
    note: str = ""


class Gate:
    """One per server: remembers the tokens already spent."""

    def __init__(self) -> None:
        self.spent = SpentTokens()

    def decide(self, call: Context[Any, Any], ring: Keyring, proposal: Proposal, token: str | None) -> Decision:
        """Ask the user, or check the token, for exactly ``proposal``.

        Raises:
            ConfirmationInvalid: a token that does not confirm exactly this (token flow only).
        """
        nothing = confirmations.DONE_WORDS[proposal.action]
        if client_can_ask(call):
            said = ask_user(call, proposal.message())
            if said == "yes":
                return Decision(verdict="go")
            if said == "no":
                return Decision(verdict="declined", note=f"The user declined: {nothing}. Ask what to change.")
            note = f"The user did not answer (or this client could not ask them): {nothing}."
            return Decision(verdict="declined", note=note)
        if token is None:
            issued = confirmations.issue_token(ring, proposal)
            note = "Show the message to the user; only if they say yes, call again with the confirmation_token."
            return Decision(verdict="preview", token=issued, note=note)
        confirmations.check_token(ring, proposal, token, self.spent)
        return Decision(verdict="go")
