"""A company's brand voice: the admin stores it in the company hub, members sync it to a local file
(``voices/brand-ambassador-<company>.yaml``), and company posts are checked against that file only,
never against the hub (posting reads local files and one hub).

Errors raised here are CompanyError and NotPermitted (psn_core.errors), and the voice
profile errors (VoiceProfileInvalid, VoiceProfileNotFound).
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel

from psn_core.errors import CompanyError, ConfigError
from psn_core.hub import sql
from psn_core.hub.database import Conn
from psn_core.hub.sql import Queries
from psn_core.services.company.hubs import ADMINS, APPROVERS, CompanyHub, check_slug, require_role
from psn_core.services.voice.files import check_text, profile_path, voices_dir
from psn_core.voice import load_profile
from psn_core.voice.errors import UnsupportedLanguage
from psn_core.workspace import write_private

Q = Queries.load(__package__)


def brand_yaml(conn: Conn) -> str | None:
    """The company's brand voice as stored in the hub (YAML), or None when it was never set."""
    yaml: str | None = sql.value(conn, Q.brand)
    return yaml


def brand_file(workspace: Path, slug: str) -> Path:
    """Where `psn company sync` writes the brand voice: voices/brand-ambassador-<company>.yaml."""
    return voices_dir(workspace) / f"brand-ambassador-{check_slug(slug)}.yaml"


def synced_brand_file(workspace: Path, slug: str) -> Path:
    """The synced brand voice file to read (also one an earlier psn wrote with underscores)."""
    return profile_path(voices_dir(workspace), f"brand-ambassador-{check_slug(slug)}")


def _has_word(text: str, phrase: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text, re.IGNORECASE) is not None


def set_brand_voice(conn: Conn, profile_file: Path) -> None:
    """Store the company's brand voice and guardrails (admins only): a brand_ambassador profile file.

    Raises:
        VoiceProfileInvalid, VoiceProfileNotFound; NotPermitted: not an admin.
    """
    require_role(conn, ADMINS, "change the brand voice")
    profile = load_profile(profile_file)
    if profile.persona != "brand_ambassador":
        raise ConfigError(f"{profile_file} is a {profile.persona} profile; the brand voice is brand_ambassador.")
    sql.run(conn, Q.save_brand, {"yaml": profile_file.read_text("utf-8")})


class BrandCheck(BaseModel):
    """A company post's text against the synced brand voice (the local file, never the hub)."""

    file: Path | None  # None: the brand voice was never synced here
    forbidden_words: list[str] = []
    forbidden_topics: list[str] = []
    required_disclosure: str | None = None


def check_brand(workspace: Path, slug: str, text: str, language: str) -> BrandCheck:
    """Check ``text`` against ``voices/brand-ambassador-<company>.yaml``: the words its guardrails (and
    the language's never-use list) forbid, plus the topics and disclosure a person must judge. A
    language psn ships no tells for is checked against the guardrail words alone.

    Raises:
        VoiceProfileInvalid: the synced file is broken.
    """
    path = synced_brand_file(workspace, slug)
    if not path.exists():
        return BrandCheck(file=None)
    rails = load_profile(path).guardrails
    try:
        checked = check_text(voices_dir(workspace), text, language=language, persona=f"brand-ambassador-{slug}")
        words = list(dict.fromkeys(t.excerpt for t in checked.report.tells if t.code == "never_use"))
    except UnsupportedLanguage:  # no tells shipped for it: the guardrail words, matched as whole words
        words = [w for w in (rails.never_use if rails else []) if _has_word(text, w)]
    return BrandCheck(
        file=path,
        forbidden_words=words,
        forbidden_topics=list(rails.forbidden_topics) if rails else [],
        required_disclosure=rails.required_disclosure if rails else None,
    )


def brand_is_stale(conn: Conn, workspace: Path, slug: str) -> bool:
    """Whether the company's brand voice (in this hub) differs from the synced local file. False when
    the company has none; True when it has one and this workspace never synced it."""
    yaml = brand_yaml(conn)
    if yaml is None:
        return False
    local = synced_brand_file(workspace, slug)
    return not local.exists() or local.read_text("utf-8") != yaml


def sync_brand_voice(company: CompanyHub, workspace: Path) -> Path:
    """Copy the company's brand voice into ``voices/brand-ambassador-<company>.yaml``. Posting reads only
    this local file, never the company hub.

    Raises:
        CompanyError: the company has no brand voice yet; VoiceProfileInvalid; HubUnreachable.
    """
    with company.transaction() as conn:
        require_role(conn, (*APPROVERS, "contributor"), "sync the brand voice")
        yaml = brand_yaml(conn)
    if yaml is None:
        raise CompanyError(f"{company.name} has no brand voice yet.", "An admin sets it with `psn company brand FILE`.")
    target = brand_file(workspace, company.connection.slug)
    tmp = target.with_name(f".{target.name}.sync")
    write_private(tmp, yaml)
    try:
        load_profile(tmp)  # never replace a good local file with one that does not load
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    return target
