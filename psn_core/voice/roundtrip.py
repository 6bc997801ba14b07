"""Rewrite a YAML file the author edits by hand without losing what they wrote around the values.

ruamel.yaml's round-trip loader keeps comments, key order, quoting, flow/block styles and
indentation; psn loads the file that way, changes only the values that differ from the new data
(in place, so comments stay attached to their keys and list items) and dumps it again. Values that
did not change keep their node, so their text is byte-identical.

ruamel is imported inside the functions: only a write pays for it, never the CLI's start-up.
"""

from __future__ import annotations

import difflib
import io
import re
from typing import Any

# Comments and blank lines up to an explicit document start ("---"): ruamel drops them, psn keeps them.
_DOCUMENT_START = re.compile(r"\A(?:[ \t]*(?:#[^\n]*)?\n)*---[ \t]*(?:#[^\n]*)?\n")
_MAPPING_INDENT = re.compile(r"^[^\s#-][^\n]*:[ \t]*(?:#[^\n]*)?\n(?:[ \t]*(?:#[^\n]*)?\n)*( +)[^\s#-]", re.M)


def _mapping_indent(text: str) -> int:
    """Spaces before the first nested mapping key (2 when the file has none)."""
    match = _MAPPING_INDENT.search(text)
    return len(match.group(1)) if match else 2


def _is_scalar(value: object) -> bool:
    return not isinstance(value, dict | list)


def _same(old: object, new: object) -> bool:
    """Equal as data: a ruamel scalar subclass equals its plain value, but "1" is not 1 and True is not 1."""
    kinds_match = isinstance(old, str) == isinstance(new, str) and isinstance(old, bool) == isinstance(new, bool)
    return kinds_match and old == new


def _scalar(old: object, new: object) -> object:
    """``new``, styled like ``old`` where the style still fits (quotes, literal blocks)."""
    from ruamel.yaml.scalarstring import LiteralScalarString, ScalarString

    if isinstance(new, str):
        if "\n" in new:
            return LiteralScalarString(new)
        if isinstance(old, ScalarString) and not isinstance(old, LiteralScalarString):
            return type(old)(new)
    return new


def _apply_list(node: Any, new: list[Any]) -> Any:
    """Align old and new items (so a removed item takes only its own comment) and edit in place."""
    old_plain = [str(item) if isinstance(item, str) else item for item in node]
    keys_old = [repr(item) if _is_scalar(item) else f"#{i}" for i, item in enumerate(old_plain)]
    keys_new = [repr(item) if _is_scalar(item) else f"#{i}" for i, item in enumerate(new)]
    opcodes = difflib.SequenceMatcher(a=keys_old, b=keys_new, autojunk=False).get_opcodes()
    for tag, i1, i2, j1, j2 in reversed(opcodes):
        if tag == "equal":
            for offset in range(i2 - i1):
                node[i1 + offset] = _apply(node[i1 + offset], new[j1 + offset])
            continue
        common = min(i2 - i1, j2 - j1)
        for offset in range(common):
            node[i1 + offset] = _apply(node[i1 + offset], new[j1 + offset])
        for index in range(i2 - 1, i1 + common - 1, -1):
            del node[index]
        for offset, item in enumerate(new[j1 + common : j2]):
            node.insert(i1 + common + offset, _fresh(item))
    return node


def _fresh(value: object) -> object:
    if isinstance(value, dict):
        return {key: _fresh(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_fresh(item) for item in value]
    return _scalar(None, value)


def _apply(node: Any, new: object) -> Any:
    """``new`` written over ``node``: unchanged parts keep their node (and so their text)."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(node, CommentedMap) and isinstance(new, dict):
        for key in [key for key in node if key not in new]:
            del node[key]
        for key, value in new.items():
            node[key] = _apply(node[key], value) if key in node else _fresh(value)
        return node
    if isinstance(node, CommentedSeq) and isinstance(new, list):
        return _apply_list(node, new)
    if _is_scalar(node) and _is_scalar(new) and _same(node, new):
        return node
    return _fresh(new) if not _is_scalar(new) else _scalar(node, new)


def update_yaml_text(text: str, data: dict[str, Any]) -> str:
    """``text`` (a YAML mapping) rewritten to hold ``data``, keeping its comments, order and styles.

    Keys and items in ``text`` that ``data`` lacks are removed (with their comments); new keys go at
    the end of their mapping, in ``data``'s order.

    Raises:
        ValueError: ``text`` is not a YAML mapping ruamel can round-trip (callers write fresh text).
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.error import YAMLError
    from ruamel.yaml.util import load_yaml_guess_indent

    start = _DOCUMENT_START.match(text)
    head, text = (start.group(0), text[start.end() :]) if start else ("", text)
    try:
        _, sequence_indent, offset = load_yaml_guess_indent(text)
        yaml = YAML(typ="rt")
        yaml.preserve_quotes = True
        yaml.width = 4096
        yaml.indent(mapping=_mapping_indent(text), sequence=sequence_indent or 2, offset=offset or 0)
        document = yaml.load(text)
    except YAMLError as exc:
        raise ValueError(f"not round-trippable YAML: {exc}") from exc
    if not isinstance(document, CommentedMap):
        raise ValueError("not a YAML mapping")
    _apply(document, data)
    out = io.StringIO()
    yaml.dump(document, out)
    return head + out.getvalue()
