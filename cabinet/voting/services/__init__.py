"""Writes of a live session: open, attendance, agenda, consent block, speakers, polls,
votes, close, minutes.

Each service checks the permission itself, writes an audit entry, and raises
``ValidationError`` (with a translatable message and a ``code``) when the state of the
session forbids the change. ``vote_cast`` follows the pattern of django-otp's
``verify_token``: the one-time code is checked before the transaction (so a refusal's
audit entry and throttling survive), then the poll row is locked, its state checked
again, and the database's ``vote_once_per_poll`` constraint backs the code.
"""

from __future__ import annotations

from cabinet.voting.services._common import (
    Quorum,
    members_total,
    quorum_of,
    record_of,
    user_runs_session,
)
from cabinet.voting.services.minutes import (
    minutes_draft,
    minutes_finalise,
    minutes_update,
)
from cabinet.voting.services.running import (
    attendance_check_in,
    attendance_record,
    attendance_record_many,
    consent_block_adopt,
    item_start,
    session_close,
    session_open,
    speak_request,
    speak_withdraw,
    speaker_end,
    speaker_floor,
    speakers_order,
)
from cabinet.voting.services.votes import (
    poll_close,
    poll_open,
    prime_minister,
    result_text,
    tally,
    vote_cast,
)

__all__ = [
    "Quorum",
    "attendance_check_in",
    "attendance_record",
    "attendance_record_many",
    "consent_block_adopt",
    "item_start",
    "members_total",
    "minutes_draft",
    "minutes_finalise",
    "minutes_update",
    "poll_close",
    "poll_open",
    "prime_minister",
    "quorum_of",
    "record_of",
    "result_text",
    "session_close",
    "session_open",
    "speak_request",
    "speak_withdraw",
    "speaker_end",
    "speaker_floor",
    "speakers_order",
    "tally",
    "user_runs_session",
    "vote_cast",
]
