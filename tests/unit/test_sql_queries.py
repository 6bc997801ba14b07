"""Named query files: parsing, errors that say where, and loading once per process."""

from __future__ import annotations

import pytest

from psn_core.hub.sql import Queries, parse


def test_named_queries_are_split_and_their_doc_comments_dropped() -> None:
    text = """
-- name: first
-- What it does.
SELECT 1 WHERE a = %(a)s;

-- name: second
UPDATE t SET x = 1
 WHERE id = %(id)s
"""
    assert parse(text) == {"first": "SELECT 1 WHERE a = %(a)s", "second": "UPDATE t SET x = 1\n WHERE id = %(id)s"}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("SELECT 1;\n-- name: a\nSELECT 2", "before the first"),
        ("-- name: a\n-- only a comment\n", "has no SQL"),
        ("-- name: a\nSELECT 1\n-- name: a\nSELECT 2", "defined twice"),
    ],
)
def test_a_malformed_query_file_names_the_problem(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse(text, "wing/queries.sql")


def test_an_unknown_query_name_is_an_attribute_error_naming_the_file() -> None:
    queries = Queries({"known": "SELECT 1"}, "wing/queries.sql")
    assert queries.known == "SELECT 1" and queries["known"] == "SELECT 1"
    with pytest.raises(AttributeError, match=r"wing/queries.sql has no query named 'missing'"):
        _ = queries.missing


class _Missing(Exception):
    pass


def test_an_id_prefix_is_six_hex_characters_or_the_wing_error_says_so() -> None:
    from psn_core.hub.sql import id_prefix

    assert id_prefix("  ABCDEF12 ", _Missing, "an idea") == "abcdef12"
    for ref in ("abcde", "ghijkl12", "abc def1"):
        with pytest.raises(_Missing, match=r"is not an idea id \(give the id or at least its first 6 characters\)"):
            id_prefix(ref, _Missing, "an idea")


def test_a_prefix_must_match_exactly_one_row() -> None:
    from psn_core.hub.sql import only_match

    assert only_match(["x"], "abcdef", _Missing, "Several ideas", "No idea") == "x"
    with pytest.raises(_Missing, match=r"^Several ideas start with 'abcdef'\.$"):
        only_match(["x", "y"], "abcdef", _Missing, "Several ideas", "No idea")
    with pytest.raises(_Missing, match=r"^No idea start with 'abcdef'\.$"):
        only_match([], "abcdef", _Missing, "Several ideas", "No idea")


def test_a_whole_id_is_taken_as_it_is_and_anything_else_is_not_one() -> None:
    import uuid

    from psn_core.hub.sql import whole_id

    ident = uuid.uuid4()
    assert whole_id(ident) == ident
    assert whole_id(f"  {str(ident).upper()} ") == ident
    assert whole_id(str(ident)[:8]) is None
    assert whole_id("x" * 36) is None
