"""Content import for voice match: the user's own writing from pasted text, a file, a web page, or their
own recent X posts, stored as samples (see :mod:`psn_core.services.voice.baseline`).

Pasted text and files are split into posts (lines of ``---``, else blank lines); a web page is one text;
X posts come through psn's X client with the account's stored token, reserved from the account's
request budget at background priority (an import never takes the requests publishing needs) and
reshared posts dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from uuid import UUID

from psn_core.config import Settings
from psn_core.crypto import Keyring
from psn_core.hub.database import Hub
from psn_core.services.accounts.accounts import pick_account, platform_class
from psn_core.services.accounts.budgets import Priority
from psn_core.services.accounts.callers import budgeted_client
from psn_core.services.accounts.tokens import TokenService
from psn_core.services.voice.baseline import ImportedText, ImportResult, Source, add_samples, split_texts
from psn_core.services.voice.files import DEFAULT_PERSONA
from psn_core.services.voice.import_errors import NothingToImport
from psn_core.services.voice.web import UrlPolicy, fetch_page
from psn_core.text import decode_text
from psn_core.timefmt import utcnow

MAX_FILE_BYTES = 5_000_000
X_POSTS = 50  # recent posts read per import: one timeline request (X returns up to 100 per page)


def _store(
    hub: Hub, member_id: UUID, texts: list[ImportedText], source: Source, persona: str, language: str
) -> ImportResult:
    if not texts:
        raise NothingToImport(f"There was no text to import from the {source}; nothing was stored.")
    with hub.transaction(member_id) as conn:
        return add_samples(conn, member_id, texts, source=source, persona=persona, language=language)


def import_text(hub: Hub, member_id: UUID, text: str, *, persona: str = DEFAULT_PERSONA, language: str) -> ImportResult:
    """Import pasted text (several posts: separate them with a blank line or a line of ``---``).

    Raises:
        NothingToImport: no text; VoiceInputInvalid: bad persona or language; TextInvalid: NUL characters.
    """
    texts = [ImportedText(body=t) for t in split_texts(text)]
    return _store(hub, member_id, texts, "text", persona, language)


def import_file(
    hub: Hub, member_id: UUID, path: Path, *, persona: str = DEFAULT_PERSONA, language: str
) -> ImportResult:
    """Import a UTF-8 text file of the user's posts (split as pasted text).

    Raises:
        NothingToImport: an empty file, or one over 5 MB; TextInvalid: not UTF-8 text.
        VoiceInputInvalid: bad persona or language.
    """
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise NothingToImport(
            f"{path.name} is {size:,} bytes; psn imports files up to {MAX_FILE_BYTES:,} bytes of text.",
            "Import a smaller file: a selection of your posts is enough (a few dozen).",
        )
    body = decode_text(path.read_bytes(), str(path))
    texts = [ImportedText(body=t, origin=path.name) for t in split_texts(body)]
    return _store(hub, member_id, texts, "file", persona, language)


def import_url(
    hub: Hub,
    member_id: UUID,
    url: str,
    *,
    persona: str = DEFAULT_PERSONA,
    language: str,
    policy: UrlPolicy | None = None,
) -> ImportResult:
    """Import the text of a public web page the user wrote (see :mod:`psn_core.services.voice.web`).

    Raises:
        UrlRefused: the URL or a redirect is refused; ImportFailed: the page could not be read.
        NothingToImport: the page has no text; VoiceInputInvalid: bad persona or language.
    """
    page = fetch_page(url, policy)
    texts = [ImportedText(body=page.text, origin=page.final_url)] if page.text.strip() else []
    return _store(hub, member_id, texts, "url", persona, language)


def import_x(
    hub: Hub,
    settings: Settings,
    ring: Keyring,
    member_id: UUID,
    *,
    account: str = "x",
    persona: str = DEFAULT_PERSONA,
    language: str,
    limit: int = X_POSTS,
    clock: Callable[[], datetime] = utcnow,
) -> ImportResult:
    """Import the user's own recent X posts (reshares dropped) through psn's X client, within the account's
    request budget (background priority: it stops while publishing needs the rest).

    Raises:
        AccountNotFound, ConnectFailed: no connected X account (or several and no handle given).
        RateLimited: the account's request budget has no room now (the message says until when).
        PlatformError: X refused the read (AuthRevoked: reconnect with `psn auth x`).
        NothingToImport: the account has no posts of its own; VoiceInputInvalid: bad persona or language.
    """
    with hub.transaction(member_id) as conn:
        picked = pick_account(conn, member_id, account)
    cls = platform_class(picked.platform)
    tokens = TokenService(hub, settings, ring, clock=clock)
    with budgeted_client(hub, settings, member_id, picked.id, cls.name, Priority.BACKGROUND, clock) as client:
        posts = tokens.call(member_id, picked.id, lambda token: client.list_recent_posts(token, limit))
    texts = [
        ImportedText(body=cls.returned_text(p), origin=p.url or p.post_id)
        for p in posts
        if not p.text.startswith("RT @") and cls.returned_text(p).strip()
    ]
    return _store(hub, member_id, texts, "x", persona, language)
