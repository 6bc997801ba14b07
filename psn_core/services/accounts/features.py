"""What each connected account can do with the scopes its platform granted.

Platforms declare the scopes each feature needs (``OAuthSpec.features``); this module reads the scopes stored
with the account's token (``oauth_tokens.scopes``) and decides. Publishing asks before reconciling an unknown
outcome, the analytics sweep before collecting metrics, `psn auth status` shows the whole picture, and
`psn auth verify` says what a scope the user did not grant disables.
"""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel

from psn_core.hub import sql
from psn_core.hub.database import Conn
from psn_core.hub.sql import Queries
from psn_core.platforms.base import Platform
from psn_core.platforms.models import Feature

Q = Queries.load(__package__)

_WHAT = {
    Feature.PUBLISH: "publish",
    Feature.ANALYTICS: "read post analytics",
    Feature.RECONCILE: "read your posts to settle a publish whose outcome is unknown",
}


class FeatureAccess(BaseModel):
    """One feature of one account: enabled, or the scopes it lacks."""

    feature: Feature
    enabled: bool
    missing: tuple[str, ...] = ()

    def describe(self) -> str:
        if self.enabled:
            return f"{self.feature.value}: yes"
        return f"{self.feature.value}: no (needs {', '.join(self.missing)} to {_WHAT[self.feature]})"


def granted_scopes(conn: Conn, account_id: UUID) -> tuple[str, ...]:
    """The scopes stored with the account's token (empty: none stored, or the platform did not say)."""
    scopes = sql.value(conn, Q.granted_scopes, {"account_id": account_id})
    return tuple(scopes) if scopes else ()


def scope_use(cls: type[Platform], scope: str) -> str | None:
    """What psn cannot do without ``scope``, as verb phrases: the features that need it
    (``OAuthSpec.features``), then its note (``OAuthSpec.scope_notes``); None when neither says."""
    uses = [_WHAT[feature] for feature in cls.oauth.features_needing(scope)]
    note = cls.oauth.scope_notes.get(scope)
    if note:
        uses.append(note)
    if not uses:
        return None
    return uses[0] if len(uses) == 1 else ", ".join(uses[:-1]) + " or " + uses[-1]


def feature_access(cls: type[Platform], granted: tuple[str, ...]) -> list[FeatureAccess]:
    """Publish, analytics and reconcile for an account of ``cls`` holding ``granted``."""
    out = []
    for feature in Feature:
        missing = cls.oauth.missing_scopes(feature, granted)
        out.append(FeatureAccess(feature=feature, enabled=not missing, missing=missing))
    return out
