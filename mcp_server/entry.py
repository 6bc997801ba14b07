"""The `psn-mcp` command. Python's cyclic garbage collector stays off while the server imports its modules
and registers its tools: startup builds many long-lived objects (pydantic models and their schemas) and no
garbage, and collecting through them costs about a tenth of the time to ready. ``server.main`` freezes what
startup built and turns the collector back on before the first request is read.
"""

from __future__ import annotations

import gc


def main() -> None:
    gc.disable()
    from mcp_server.server import main as serve

    serve()
