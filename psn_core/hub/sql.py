"""SQL with a home: each wing keeps its queries in a ``queries.sql`` file beside its modules.

A file holds named queries, each introduced by a ``-- name: <identifier>`` line (the procrastinate and
aiosql convention), with named parameters (``%(member_id)s``)::

    -- name: overdue_targets
    -- Targets still scheduled a minute past their time (their queue entry was lost).
    SELECT id FROM post_targets
     WHERE member_id = %(member_id)s AND status = 'scheduled' AND next_attempt_at < %(before)s;

``Queries.load(__package__)`` reads the file once per process; ``Q.overdue_targets`` is the text. Rows come
back typed: :func:`one` and :func:`many` build a pydantic model (or any class taking the columns as keyword
arguments) per row, :func:`value` returns the first column of the first row. :func:`id_by_prefix` finds a
row's id from the id or the start of it (psn shows 8 characters), each wing raising its own NotFound.
Identifiers (table names, roles, databases) never go into a query file as text: build them with
``psycopg.sql.Identifier``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib.resources import files
from typing import Any, TypeVar
from uuid import UUID

import psycopg
from psycopg.rows import class_row

T = TypeVar("T")
Params = Mapping[str, object]

_NAME = re.compile(r"^--\s*name:\s*([a-z_][a-z0-9_]*)\s*$")
_LOADED: dict[tuple[str, str], Queries] = {}
_ID_CHARS = frozenset("0123456789abcdef-")


class Queries:
    """The named queries of one ``.sql`` file, as attributes (``Q.claim_target``) or by ``Q["claim_target"]``."""

    def __init__(self, queries: Mapping[str, str], source: str) -> None:
        self._queries = dict(queries)
        self.source = source

    @classmethod
    def load(cls, package: str | None, filename: str = "queries.sql") -> Queries:
        """The queries in ``filename`` of ``package`` (pass ``__package__``), parsed once per process.

        Raises:
            ValueError: the file has a query without a name, an empty query, or a name twice.
        """
        if not package:
            raise ValueError("Queries.load needs the package that holds the .sql file (pass __package__).")
        key = (package, filename)
        if key not in _LOADED:
            text = files(package).joinpath(filename).read_text("utf-8")
            _LOADED[key] = cls(parse(text, f"{package}/{filename}"), f"{package}/{filename}")
        return _LOADED[key]

    def __getattr__(self, name: str) -> str:
        try:
            return self._queries[name]
        except KeyError:
            raise AttributeError(f"{self.source} has no query named {name!r}") from None

    def __getitem__(self, name: str) -> str:
        return self.__getattr__(name)

    def names(self) -> list[str]:
        return sorted(self._queries)


def parse(text: str, source: str = "<sql>") -> dict[str, str]:
    """Split a query file into ``{name: query}``; comment lines right under a name are kept as its doc.

    Raises:
        ValueError: SQL before the first name, a name without SQL, or a name used twice.
    """
    out: dict[str, str] = {}
    name: str | None = None
    body: list[str] = []

    def close() -> None:
        if name is None:
            if any(line.strip() and not line.lstrip().startswith("--") for line in body):
                raise ValueError(f"{source}: SQL before the first '-- name:' line")
            return
        sql = "\n".join(line for line in body if not line.lstrip().startswith("--")).strip().rstrip(";").strip()
        if not sql:
            raise ValueError(f"{source}: query {name!r} has no SQL")
        if name in out:
            raise ValueError(f"{source}: query {name!r} is defined twice")
        out[name] = sql

    for line in text.splitlines():
        match = _NAME.match(line.strip())
        if match:
            close()
            name, body = match.group(1), []
        else:
            body.append(line)
    close()
    return out


def one(conn: psycopg.Connection[Any], query: str, params: Params | None, row: type[T]) -> T | None:
    """The first row of ``query`` as a ``row`` (columns passed as keyword arguments), or None."""
    with conn.cursor(row_factory=class_row(row)) as cur:
        return cur.execute(query, params).fetchone()


def many(conn: psycopg.Connection[Any], query: str, params: Params | None, row: type[T]) -> list[T]:
    """Every row of ``query``, each as a ``row``."""
    with conn.cursor(row_factory=class_row(row)) as cur:
        return cur.execute(query, params).fetchall()


def value(conn: psycopg.Connection[Any], query: str, params: Params | None = None) -> Any:
    """The first column of the first row of ``query`` (None when there is no row)."""
    with conn.cursor() as cur:
        found: Sequence[Any] | None = cur.execute(query, params).fetchone()
    if found is None:
        return None
    return found[0] if not isinstance(found, Mapping) else next(iter(found.values()))


def run(conn: psycopg.Connection[Any], query: str, params: Params | None = None) -> int:
    """Execute a write; the number of rows it touched."""
    with conn.cursor() as cur:
        return cur.execute(query, params).rowcount


@dataclass(frozen=True)
class _Id:
    id: UUID


def whole_id(ref: object) -> UUID | None:
    """``ref`` as an id when it is a whole one (36 characters, any case, spaces around), else None."""
    text = str(ref).strip().lower()
    if len(text) == 36:
        try:
            return UUID(text)
        except ValueError:
            pass
    return None


def id_prefix(ref: object, error: Callable[[str], Exception], noun: str) -> str:
    """``ref`` stripped and lowered, when it can be the start of an id (6+ hex digits and dashes).

    Raises:
        ``error``: it cannot ("... is not {noun} id (give the id or at least its first 6 characters).").
    """
    text = str(ref).strip().lower()
    if len(text) < 6 or not set(text) <= _ID_CHARS:
        raise error(f"{str(ref)!r} is not {noun} id (give the id or at least its first 6 characters).")
    return text


def only_match(found: Sequence[T], prefix: str, error: Callable[[str], Exception], several: str, none: str) -> T:
    """The one row a prefix found.

    Raises:
        ``error``: none or several ("{several} start with ..." / "{none} start with ...").
    """
    if len(found) != 1:
        raise error(f"{several if found else none} start with {prefix!r}.")
    return found[0]


def id_by_prefix(
    conn: psycopg.Connection[Any],
    ref: object,
    query: str,
    error: Callable[[str], Exception],
    *,
    noun: str,
    several: str,
    none: str,
) -> UUID:
    """A row's id from its whole id (taken as it is: the caller's lookup says when it is not visible) or
    from a prefix of it that ``query`` (one ``%(prefix)s`` parameter, an ``id`` column) matches once.

    Raises:
        ``error``: see :func:`id_prefix` and :func:`only_match`.
    """
    whole = whole_id(ref)
    if whole is not None:
        return whole
    text = id_prefix(ref, error, noun)
    return only_match(many(conn, query, {"prefix": text + "%"}, _Id), text, error, several, none).id
