"""Connecting platform accounts: the OAuth authorization-code flow (state + PKCE) and its bookkeeping.

``start_connect`` makes the authorization URL and remembers the sign-in (state hash, encrypted PKCE
verifier, 10 minutes). ``finish_connect`` takes the redirect the browser came back with (from the
one-shot callback server, or pasted by the user on a headless machine), checks the state, exchanges the
code, learns who the user is and stores the account and its tokens encrypted. The CLI and the MCP
tools both use these two calls.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from uuid import UUID

from pydantic import BaseModel

from psn_core.config import Settings
from psn_core.crypto import Keyring
from psn_core.errors import ConnectFailed, InvalidSetting
from psn_core.hub import sql
from psn_core.hub.database import Conn, Hub
from psn_core.hub.sql import Queries
from psn_core.hub.vault import seal, unseal
from psn_core.platforms.base import Platform
from psn_core.platforms.models import PlatformConfig, TokenSet
from psn_core.platforms.oauth import OAuthClient, authorization_url
from psn_core.platforms.registry import PLATFORMS
from psn_core.timefmt import utcnow

Q = Queries.load(__package__)
SIGN_IN_TTL = timedelta(minutes=10)


class ConnectStart(BaseModel):
    platform: str
    url: str
    state: str
    redirect_uri: str
    expires_at: datetime


class AccountView(BaseModel):
    id: UUID
    platform: str
    handle: str
    display_name: str | None
    status: str
    status_reason: str | None
    sandbox: bool
    expires_at: datetime | None
    refresh_expires_at: datetime | None
    last_refreshed_at: datetime | None
    last_failure_class: str | None
    can_refresh: bool


def platform_class(name: str) -> type[Platform]:
    """The platform client class for a name.

    Raises:
        InvalidSetting: unknown platform.
    """
    try:
        return PLATFORMS[name]
    except KeyError:
        raise InvalidSetting(
            f"psn does not know the platform {name!r}.", f"Use one of: {', '.join(PLATFORMS)}."
        ) from None


def platform_config(settings: Settings, name: str) -> PlatformConfig:
    """The app configuration of one platform, from settings.

    Raises:
        InvalidSetting: the app's client id is not configured.
    """
    cls = platform_class(name)
    app = settings.app(name)
    if not app.client_id:
        var = f"PSN_{Settings.client_id_field(name).upper()}"
        raise InvalidSetting(
            f"No {cls.display_name} app is configured ({var} is empty).",
            f"Create a developer app on {cls.display_name}, then set {var} and its secret in hub.env "
            "(see hub.env.example).",
        )
    return PlatformConfig(
        client_id=app.client_id,
        client_secret=app.client_secret if app.client_secret is not None else PlatformConfig().client_secret,
        redirect_uri=settings.oauth_redirect_uri,
        base_url=app.api_base_url or None,
        sandbox=app.sandbox,
        media_host_url=settings.media_host_url,
        api_version=app.api_version,
        extra_scopes=app.extra_scopes,
        connect_timeout=float(settings.connect_timeout),
        read_timeout=settings.platform_read_timeout,
    )


def _state_hash(state: str) -> str:
    return hashlib.sha256(state.encode("utf-8")).hexdigest()


def start_connect(conn: Conn, settings: Settings, ring: Keyring, member_id: UUID, platform: str) -> ConnectStart:
    """Begin connecting an account: the URL to open, remembered for 10 minutes.

    Raises:
        InvalidSetting: the platform or its app is not configured.
    """
    cls = platform_class(platform)
    config = platform_config(settings, platform)
    request = authorization_url(cls, config)
    now = utcnow()
    state_hash = _state_hash(request.state)
    verifier = None
    if request.code_verifier:
        verifier = seal(ring, "oauth_pending", "code_verifier", {"state_hash": state_hash}, request.code_verifier)
    sql.run(conn, Q.delete_expired_sign_ins, {"member_id": member_id, "now": now})
    sql.run(
        conn,
        Q.insert_sign_in,
        {
            "state_hash": state_hash,
            "member_id": member_id,
            "platform": platform,
            "code_verifier_enc": verifier,
            "redirect_uri": config.redirect_uri,
            "expires_at": now + SIGN_IN_TTL,
        },
    )
    return ConnectStart(
        platform=platform,
        url=request.url,
        state=request.state,
        redirect_uri=config.redirect_uri,
        expires_at=now + SIGN_IN_TTL,
    )


def parse_redirect(redirect: str) -> tuple[str | None, str | None, str | None]:
    """(code, state, error) from a redirect URL, a bare query string, or ``code=...&state=...``."""
    text = redirect.strip()
    query = urlsplit(text).query if "://" in text else text.lstrip("?")
    params = parse_qs(query)

    def one(name: str) -> str | None:
        values = params.get(name)
        return values[0] if values else None

    return one("code"), one("state"), one("error_description") or one("error")


@dataclass(frozen=True)
class _SignIn:
    """A sign-in started by :func:`start_connect`, claimed once."""

    platform: str
    code_verifier_enc: str | None
    state_hash: str
    expires_at: datetime


def _take_pending(conn: Conn, member_id: UUID, state: str) -> _SignIn:
    params = {"state_hash": _state_hash(state), "member_id": member_id}
    row = sql.one(conn, Q.take_sign_in, params, _SignIn)
    if row is None:
        raise ConnectFailed(
            "This sign-in was not started by psn, was already used, or belongs to another member "
            "(the state does not match)."
        )
    return row


def finish_connect(hub: Hub, settings: Settings, ring: Keyring, member_id: UUID, redirect: str) -> AccountView:
    """Complete a sign-in from the redirect URL (or its query string).

    Reconnecting an account updates it in place and never replaces a stored refresh token with an
    empty one.

    Raises:
        ConnectFailed: declined, unknown/used/expired state, or no code in the redirect.
        AuthRevoked, PlatformError: the platform refused the code exchange.
    """
    code, state, error = parse_redirect(redirect)
    if error:
        raise ConnectFailed(f"The platform did not grant access: {error}.")
    if not code or not state:
        raise ConnectFailed(
            "That is not a sign-in redirect: it has no code and state.",
            "Paste the whole URL your browser was sent to after approving psn (it starts with "
            f"{settings.oauth_redirect_uri}).",
        )
    # Claim the sign-in in its own transaction: single use even if the exchange below fails.
    with hub.transaction(member_id) as conn:
        sign_in = _take_pending(conn, member_id, state)
    if sign_in.expires_at < utcnow():
        raise ConnectFailed("This sign-in expired (they last 10 minutes).")
    platform = sign_in.platform
    verifier = None
    if sign_in.code_verifier_enc:
        aad: dict[str, object] = {"state_hash": sign_in.state_hash}
        verifier = unseal(ring, "oauth_pending", "code_verifier", aad, sign_in.code_verifier_enc)
    cls = platform_class(platform)
    config = platform_config(settings, platform)
    oauth = OAuthClient(cls, config)
    try:
        tokens = oauth.exchange_code(code, verifier)
    finally:
        oauth.close()
    with cls(config) as client:
        user = client.get_current_user(tokens.access_token.get_secret_value())
    with hub.transaction(member_id) as conn:
        account_id = _store_account(conn, member_id, platform, user.id, user.handle, user.display_name, config.sandbox)
        store_tokens(conn, ring, member_id, account_id, tokens)
        return get_account(conn, member_id, account_id)


def _store_account(
    conn: Conn,
    member_id: UUID,
    platform: str,
    remote_id: str,
    handle: str,
    display_name: str | None,
    sandbox: bool,
) -> UUID:
    account_id = sql.value(
        conn,
        Q.upsert_account,
        {
            "member_id": member_id,
            "platform": platform,
            "handle": handle,
            "remote_user_id": remote_id,
            "display_name": display_name,
            "sandbox": sandbox,
        },
    )
    assert account_id is not None
    return UUID(str(account_id))


def store_tokens(conn: Conn, ring: Keyring, member_id: UUID, account_id: UUID, tokens: TokenSet) -> None:
    """Store a token set encrypted. A missing refresh token keeps the stored one (never blanked)."""
    key: dict[str, object] = {"account_id": account_id}
    access = seal(ring, "oauth_tokens", "access_token", key, tokens.access_token.get_secret_value())
    refresh = None
    if tokens.refresh_token is not None and tokens.refresh_token.get_secret_value():
        refresh = seal(ring, "oauth_tokens", "refresh_token", key, tokens.refresh_token.get_secret_value())
    expires = tokens.obtained_at + timedelta(seconds=tokens.expires_in) if tokens.expires_in else None
    refresh_expires = (
        tokens.obtained_at + timedelta(seconds=tokens.refresh_expires_in) if tokens.refresh_expires_in else None
    )
    sql.run(
        conn,
        Q.upsert_tokens,
        {
            "account_id": account_id,
            "member_id": member_id,
            "access_token_enc": access,
            "refresh_token_enc": refresh,
            "token_type": tokens.token_type,
            "scopes": list(tokens.scopes),
            "expires_at": expires,
            "refresh_expires_at": refresh_expires,
            "obtained_at": tokens.obtained_at,
        },
    )


@dataclass(frozen=True)
class _AccountRow:
    """An account and the state of its tokens, as stored."""

    id: UUID
    platform: str
    handle: str
    display_name: str | None
    status: str
    status_reason: str | None
    sandbox: bool
    expires_at: datetime | None
    refresh_expires_at: datetime | None
    last_refreshed_at: datetime | None
    last_failure_class: str | None
    has_refresh: bool


def _view(row: _AccountRow) -> AccountView:
    cls = PLATFORMS[row.platform]
    can_refresh = cls.oauth.programmatic_refresh and (row.has_refresh or cls.oauth.refresh_with_access_token)
    fields = {k: v for k, v in asdict(row).items() if k != "has_refresh"}
    return AccountView.model_validate({**fields, "can_refresh": can_refresh})


def get_account(conn: Conn, member_id: UUID, account_id: UUID) -> AccountView:
    """One of the member's accounts.

    Raises:
        ConnectFailed: no such account for this member.
    """
    row = sql.one(conn, Q.account, {"account_id": account_id, "member_id": member_id}, _AccountRow)
    if row is None:
        raise ConnectFailed(f"No account {account_id} in this hub.", "Run `psn auth status` to list your accounts.")
    return _view(row)


def list_accounts(conn: Conn, member_id: UUID) -> list[AccountView]:
    """Every account of the member, by platform and handle, with the state of its tokens."""
    return [_view(r) for r in sql.many(conn, Q.accounts_of_member, {"member_id": member_id}, _AccountRow)]


class CompanyConnector(BaseModel):
    """Who connects an account for a company hub."""

    display_name: str
    company_name: str | None


def company_connector(conn: Conn, member_id: UUID) -> CompanyConnector | None:
    """The member's name and the company's, in a company hub (None when the hub says nothing)."""
    return sql.one(conn, Q.company_connector, {"member_id": member_id}, CompanyConnector)


def pick_account(conn: Conn, member_id: UUID, spec: str) -> AccountView:
    """The account a user means by ``x`` or ``x:@handle``.

    Raises:
        InvalidSetting: unknown platform; ConnectFailed: no such account, or several and no handle given.
    """
    platform, _, handle = spec.partition(":")
    platform_class(platform)
    matches = [a for a in list_accounts(conn, member_id) if a.platform == platform]
    if handle:
        matches = [a for a in matches if a.handle.lower() == handle.lstrip("@").lower()]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        missing = f"No {platform} account {handle or ''} is connected.".replace("  ", " ")
        raise ConnectFailed(missing, f"Run `psn auth {platform}` to connect one.")
    names = ", ".join(f"{platform}:@{a.handle}" for a in matches)
    raise ConnectFailed(
        f"Several {platform} accounts are connected ({names}).", "Say which one, e.g. --to " + names.split(", ")[0]
    )
