"""Text psn can store and send: valid UTF-8 without NUL characters.

Every edge that takes text from outside (command arguments, files, MCP tool calls, hub.env) checks it
here first, so bad bytes are answered with :class:`~psn_core.errors.TextInvalid` and a What to do,
never with a Postgres or encoder traceback.
"""

from __future__ import annotations

from psn_core.errors import TextInvalid


def check_text(value: str, where: str) -> str:
    """``value`` unchanged when psn can store and send it: no lone surrogates (how Python carries bytes
    that were not UTF-8, in arguments and file names) and no NUL characters (Postgres refuses them).

    Raises:
        TextInvalid: naming ``where`` (for instance "the post text") and the first bad character.
    """
    where = where[:1].upper() + where[1:]
    if "\x00" in value:
        raise TextInvalid(f"{where} contains a NUL character (\\x00) at position {value.index(chr(0)) + 1}.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise TextInvalid(f"{where} is not valid UTF-8 (undecodable bytes at character {exc.start + 1}).") from None
    return value


def decode_text(data: bytes, where: str) -> str:
    """``data`` as UTF-8 text (see :func:`check_text`).

    Raises:
        TextInvalid: the bytes are not UTF-8 or hold NUL characters.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        where = where[:1].upper() + where[1:]
        raise TextInvalid(f"{where} is not valid UTF-8 text (byte {exc.start + 1} cannot be decoded).") from None
    return check_text(text, where)
