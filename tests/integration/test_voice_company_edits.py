"""`psn company post --ai-draft`: the member's edits of a drafted brand post are learned in their personal
hub (with the persona the company hub keys the post by and the catalog's format), never in the company's."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from psn_core.cli.main import cli
from psn_core.hub.database import Hub
from psn_core.services.company.hubs import write_connection
from psn_core.timefmt import utcnow
from psn_core.workspace import set_env_values
from tests.integration.test_company_members import Company
from tests.mcp.test_mcp_gate_company import acme, personal_url  # noqa: F401 (fixtures)
from tests.support.hubs import make_settings, new_member

pytestmark = pytest.mark.pg


def test_a_drafted_company_post_from_the_cli_teaches_the_personal_hub(
    acme: Company,  # noqa: F811
    personal_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    ws = tmp_path / "ada"
    write_connection(ws, acme.connection_as(acme.admin))
    settings = make_settings(ws, personal_url)
    with Hub.open(settings) as personal:
        member: uuid.UUID = new_member(personal, "Ada at home")
        assert settings.database_url is not None and settings.app_password is not None
        set_env_values(
            ws / "hub.env",
            {
                "PSN_DATABASE_URL": settings.database_url.get_secret_value(),
                "PSN_APP_PASSWORD": settings.app_password.get_secret_value(),
                "PSN_MEMBER_ID": str(member),
                "PSN_TIMEZONE": "UTC",
            },
        )
        at = (utcnow() + timedelta(hours=3)).strftime("%Y-%m-%d %H:%M")
        args = ["--workspace", str(ws), "company", "post", "acme", "Acme 2.0 is out.", "--to", "x", "--at", at]
        draft = ["--ai-draft", "We are thrilled to announce Acme 2.0, available today for everyone!"]
        wrong = CliRunner().invoke(cli, [*args, *draft, "--format", "text", "--yes"])
        done = CliRunner().invoke(cli, [*args, *draft, "--yes"])
        with personal.owner() as conn:
            edits = conn.execute("SELECT persona, platform, format, final_text FROM draft_edits").fetchall()
    assert wrong.exit_code == 1 and "'text' is not a post format psn knows" in wrong.output
    assert done.exit_code == 0, done.output
    assert edits == [
        {"persona": "brand-operator-acme", "platform": "x", "format": "short_take", "final_text": "Acme 2.0 is out."}
    ]
    with acme.hub.owner() as conn:
        assert conn.execute("SELECT count(*) AS n FROM draft_edits").fetchone() == {"n": 0}
        assert conn.execute("SELECT count(*) AS n FROM posts").fetchone() == {"n": 1}


def test_a_drafted_company_post_is_refused_before_anything_is_written_or_kept_when_learning_fails(
    acme: Company,  # noqa: F811
    personal_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    """A bad language is refused before the company hub is touched; once the post is committed, a failure to
    learn the edit (personal hub unreachable) is a note, never a failure (a retry would post it twice)."""
    ws = tmp_path / "ada"
    write_connection(ws, acme.connection_as(acme.admin))
    settings = make_settings(ws, personal_url)
    with Hub.open(settings) as personal:
        member: uuid.UUID = new_member(personal, "Ada at home")
    assert settings.database_url is not None and settings.app_password is not None
    unreachable = make_conninfo(**{**conninfo_to_dict(settings.database_url.get_secret_value()), "port": "1"})
    env = {
        "PSN_DATABASE_URL": settings.database_url.get_secret_value(),
        "PSN_APP_PASSWORD": settings.app_password.get_secret_value(),
        "PSN_MEMBER_ID": str(member),
        "PSN_TIMEZONE": "UTC",
        "PSN_CONNECT_TIMEOUT": "2",
    }
    set_env_values(ws / "hub.env", env)
    at = (utcnow() + timedelta(hours=3)).strftime("%Y-%m-%d %H:%M")
    args = ["--workspace", str(ws), "company", "post", "acme", "Acme 2.0 is out.", "--to", "x", "--at", at]
    draft = ["--ai-draft", "We are thrilled to announce Acme 2.0, available today for everyone!", "--yes"]
    bad_language = CliRunner().invoke(cli, [*args, *draft, "--language", "EN"])
    with acme.hub.owner() as conn:
        after_bad = conn.execute("SELECT count(*) AS n FROM posts").fetchone()
    set_env_values(ws / "hub.env", {**env, "PSN_DATABASE_URL": unreachable})
    unlearned = CliRunner().invoke(cli, [*args, *draft])
    assert bad_language.exit_code == 1 and "'EN' is not a language code" in bad_language.output
    assert after_bad == {"n": 0}
    assert unlearned.exit_code == 0, unlearned.output
    assert "Scheduled post" in unlearned.output and "the edit was not learned" in unlearned.output
    with acme.hub.owner() as conn:
        assert conn.execute("SELECT count(*) AS n FROM posts").fetchone() == {"n": 1}
