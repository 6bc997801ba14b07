"""The errors of company hubs, in the PSNError tree (psn_core.errors):

PSNError
└── CompanyError
    ├── CompanyNotFound      no connections/<company>.env
    ├── CompanyExists        the company or its connection file already exists
    ├── NotPermitted         the member's role (or removal) does not allow it
    ├── InviteRejected       the code is unknown, used, expired or revoked
    └── InviteRateLimited    (retryable) too many failed codes lately
"""

from __future__ import annotations

from psn_core.errors import ConfigError, PSNError


class CompanyError(PSNError):
    default_action = "Run `psn company members` to see your role in the company hub."


class CompanyNotFound(CompanyError, ConfigError):
    default_action = "Run `psn company join <company> --hub URL --code CODE`, or `psn company create <company>`."


class CompanyExists(CompanyError):
    default_action = "Pick another company name, or delete connections/<company>.env if it is stale."


class NotPermitted(CompanyError):
    default_action = "Ask an admin of the company (`psn company members` lists them for editors and admins)."


class InviteRejected(CompanyError):
    default_action = "Ask an admin for a new code (`psn company invite`)."


class InviteRateLimited(CompanyError):
    retryable = True
    default_action = "Wait 15 minutes, check the code with whoever sent it, and try again."
