"""The browser leg of OAuth: an authorize endpoint that approves at once and redirects back.

Query extras understood by every platform's authorize endpoint (emulator only):
``emulator_user=<user id>`` picks who approves (default: the platform's first user) and
``emulator_deny=1`` simulates the user pressing "Cancel".
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.responses import PlainTextResponse, RedirectResponse, Response

from psn_core.emulator.routing import Call, PlatformEmulator


def _redirect(redirect_uri: str, params: dict[str, str], fragment: str) -> Response:
    sep = "&" if "?" in redirect_uri else "?"
    return RedirectResponse(f"{redirect_uri}{sep}{urlencode(params)}{fragment}", status_code=302)


def authorize(
    platform: PlatformEmulator,
    call: Call,
    *,
    client_param: str = "client_id",
    pkce_required: bool = False,
    fragment: str = "",
    scope_separator: str = " ",
) -> Response:
    """Validate the authorize request and redirect with ``code`` and ``state`` (or ``error``)."""
    query = call.query
    app = platform.oauth.apps.get(query.get(client_param, ""))
    if app is None:
        return PlainTextResponse(f"Unknown {client_param}.", status_code=400)
    redirect_uri = query.get("redirect_uri", app.redirect_uri)
    if redirect_uri != app.redirect_uri:
        return PlainTextResponse("redirect_uri is not registered for this app.", status_code=400)
    state = query.get("state", "")
    base = {"state": state} if state else {}
    if query.get("response_type", "code") != "code":
        return _redirect(redirect_uri, {**base, "error": "unsupported_response_type"}, fragment)
    if query.get("emulator_deny"):
        return _redirect(redirect_uri, {**base, "error": "access_denied"}, fragment)
    challenge = query.get("code_challenge")
    if pkce_required and not challenge:
        return _redirect(
            redirect_uri,
            {**base, "error": "invalid_request", "error_description": "code_challenge required"},
            fragment,
        )
    with platform.world.lock:
        user_id = query.get("emulator_user") or platform.oauth.approving_user
        if user_id is None or user_id not in platform.oauth.users:
            return PlainTextResponse("No user is signed in to approve this request.", status_code=400)
        scope = " ".join(part for part in query.get("scope", "").replace(",", " ").split() if part)
        code = platform.oauth.issue_code(
            app,
            user_id,
            redirect_uri,
            scope_separator.join(scope.split()),
            challenge,
            query.get("code_challenge_method", "S256"),
        )
    return _redirect(redirect_uri, {"code": code, **base}, fragment)
