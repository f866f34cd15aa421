"""django-q2 entry points: ids in, a service does the work."""

from cabinet.ballots.services import ballot_close_due as _close_due


def ballot_close_due(ballot_id: int) -> str:
    return _close_due(ballot_id=ballot_id)
