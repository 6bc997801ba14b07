"""A minimal MCP stdio server for probing the client: its one tool, ``ask``, sends the client an
elicitation (a form asking to confirm a publish) and returns the client's answer as its result. It also
records the client's initialize request (its capabilities) in ``$PROBE_LOG`` when that is set."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

QUESTION = {
    "mode": "form",
    "message": "Publish this post now?",
    "requestedSchema": {"type": "object", "properties": {"confirm": {"type": "boolean"}}, "required": ["confirm"]},
}


def send(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main() -> None:
    waiting: Any = None
    for line in sys.stdin:
        message = json.loads(line)
        method, ident = message.get("method"), message.get("id")
        if method == "initialize":
            if os.environ.get("PROBE_LOG"):
                with open(os.environ["PROBE_LOG"], "a") as log:
                    log.write(line)
            result = {
                "protocolVersion": message["params"]["protocolVersion"],
                "capabilities": {"tools": {}},
                "serverInfo": {"name": "ask", "version": "0"},
            }
            send({"jsonrpc": "2.0", "id": ident, "result": result})
        elif method == "tools/list":
            tool = {"name": "ask", "description": "Ask the user to confirm.", "inputSchema": {"type": "object"}}
            send({"jsonrpc": "2.0", "id": ident, "result": {"tools": [tool]}})
        elif method == "tools/call":
            waiting = ident
            send({"jsonrpc": "2.0", "id": "probe-elicit", "method": "elicitation/create", "params": QUESTION})
        elif method is None and ident == "probe-elicit":
            answer = json.dumps(message.get("result") or message.get("error"))
            send({"jsonrpc": "2.0", "id": waiting, "result": {"content": [{"type": "text", "text": answer}]}})
        elif method is not None and ident is not None:
            send({"jsonrpc": "2.0", "id": ident, "result": {}})


if __name__ == "__main__":
    main()
