"""Tool groups. Each module's ``register(server, ctx)`` adds its tools; the annotations below are the
only ones tools use, so each tool's hints are chosen from a short, reviewed list.

Hints follow the MCP spec: ``readOnlyHint`` (changes nothing), ``destructiveHint`` (may overwrite or
delete, only meaningful when not read-only), ``idempotentHint`` (repeating the call with the same
arguments changes nothing more), ``openWorldHint`` (talks to a social platform, not just the hub and
the workspace).
"""

from __future__ import annotations

from mcp.types import ToolAnnotations


def read_only(title: str) -> ToolAnnotations:
    """Reads the hub or the workspace; changes nothing."""
    return ToolAnnotations(
        title=title, read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False
    )


def writes(title: str, *, destructive: bool, idempotent: bool, open_world: bool = False) -> ToolAnnotations:
    """Changes the hub or the workspace."""
    return ToolAnnotations(
        title=title,
        read_only_hint=False,
        destructive_hint=destructive,
        idempotent_hint=idempotent,
        open_world_hint=open_world,
    )
