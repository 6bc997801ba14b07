"""Media errors: a leaf of the PSNError tree, listed (with its parents) in psn_core.errors.

``MediaInvalid`` lives here, not in psn_core.errors, because it carries the ``MediaCheck`` that failed.
"""

from __future__ import annotations

from psn_core.errors import InvalidInput, MediaRejected
from psn_core.media.models import MediaCheck


class MediaInvalid(InvalidInput, MediaRejected):
    """A file failed the platform's media specs before upload; ``check`` holds every problem.

    Also a MediaRejected: callers that handle a platform's media refusal handle this one too.
    """

    default_action = "Change the file as described, then schedule the post again."

    def __init__(self, check: MediaCheck) -> None:
        super().__init__(check.summary(), platform=check.target)
        self.check = check
        self.problems = check.problems
