"""OAuth 2.0 bookkeeping shared by the four platforms: apps, users, codes, PKCE and tokens.

Each platform owns one :class:`OAuthStore` and decides the policy (token lifetimes, whether refresh
tokens rotate, whether PKCE is required); the mechanics live here once.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from psn_core.emulator.clock import Clock


class OAuthError(Exception):
    """An RFC 6749 error (``error`` + ``error_description``) to be rendered by the platform."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


@dataclass(frozen=True)
class TestApp:
    """A registered developer app on one platform."""

    platform: str
    client_id: str
    client_secret: str
    redirect_uri: str
    audited: bool = False


@dataclass(frozen=True)
class TestUser:
    """A platform account that can authorize apps."""

    platform: str
    user_id: str
    username: str
    name: str


@dataclass
class AuthCode:
    code: str
    client_id: str
    user_id: str
    redirect_uri: str
    scope: str
    expires_at: datetime
    code_challenge: str | None = None
    code_challenge_method: str = "S256"


@dataclass
class AccessToken:
    token: str
    client_id: str
    user_id: str
    scope: str
    issued_at: datetime
    expires_at: datetime
    revoked: bool = False


@dataclass
class RefreshToken:
    token: str
    client_id: str
    user_id: str
    scope: str
    expires_at: datetime
    used: bool = False
    revoked: bool = False


@dataclass(frozen=True)
class TokenGrant:
    """Tokens handed to a client; ``refresh_token`` is empty when the platform issues none."""

    access_token: str
    access_expires_in: int
    refresh_token: str
    refresh_expires_in: int
    scope: str
    user_id: str


def pkce_matches(verifier: str, challenge: str, method: str, *, allow_hex: bool = False) -> bool:
    """RFC 7636 check; ``allow_hex`` also accepts a hex SHA-256 challenge (TikTok desktop guide)."""
    if method.lower() == "plain":
        return secrets.compare_digest(verifier, challenge)
    digest = hashlib.sha256(verifier.encode("ascii", errors="replace")).digest()
    expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    if secrets.compare_digest(expected, challenge):
        return True
    return allow_hex and secrets.compare_digest(digest.hex(), challenge.lower())


@dataclass
class OAuthStore:
    """Apps, users, codes and tokens of one platform (guarded by the world lock)."""

    platform: str
    clock: Clock
    token_prefix: str = ""
    apps: dict[str, TestApp] = field(default_factory=dict)
    users: dict[str, TestUser] = field(default_factory=dict)
    codes: dict[str, AuthCode] = field(default_factory=dict)
    access: dict[str, AccessToken] = field(default_factory=dict)
    refresh: dict[str, RefreshToken] = field(default_factory=dict)
    approving_user: str | None = None

    def _secret(self, size: int = 24) -> str:
        return self.token_prefix + secrets.token_urlsafe(size)

    def add_app(self, redirect_uri: str, *, audited: bool = False) -> TestApp:
        app = TestApp(self.platform, secrets.token_hex(8), secrets.token_urlsafe(24), redirect_uri, audited)
        self.apps[app.client_id] = app
        return app

    def add_user(self, user_id: str, username: str, name: str) -> TestUser:
        user = TestUser(self.platform, user_id, username, name)
        self.users[user_id] = user
        if self.approving_user is None:
            self.approving_user = user_id
        return user

    def app(self, client_id: str) -> TestApp:
        """Raises: OAuthError invalid_client if unknown."""
        app = self.apps.get(client_id)
        if app is None:
            raise OAuthError("invalid_client", "Client authentication failed: unknown client.")
        return app

    def authenticate_client(self, client_id: str, client_secret: str | None, *, required: bool) -> TestApp:
        """Raises: OAuthError invalid_client when the id or secret is wrong."""
        app = self.app(client_id)
        if client_secret is None and not required:
            return app
        if client_secret is None or not secrets.compare_digest(client_secret, app.client_secret):
            raise OAuthError("invalid_client", "Client authentication failed.")
        return app

    def issue_code(
        self,
        app: TestApp,
        user_id: str,
        redirect_uri: str,
        scope: str,
        code_challenge: str | None = None,
        code_challenge_method: str = "S256",
    ) -> str:
        code = AuthCode(
            code=self._secret(18),
            client_id=app.client_id,
            user_id=user_id,
            redirect_uri=redirect_uri,
            scope=scope,
            expires_at=self.clock() + timedelta(minutes=10),
            code_challenge=code_challenge,
            code_challenge_method=code_challenge_method,
        )
        self.codes[code.code] = code
        return code.code

    def redeem_code(
        self,
        code: str,
        client_id: str,
        redirect_uri: str | None,
        code_verifier: str | None,
        *,
        allow_hex: bool = False,
    ) -> AuthCode:
        """Consume a code (single use). Raises: OAuthError invalid_grant / invalid_request."""
        found = self.codes.pop(code, None)
        if found is None or found.expires_at <= self.clock():
            raise OAuthError("invalid_grant", "The authorization code is invalid, expired or already used.")
        if found.client_id != client_id:
            raise OAuthError("invalid_grant", "The authorization code was issued to another client.")
        if redirect_uri is not None and redirect_uri != found.redirect_uri:
            raise OAuthError("invalid_grant", "redirect_uri does not match the authorization request.")
        if found.code_challenge is not None:
            if not code_verifier:
                raise OAuthError("invalid_request", "Missing code_verifier.")
            if not pkce_matches(code_verifier, found.code_challenge, found.code_challenge_method, allow_hex=allow_hex):
                raise OAuthError("invalid_grant", "Code verifier or code challenge is invalid.")
        return found

    def grant(
        self,
        client_id: str,
        user_id: str,
        scope: str,
        access_ttl: timedelta,
        refresh_ttl: timedelta | None,
        *,
        refresh_expires_at: datetime | None = None,
    ) -> TokenGrant:
        """Mint an access token (and a refresh token when ``refresh_ttl`` is given)."""
        now = self.clock()
        access = AccessToken(self._secret(), client_id, user_id, scope, now, now + access_ttl)
        self.access[access.token] = access
        refresh_token, refresh_in = "", 0
        if refresh_ttl is not None:
            expires = refresh_expires_at or now + refresh_ttl
            refresh = RefreshToken(self._secret(), client_id, user_id, scope, expires)
            self.refresh[refresh.token] = refresh
            refresh_token, refresh_in = refresh.token, int((expires - now).total_seconds())
        return TokenGrant(access.token, int(access_ttl.total_seconds()), refresh_token, refresh_in, scope, user_id)

    def use_refresh(self, token: str, client_id: str) -> RefreshToken:
        """Validate a refresh token. Raises: OAuthError invalid_grant when unknown/used/revoked/expired."""
        found = self.refresh.get(token)
        if found is None or found.used or found.revoked or found.client_id != client_id:
            raise OAuthError("invalid_grant", "The refresh token is invalid, revoked or already used.")
        if found.expires_at <= self.clock():
            raise OAuthError("invalid_grant", "The refresh token has expired.")
        return found

    def check_access(self, token: str | None) -> AccessToken | str:
        """The live token, or a problem word: ``missing``, ``invalid``, ``expired`` or ``revoked``."""
        if not token:
            return "missing"
        found = self.access.get(token)
        if found is None:
            return "invalid"
        if found.revoked:
            return "revoked"
        if found.expires_at <= self.clock():
            return "expired"
        return found

    def revoke_user(self, user_id: str | None = None) -> int:
        """Revoke every token of one user (or of everyone); returns how many were revoked."""
        count = 0
        items: list[AccessToken | RefreshToken] = [*self.access.values(), *self.refresh.values()]
        for item in items:
            if (user_id is None or item.user_id == user_id) and not item.revoked:
                item.revoked = True
                count += 1
        return count

    def revoke_token(self, token: str) -> None:
        for store in (self.access, self.refresh):
            item = store.get(token)
            if item is not None:
                item.revoked = True


def make_pkce_pair() -> tuple[str, str]:
    """A fresh ``(code_verifier, S256 code_challenge)`` pair, for tests and demos."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
