"""How a psn error reaches the model: a tool error (``isError``) whose text is the human message and the
recovery action, secrets masked, with the error's class and whether retrying can help in ``_meta``.

    <message>
    What to do: <action>

Only PSNError is turned into a tool error here. Anything else is a bug: the SDK logs its traceback and
the model reads only "Error executing tool <name>", so no internal detail (or secret) leaks.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import ParamSpec, TypeVar, cast

from mcp.types import CallToolResult, TextContent
from pydantic import BaseModel

from psn_core.errors import PSNError
from psn_core.masking import registry
from psn_core.text import check_text

P = ParamSpec("P")
R = TypeVar("R")

ERROR_META_KEY = "psn/error"


def error_text(error: PSNError) -> str:
    """The text the model reads: what happened, then what to do, secrets masked."""
    return f"{registry.redact(error.message)}\nWhat to do: {registry.redact(error.action)}"


def tool_error(error: PSNError) -> CallToolResult:
    """A tool error result for ``error``."""
    return CallToolResult(
        content=[TextContent(type="text", text=error_text(error))],
        is_error=True,
        _meta={ERROR_META_KEY: {"error": type(error).__name__, "retryable": error.retryable}},
    )


def check_arguments(value: object, where: str) -> None:
    """Refuse NUL characters and undecodable text anywhere in a tool argument (strings inside lists,
    mappings and models too): Postgres cannot store them, so they stop here, before anything is written.

    Raises:
        TextInvalid: naming the argument.
    """
    if isinstance(value, str):
        check_text(value, where)
    elif isinstance(value, BaseModel):
        for field, item in value:
            check_arguments(item, f"{where} ({field})")
    elif isinstance(value, dict):
        for key, item in value.items():
            check_arguments(key, where)
            check_arguments(item, where)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            check_arguments(item, where)


def psn_tool(fn: Callable[P, R]) -> Callable[P, R]:
    """Decorate a tool so a PSNError comes back as a tool error (message + action), not a crash.

    The wrapper keeps the tool's signature and return annotation, so its input and output schemas
    are unchanged; the SDK passes a returned error result through without validating it.
    """

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            for name, value in kwargs.items():
                check_arguments(value, f"the argument {name}")
            return fn(*args, **kwargs)
        except PSNError as exc:
            return cast(R, tool_error(exc))

    # The description the model reads: the docstring without its source indentation.
    wrapper.__doc__ = inspect.cleandoc(fn.__doc__ or "")
    return wrapper
