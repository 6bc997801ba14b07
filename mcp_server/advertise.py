"""What the server tells a client about itself, made truthful once every tool, resource and prompt is
registered: schemas carry no JSON Schema format a client cannot check, and the server advertises resources
and prompts only when it has some.

- ``format: "path"`` (what pydantic writes for ``pathlib.Path``) is not a JSON Schema format: Claude Code
  warns ``unknown format "path"`` for each one. A path is a string; the format is dropped and the field
  says it is a file path.
- ``MCPServer`` registers the resources and prompts methods whether or not it has any, and the low-level
  server advertises a capability for each method it serves. Without resources or prompts the methods are
  removed, so the capabilities say what the server really offers.

Both reach into ``MCPServer``'s registries (``_tool_manager`` etc.; mcp 2.x, pinned in pyproject.toml):
``tests/mcp/test_mcp_schemas.py`` checks the outcome over the protocol, so an SDK change shows there.
"""

from __future__ import annotations

from typing import Any

from mcp.server import MCPServer

_PATH_NOTE = "A file path."
_RESOURCE_METHODS = ("resources/list", "resources/templates/list", "resources/read")
_PROMPT_METHODS = ("prompts/list", "prompts/get")


def strip_path_formats(schema: Any) -> None:
    """Drop every ``"format": "path"`` in ``schema`` (in place), noting in the description that the
    string is a file path."""
    if isinstance(schema, dict):
        if schema.get("format") == "path":
            del schema["format"]
            described = schema.get("description")
            schema["description"] = f"{described} ({_PATH_NOTE})" if described else _PATH_NOTE
        for value in schema.values():
            strip_path_formats(value)
    elif isinstance(schema, list):
        for item in schema:
            strip_path_formats(item)


def tidy(server: MCPServer) -> None:
    """Make ``server``'s schemas and capabilities truthful (see the module's docstring)."""
    for tool in server._tool_manager.list_tools():
        strip_path_formats(tool.parameters)
        strip_path_formats(tool.output_schema)
    handlers = server._lowlevel_server._request_handlers
    has_resources = server._resource_manager.list_resources() or server._resource_manager.list_templates()
    if not has_resources:
        for method in _RESOURCE_METHODS:
            handlers.pop(method, None)
    if not server._prompt_manager.list_prompts():
        for method in _PROMPT_METHODS:
            handlers.pop(method, None)
