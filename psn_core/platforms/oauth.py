"""OAuth 2.0 for the four platforms, as pure HTTP: authorization URL (state + PKCE), code exchange,
refresh. Nothing is stored here; the caller keeps ``state``/``code_verifier`` and the returned tokens.

Each platform's :class:`~psn_core.platforms.models.OAuthSpec` says how its flavour differs (PKCE or not,
challenge encoding, ``client_key`` instead of ``client_id``, Basic client auth, Instagram's long-lived
exchange and GET refresh). Pages followed are listed at the top of each platform module; the PKCE
mechanics follow RFC 7636 (https://datatracker.ietf.org/doc/html/rfc7636).

Token requests are sent as writes: a timeout after an exchange or a refresh was sent may have burnt a
single-use code or refresh token, so it is OutcomeUnknown and never retried here.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import UTC, datetime
from urllib.parse import urlencode

import httpx2
from pydantic import SecretStr

from psn_core.errors import AuthRevoked, InvalidSetting, PlatformError
from psn_core.platforms.base import Platform
from psn_core.platforms.http import (
    JSONObject,
    RequestGate,
    Sender,
    generic_error,
    get_int,
    get_list,
    get_obj,
    get_str,
    json_body,
    make_client,
    redact,
)
from psn_core.platforms.models import AuthorizationRequest, OAuthSpec, PlatformConfig, TokenSet


def new_code_verifier() -> str:
    """A high-entropy verifier of 86 unreserved characters (RFC 7636 allows 43 to 128)."""
    return secrets.token_urlsafe(64)


def code_challenge(verifier: str, encoding: str = "base64url") -> str:
    """The S256 challenge: base64url (RFC 7636) or hex, as the platform documents."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    if encoding == "hex":
        return digest.hex()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _auth_base(config: PlatformConfig, default: str) -> str:
    return (config.auth_base_url or config.base_url or default).rstrip("/")


def authorization_url(
    platform: type[Platform],
    config: PlatformConfig,
    *,
    scopes: tuple[str, ...] | None = None,
    state: str | None = None,
) -> AuthorizationRequest:
    """Where to send the user to approve psn, with a fresh state and (when the platform uses it) PKCE.
    Asks for the platform's scopes plus the app's ``extra_scopes`` (those only approved apps may ask for)."""
    spec = platform.oauth
    state = state or secrets.token_urlsafe(32)
    asked = scopes or (*spec.scopes, *(s for s in config.extra_scopes if s not in spec.scopes))
    params = {
        spec.client_id_param: config.client_id,
        "redirect_uri": config.redirect_uri,
        "response_type": "code",
        "scope": spec.scope_separator.join(asked),
        "state": state,
    }
    verifier = None
    if spec.pkce:
        verifier = new_code_verifier()
        params["code_challenge"] = code_challenge(verifier, spec.pkce_challenge_encoding)
        params["code_challenge_method"] = "S256"
    url = f"{_auth_base(config, spec.authorize_base_url)}{spec.authorize_path}?{urlencode(params)}"
    return AuthorizationRequest(url=url, state=state, code_verifier=verifier)


class OAuthClient:
    """Code exchange and refresh for one platform app."""

    def __init__(
        self,
        platform: type[Platform],
        config: PlatformConfig,
        *,
        client: httpx2.Client | None = None,
        gate: RequestGate | None = None,
    ) -> None:
        self.platform = platform
        self.spec: OAuthSpec = platform.oauth
        self.config = config
        self._owns_client = client is None
        self.client = client or make_client(config)
        self.sender = Sender(self.client, platform.name, platform.display_name, self.classify_error, gate)

    def close(self) -> None:
        if self._owns_client:
            self.client.close()

    # --- requests ------------------------------------------------------------------------------

    def exchange_code(self, code: str, code_verifier: str | None = None) -> TokenSet:
        """Trade the authorization code for tokens (Instagram: then for the 60-day token).

        Raises:
            AuthRevoked: the code is invalid, used or expired, or the verifier does not match.
            InvalidSetting: the client id or secret is wrong.
            OutcomeUnknown: the exchange was sent and no answer came back.
            PlatformError: any other failure.
        """
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.config.redirect_uri,
        }
        if self.spec.pkce:
            if not code_verifier:
                raise InvalidSetting(f"{self.platform.display_name} needs the PKCE code_verifier.")
            form["code_verifier"] = code_verifier
        base = _auth_base(self.config, self.spec.token_base_url)
        tokens = self._token_request("POST", base + self.spec.token_path, form)
        if self.spec.long_lived_exchange_path:
            tokens = self._long_lived(tokens)
        return tokens

    def refresh(self, refresh_token: str) -> TokenSet:
        """A new access token. Instagram refreshes the long-lived access token itself (pass it here).

        Platforms with rotating refresh tokens return a new one: store it, the old one is spent.

        Raises:
            AuthRevoked: the refresh token is revoked, expired or already used.
            InvalidSetting: the client id or secret is wrong.
            OutcomeUnknown: the refresh was sent and no answer came back.
            PlatformError: any other failure.
        """
        if self.spec.refresh_method == "GET":
            url = self._graph_base() + (self.spec.refresh_path or self.spec.token_path)
            params = {"grant_type": self.spec.refresh_grant_type, "access_token": refresh_token}
            return self._parse(self._send("GET", url, params=params))
        form = {"grant_type": self.spec.refresh_grant_type, "refresh_token": refresh_token}
        base = _auth_base(self.config, self.spec.token_base_url)
        url = base + (self.spec.refresh_path or self.spec.token_path)
        return self._token_request("POST", url, form, previous_refresh=refresh_token)

    def _graph_base(self) -> str:
        """Host of Instagram's long-lived exchange and refresh (the API host, not the OAuth one)."""
        return (self.config.base_url or self.spec.refresh_base_url or self.spec.token_base_url).rstrip("/")

    def _long_lived(self, short: TokenSet) -> TokenSet:
        base = self._graph_base()
        params = {
            "grant_type": "ig_exchange_token",
            "client_secret": self.config.client_secret.get_secret_value(),
            "access_token": short.access_token.get_secret_value(),
        }
        url = base + (self.spec.long_lived_exchange_path or "")
        long = self._parse(self._send("GET", url, params=params))
        return long.model_copy(update={"user_id": long.user_id or short.user_id, "scopes": short.scopes})

    def _token_request(
        self, method: str, url: str, form: dict[str, str], previous_refresh: str | None = None
    ) -> TokenSet:
        secret = self.config.client_secret.get_secret_value()
        form = {self.spec.client_id_param: self.config.client_id, **form}
        auth: tuple[str, str] | None = None
        if self.spec.client_auth == "basic" and secret:
            auth = (self.config.client_id, secret)
        elif secret:
            form["client_secret"] = secret
        response = self._send(method, url, data=form, auth=auth)
        return self._parse(response, None if self.spec.refresh_token_rotates else previous_refresh)

    def _send(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, str] | None = None,
        data: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
    ) -> httpx2.Response:
        secrets_seen = [self.config.client_secret.get_secret_value()]
        secrets_seen += [v for k, v in (data or params or {}).items() if k in {"code", "refresh_token", "access_token"}]
        try:
            return self.sender.request(
                method,
                url,
                write=True,
                token=secrets_seen[-1],
                headers={"Accept": "application/json"},
                params=params,
                data=data,
                auth=auth,
            )
        except PlatformError as exc:
            exc.raw = redact(exc.raw, *secrets_seen)
            raise

    def _parse(self, response: httpx2.Response, keep_refresh: str | None = None) -> TokenSet:
        body: JSONObject = json_body(response)
        if get_list(body, "data"):  # Instagram's short-lived answer may be wrapped in data[0]
            first = get_list(body, "data")[0]
            body = first if isinstance(first, dict) else body
        elif get_obj(body, "data") and not get_str(body, "access_token"):
            body = get_obj(body, "data")
        access = get_str(body, "access_token")
        if not access:
            raise PlatformError(
                f"{self.platform.display_name} answered the token request without an access token.",
                platform=self.platform.name,
                status_code=response.status_code,
            )
        refresh = get_str(body, "refresh_token") or keep_refresh
        scope_text = get_str(body, "scope") or ""
        permissions = [str(p) for p in get_list(body, "permissions")]
        scopes = tuple(s for s in scope_text.replace(",", " ").split() if s) or tuple(permissions)
        return TokenSet(
            access_token=SecretStr(access),
            refresh_token=SecretStr(refresh) if refresh else None,
            expires_in=get_int(body, "expires_in"),
            refresh_expires_in=get_int(body, "refresh_expires_in") or get_int(body, "refresh_token_expires_in"),
            scopes=scopes,
            token_type=get_str(body, "token_type") or "bearer",
            user_id=get_str(body, "open_id") or get_str(body, "user_id"),
            obtained_at=datetime.now(UTC),
        )

    # --- errors --------------------------------------------------------------------------------

    def classify_error(self, response: httpx2.Response) -> PlatformError:
        """RFC 6749 errors (and Instagram's and TikTok's variants) from a token endpoint.

        Raises:
            InvalidSetting: ``invalid_client``: the app credentials in the settings are wrong.
        """
        body = json_body(response)
        error = get_str(body, "error") or get_str(body, "error", "code") or get_str(body, "error_type") or ""
        description = (
            get_str(body, "error_description")
            or get_str(body, "error_message")
            or get_str(body, "error", "message")
            or get_str(body, "message")
            or ""
        )
        name = self.platform.display_name
        if error == "invalid_client":
            # Not the account's fault: the app's id or secret in the settings is wrong.
            raise InvalidSetting(f"{name} rejected psn's app credentials: {description or error}.")
        lowered = f"{error} {description}".lower()
        if response.status_code in {400, 401} and any(
            word in lowered for word in ("invalid_grant", "invalid_request", "expired", "revoked", "oauth")
        ):
            return AuthRevoked(
                f"{name} refused the authorization: {description or error}.",
                f"Run `psn auth {self.platform.name}` to connect the account again.",
                platform=self.platform.name,
                status_code=response.status_code,
                raw=response.text,
            )
        return generic_error(response, platform=self.platform.name, display_name=name, detail=description or error)
