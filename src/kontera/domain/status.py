"""Document states and the only moves between them (see design.md, "Data flow and states")."""

from __future__ import annotations

from enum import StrEnum

from kontera.domain.errors import InvalidTransition
from kontera.domain.messages import msg


class Status(StrEnum):
    RECEIVED = "received"
    INTERPRETED = "interpreted"
    SUGGESTED = "suggested"
    NEEDS_REVIEW = "needs_review"
    ATTESTING = "attesting"  # waits for a named person's attestation (services.attestation)
    APPROVED = "approved"
    POSTING = "posting"
    POSTED = "posted"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"
    FAILED = "failed"


_MOVES: dict[Status, frozenset[Status]] = {
    Status.RECEIVED: frozenset(
        {Status.INTERPRETED, Status.NEEDS_REVIEW, Status.FAILED, Status.DUPLICATE, Status.REJECTED}
    ),
    Status.INTERPRETED: frozenset(
        {
            Status.SUGGESTED,
            Status.NEEDS_REVIEW,
            Status.ATTESTING,
            Status.FAILED,
            Status.DUPLICATE,
            Status.REJECTED,
        }
    ),
    Status.SUGGESTED: frozenset(
        {
            Status.APPROVED,
            Status.NEEDS_REVIEW,
            Status.REJECTED,
            Status.DUPLICATE,
            Status.SUGGESTED,
            Status.ATTESTING,
        }
    ),
    Status.NEEDS_REVIEW: frozenset(
        {
            Status.APPROVED,
            Status.REJECTED,
            Status.NEEDS_REVIEW,
            Status.SUGGESTED,
            Status.DUPLICATE,
            Status.ATTESTING,
        }
    ),
    # Attested (or its attestation withdrawn): back to suggested / needs_review for the
    # bookkeeper; the attestant's own approval may approve at once (services.attestation).
    Status.ATTESTING: frozenset(
        {
            Status.ATTESTING,
            Status.SUGGESTED,
            Status.NEEDS_REVIEW,
            Status.APPROVED,
            Status.REJECTED,
            Status.DUPLICATE,
        }
    ),
    Status.APPROVED: frozenset({Status.POSTING, Status.POSTED, Status.NEEDS_REVIEW}),
    Status.POSTING: frozenset({Status.POSTED, Status.NEEDS_REVIEW, Status.POSTING}),
    Status.POSTED: frozenset(),
    Status.REJECTED: frozenset({Status.NEEDS_REVIEW}),
    Status.DUPLICATE: frozenset(
        {Status.NEEDS_REVIEW, Status.SUGGESTED, Status.ATTESTING, Status.REJECTED}
    ),
    Status.FAILED: frozenset({Status.RECEIVED, Status.REJECTED}),
}

FINAL = frozenset({Status.POSTED, Status.REJECTED, Status.DUPLICATE, Status.FAILED})
REVIEWABLE = frozenset({Status.SUGGESTED, Status.NEEDS_REVIEW, Status.ATTESTING})


def check_transition(current: Status, target: Status) -> None:
    if target not in _MOVES[current]:
        raise InvalidTransition(
            msg(
                "A document that is {current} cannot become {target}.",
                current=current,
                target=target,
            )
        )
