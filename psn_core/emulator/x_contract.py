"""X's own OpenAPI contract as a request validator: path and method, parameters, body schema, OAuth scopes.

The contract is X API v2's OpenAPI document (github.com/xdevplatform/xdk specs/openapi.json, MIT),
trimmed to the operations psn uses and shipped in ``data/x_openapi.json`` (see ``data/README.md``). It is
loaded once; each operation's parameter and body schemas become ``jsonschema`` validators, so no rule
here is written per endpoint. What a request is checked for, in the order X answers:

- no operation for the path and method: 404;
- the OAuth 2.0 user token lacks a scope of the operation's ``security`` (``OAuth2UserToken``): 403;
- a path or query parameter missing, unknown, of the wrong type or outside its enum/pattern/range, or a
  body of a content type the operation does not take or that breaks its schema (missing required
  properties, unknown ones where ``additionalProperties`` is false, wrong types, unknown enum values): 400.

Parameters follow OpenAPI 3.0 serialisation: ``style: form`` arrays with ``explode: false`` are
comma-separated; query and multipart text values are coerced to the schema's type before validation.
The wire name ``tweet.fields`` is the spec's own ``TweetFieldsParameter`` (see ``data/README.md``).

Official pages followed: https://docs.x.com/x-api/fundamentals/fields (``tweet.fields``),
https://docs.x.com/x-api/fundamentals/response-codes-and-errors (problem bodies),
https://docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code (scopes).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from jsonschema import Draft4Validator
from jsonschema.exceptions import best_match

DEFAULT_SPEC = Path(__file__).with_name("data") / "x_openapi.json"
USER_SCHEME = "OAuth2UserToken"
_WIRE_NAMES = {"PostFieldsParameter": "TweetFieldsParameter"}
_BINARY = "<binary>"


@dataclass(frozen=True)
class Violation:
    """Why X would refuse a request: ``status`` 400, 403 or 404, with X's wording where it has one."""

    status: int
    message: str
    parameter: str | None = None
    value: str | None = None


@dataclass(frozen=True)
class Param:
    name: str
    location: str
    required: bool
    schema: Mapping[str, Any]
    validator: Draft4Validator
    explode: bool


@dataclass(frozen=True)
class Operation:
    """One method on one path of the contract."""

    method: str
    template: str
    operation_id: str
    pattern: re.Pattern[str]
    params: Mapping[tuple[str, str], Param]
    bodies: Mapping[str, tuple[Mapping[str, Any], Draft4Validator]]
    body_required: bool
    scopes: frozenset[str] | None
    """Scopes an OAuth 2.0 user token needs; None when the operation takes no such token."""

    def missing_scopes(self, granted: Iterable[str]) -> list[str]:
        if self.scopes is None:
            return [USER_SCHEME]
        return sorted(self.scopes - set(granted))


class XContract:
    """The operations of one OpenAPI document, ready to match and validate requests."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self.spec = spec
        self._components = spec.get("components", {})
        self.operations: list[Operation] = []
        for template, item in spec["paths"].items():
            shared = item.get("parameters", [])
            for method, op in item.items():
                if method in ("parameters", "summary", "description", "servers"):
                    continue
                self.operations.append(
                    self._operation(method.upper(), template, [*shared, *op.get("parameters", [])], op)
                )
        # Literal paths win over templated ones (``/2/media/upload/initialize`` over ``/{id}/...``).
        self.operations.sort(key=lambda o: (o.template.count("{"), o.template))

    @classmethod
    def load(cls, path: Path = DEFAULT_SPEC) -> XContract:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    # -- building ----------------------------------------------------------------------------
    def _validator(self, schema: Mapping[str, Any]) -> Draft4Validator:
        # $ref siblings are ignored by draft 4, so the components can ride along at the root.
        return Draft4Validator({**schema, "components": self._components})

    def resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        while "$ref" in schema:
            _, _, section, name = str(schema["$ref"]).split("/", 3)
            schema = self._components[section][name]
        return schema

    def _param(self, raw: Mapping[str, Any]) -> Param:
        resolved = self.resolve(raw)
        return Param(
            name=resolved["name"],
            location=resolved["in"],
            required=bool(resolved.get("required", False)),
            schema=self.resolve(resolved.get("schema", {})),
            validator=self._validator(resolved.get("schema", {})),
            explode=bool(resolved.get("explode", resolved.get("style", "form") == "form")),
        )

    def _operation(
        self, method: str, template: str, raw_params: Sequence[Mapping[str, Any]], op: Mapping[str, Any]
    ) -> Operation:
        params: dict[tuple[str, str], Param] = {}
        for raw in raw_params:
            param = self._param(raw)
            params[(param.location, param.name)] = param
            wire = _WIRE_NAMES.get(str(raw.get("$ref", "")).rsplit("/", 1)[-1])
            if wire and wire in self._components.get("parameters", {}):
                alias = self._param({"$ref": f"#/components/parameters/{wire}"})
                params[(alias.location, alias.name)] = alias
        body = op.get("requestBody", {})
        bodies = {
            media: (self.resolve(content.get("schema", {})), self._validator(content.get("schema", {})))
            for media, content in body.get("content", {}).items()
        }
        scopes: frozenset[str] | None = None
        for requirement in op.get("security", []):
            if USER_SCHEME in requirement:
                scopes = frozenset(requirement[USER_SCHEME])
        regex = re.sub(r"\\\{([^}]+)\\\}", lambda m: f"(?P<{m[1]}>[^/]+)", re.escape(template))
        return Operation(
            method=method,
            template=template,
            operation_id=str(op.get("operationId", "")),
            pattern=re.compile(f"^{regex}$"),
            params=params,
            bodies=bodies,
            body_required=bool(body.get("required", False)),
            scopes=scopes,
        )

    # -- checking ----------------------------------------------------------------------------
    def match(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        """The operation serving ``method path`` and its path parameters, or None (X answers 404)."""
        for op in self.operations:
            found = op.pattern.match(path)
            if found and op.method == method.upper():
                return op, found.groupdict()
        return None

    def check(
        self,
        op: Operation,
        path_params: Mapping[str, str],
        query: Sequence[tuple[str, str]],
        content_type: str,
        body: bytes,
    ) -> Violation | None:
        """The first reason the parameters or body break the contract, or None."""
        for (location, name), param in op.params.items():
            if location == "path" and name in path_params:
                problem = _check_value(param, path_params[name])
                if problem:
                    return problem
        known = {name for location, name in op.params if location == "query"}
        for name, value in query:
            if name not in known:
                allowed = ",".join(sorted(known))
                return Violation(400, f"The query parameter [{name}] is not one of [{allowed}]", name, value)
        given = dict(query)
        for (location, name), param in op.params.items():
            if location != "query":
                continue
            if name not in given:
                if param.required:
                    return Violation(400, f"The `{name}` query parameter can not be empty", name, "")
                continue
            problem = _check_value(param, given[name])
            if problem:
                return problem
        return self._check_body(op, content_type, body)

    def _check_body(self, op: Operation, content_type: str, body: bytes) -> Violation | None:
        media = content_type.split(";", 1)[0].strip().lower()
        if not op.bodies:
            return None
        if not body and not media:
            return Violation(400, "A request body is required.") if op.body_required else None
        if media not in op.bodies:
            offered = ", ".join(op.bodies)
            return Violation(400, f"Content-Type {media or '(none)'} is not supported here; send one of: {offered}.")
        schema, validator = op.bodies[media]
        try:
            value = decode_body(content_type, body, schema)
        except ValueError as exc:
            return Violation(400, str(exc))
        error = best_match(validator.iter_errors(value))
        if error is None:
            return None
        where = ".".join(str(part) for part in error.absolute_path)
        return Violation(400, f"{where}: {error.message}" if where else error.message, where or None)


def _coerce(schema: Mapping[str, Any], raw: str) -> object:
    kind = schema.get("type")
    if kind == "integer" and re.fullmatch(r"-?\d+", raw):
        return int(raw)
    if kind == "number":
        try:
            return float(raw)
        except ValueError:
            return raw
    if kind == "boolean" and raw in ("true", "false"):
        return raw == "true"
    return raw


def _check_value(param: Param, raw: str) -> Violation | None:
    schema = param.schema
    value: object
    if schema.get("type") == "array":
        items = schema.get("items", {})
        value = [_coerce(items, part) for part in raw.split(",")] if raw else []
    else:
        value = _coerce(schema, raw)
    error = best_match(param.validator.iter_errors(value))
    if error is None:
        return None
    where = "query parameter" if param.location == "query" else "path parameter"
    return Violation(400, f"The `{param.name}` {where} value [{raw}] is not valid: {error.message}", param.name, raw)


def decode_body(content_type: str, body: bytes, schema: Mapping[str, Any]) -> object:
    """The request body as the schema sees it: JSON as parsed; form fields coerced to the schema's types,
    file parts as a placeholder string (their bytes are not the schema's business).

    Raises:
        ValueError: the body cannot be parsed as its content type says.
    """
    media = content_type.split(";", 1)[0].strip().lower()
    if media == "application/json":
        try:
            return json.loads(body or b"null")
        except json.JSONDecodeError as exc:
            raise ValueError("Request body is not valid JSON.") from exc
    properties: Mapping[str, Any] = schema.get("properties", {})
    fields: dict[str, object] = {}
    if media == "multipart/form-data":
        message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
        if not message.is_multipart():
            raise ValueError("The multipart body could not be parsed.")
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not isinstance(name, str):
                continue
            payload = part.get_payload(decode=True)
            if part.get_filename() is not None:
                fields[name] = _BINARY
            else:
                text = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""
                fields[name] = _coerce(properties.get(name, {}), text)
        return fields
    for name, text in parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True):
        fields[name] = _coerce(properties.get(name, {}), text)
    return fields


@cache
def x_contract() -> XContract:
    """The packaged contract, loaded once per process."""
    return XContract.load()
