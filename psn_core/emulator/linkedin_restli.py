"""LinkedIn's Rest.li 2.0 query parameters and permissions, as LinkedIn's servers read and check them.

Built from the official documentation:
- https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/protocol-version (Rest.li 2.0: the
  structure ``( ) , :`` and ``List(...)`` stays literal, values inside are percent-encoded, so a URN's own
  colons arrive as ``%3A``)
- https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/error-handling (error bodies:
  status, serviceErrorCode, code, message)
- https://learn.microsoft.com/en-us/linkedin/shared/authentication/getting-access (each API names the
  permissions a token needs; a token without them is refused with 403 ACCESS_DENIED)

The raw query string is read as sent, never decoded first: ``entity=%28share%3A...%29`` is a plain string
(not a record) and ``author=urn:li:person:1`` is a syntax error, as on LinkedIn.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from starlette.responses import Response

from psn_core.emulator.oauth import AccessToken
from psn_core.emulator.routing import Call, Reply, json_response

_STRUCTURE = "(),:"


class RestliSyntaxError(ValueError):
    """A query value that is not well-formed Rest.li 2.0."""


def raw_query(call: Call) -> dict[str, str]:
    """Query parameters with their values exactly as sent (names decoded, values not)."""
    raw = bytes(call.request.scope.get("query_string", b"")).decode("latin-1")
    params: dict[str, str] = {}
    for pair in raw.split("&"):
        if pair:
            name, _, value = pair.partition("=")
            params[unquote(name)] = value
    return params


def decode(raw: str) -> Any:
    """A Rest.li 2.0 value: ``(k:v,...)`` -> dict, ``List(a,b)`` -> list, a leaf -> its decoded string.

    Raises:
        RestliSyntaxError: unbalanced structure, or structural characters where a value should be.
    """
    value, end = _parse(raw, 0)
    if end != len(raw):
        raise RestliSyntaxError(f"unexpected {raw[end]!r} at position {end}")
    return value


def _parse(text: str, i: int) -> tuple[Any, int]:
    if text.startswith("List(", i):
        return _items(text, i + 5)
    if i < len(text) and text[i] == "(":
        return _record(text, i + 1)
    end = i
    while end < len(text) and text[end] not in _STRUCTURE:
        end += 1
    return unquote(text[i:end]), end


def _items(text: str, i: int) -> tuple[list[Any], int]:
    items: list[Any] = []
    if text.startswith(")", i):
        return items, i + 1
    while True:
        value, i = _parse(text, i)
        items.append(value)
        if text.startswith(",", i):
            i += 1
        elif text.startswith(")", i):
            return items, i + 1
        else:
            raise RestliSyntaxError(f"unterminated list at position {i}")


def _record(text: str, i: int) -> tuple[dict[str, Any], int]:
    record: dict[str, Any] = {}
    if text.startswith(")", i):
        return record, i + 1
    while True:
        key, i = _parse(text, i)
        if not isinstance(key, str) or not text.startswith(":", i):
            raise RestliSyntaxError(f"a record field needs key:value at position {i}")
        record[key], i = _parse(text, i + 1)
        if text.startswith(",", i):
            i += 1
        elif text.startswith(")", i):
            return record, i + 1
        else:
            raise RestliSyntaxError(f"unterminated record at position {i}")


def invalid_param(name: str, description: str) -> Response:
    """LinkedIn's 400 for a query parameter it cannot use, naming the parameter."""
    return json_response(
        {
            "status": 400,
            "code": "ILLEGAL_ARGUMENT",
            "message": "Invalid param. Please see errorDetails for more information.",
            "errorDetails": {
                "inputErrors": [
                    {
                        "description": description,
                        "input": {"inputPath": {"fieldPath": name}},
                        "code": "INVALID_VALUE_FOR_PARAM",
                    }
                ]
            },
        },
        400,
    )


def params(call: Call, *names: str) -> dict[str, Any]:
    """The named query parameters decoded as Rest.li 2.0 (absent ones are left out).

    Raises:
        Reply: 400 naming the first parameter that is not well-formed.
    """
    raw = raw_query(call)
    decoded: dict[str, Any] = {}
    for name in names:
        if name in raw:
            try:
                decoded[name] = decode(raw[name])
            except RestliSyntaxError as exc:
                raise Reply(invalid_param(name, f"Malformed Rest.li 2.0 value: {exc}")) from None
    return decoded


def granted(token: AccessToken) -> frozenset[str]:
    return frozenset(token.scope.replace(",", " ").split())


def require_scope(token: AccessToken, resource: str, *any_of: str) -> None:
    """Refuse the call unless the token holds one of ``any_of``.

    Raises:
        Reply: 403 ACCESS_DENIED, LinkedIn's answer to a token without the permission.
    """
    if not granted(token) & set(any_of):
        raise Reply(
            json_response(
                {
                    "status": 403,
                    "serviceErrorCode": 100,
                    "code": "ACCESS_DENIED",
                    "message": f"Not enough permissions to access: {resource}",
                },
                403,
            )
        )
