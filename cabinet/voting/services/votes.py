"""Polls and votes: open, cast (OTP, row lock, hash chain), close with the result."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cabinet.audit import audit_log
from cabinet.models import (
    AgendaItemPage,
    Attendance,
    Choice,
    ItemRecord,
    Participant,
    Poll,
    Presence,
    SessionRecord,
    Vote,
    VoteEntry,
)
from cabinet.otp import Purpose, otp_confirm
from cabinet.permissions import Action, cabinet_policy
from cabinet.roles import PRIME_MINISTER
from cabinet.text import nfc
from cabinet.voting import chain, rules
from cabinet.voting.services._common import (
    _bump,
    _check_runs,
    _participant_of,
    _require_open,
    _session_of,
    members_total,
    record_of,
)

User = get_user_model()

# --- polls and votes ---------------------------------------------------------------


def prime_minister():
    return (
        User.objects.filter(is_active=True, groups__name=PRIME_MINISTER.group_name)
        .order_by("pk")
        .first()
    )


@transaction.atomic
def poll_open(
    *,
    user,
    item: AgendaItemPage,
    question: str = "",
    allow_change: bool = True,
    request=None,
) -> Poll:
    """The chair opens a named vote on an item (in favour / against / abstain)."""
    session = _session_of(item)
    _check_runs(user, session)
    record = SessionRecord.objects.select_for_update().get(pk=record_of(session).pk)
    _require_open(record)
    if Poll.objects.filter(
        item__in=session.get_children(), state=Poll.State.OPEN
    ).exists():
        raise ValidationError(
            _("Another vote is still open; close it first."), code="poll_open"
        )
    question = nfc(question) or nfc(str(_("Adopt: %(item)s") % {"item": item.title}))
    now = timezone.now()
    poll = Poll.objects.create(
        item=item,
        question=question[:500],
        allow_change=allow_change,
        opened_at=now,
        opened_by=user,
        members_total=members_total(),
        prime_minister=prime_minister() or session.chair,
    )
    poll.chain_head = chain.genesis(poll.pk, poll.opened_at)
    poll.save(update_fields=["chain_head"])
    record.version += 1
    record.save(update_fields=["version"])
    audit_log(
        action="ecabinet.poll_open",
        instance=item,
        user=user,
        request=request,
        poll=poll.pk,
    )
    return poll


def _voting_participant(user, poll: Poll) -> Participant:
    """The member's participation, or a clear refusal: deputies and guests attend
    without a vote, a member must be recorded in the room or remote."""
    session = _session_of(poll.item)
    participant, as_deputy = _participant_of(user, session)
    if as_deputy:
        raise ValidationError(
            _(
                "A deputy attends and may speak, but does not vote in the member's place."
            ),
            code="deputy",
        )
    if participant is None:
        raise PermissionDenied(_("You do not take part in this session."))
    if participant.role != Participant.Role.MEMBER:
        raise ValidationError(_("Invited guests do not vote."), code="guest")
    cabinet_policy.check(user, Action.VOTE)
    presence = (
        Attendance.objects.filter(participant=participant)
        .values_list("presence", flat=True)
        .first()
    )
    if presence not in (Presence.IN_ROOM, Presence.REMOTE):
        raise ValidationError(
            _(
                "Your presence is not recorded as in the room or remote; ask the "
                "secretariat to record it before you vote."
            ),
            code="not_present",
        )
    return participant


def _refuse_closed(poll: Poll) -> None:
    if poll.state != Poll.State.OPEN:
        raise ValidationError(
            _("The vote is closed; your vote was not recorded."), code="poll_closed"
        )


def vote_cast(
    *,
    user,
    poll: Poll,
    choice: str,
    code: str,
    remote: bool = False,
    request=None,
) -> Vote:
    """Record ``user``'s vote, confirmed by a one-time code; return it (its
    ``receipt`` is the hash of its chain entry)."""
    if choice not in Choice.values:
        raise ValidationError(
            _("Choose in favour, against or abstain."), code="invalid_choice"
        )
    _refuse_closed(poll)
    _voting_participant(user, poll)
    if not poll.allow_change and Vote.objects.filter(poll=poll, member=user).exists():
        raise ValidationError(
            _("You have already voted; this vote does not allow changes."),
            code="already_voted",
        )
    otp_confirm(user=user, code=code, purpose=Purpose.VOTE, request=request)
    item = poll.item
    with transaction.atomic():
        # The audit entry is written first, in the same transaction, so the poll's
        # row lock (which every voter queues on) is held only for the vote itself.
        # The receipt is not in it: the chain entry of this member is the record.
        audit_log(
            action="ecabinet.vote_cast",
            instance=item,
            user=user,
            request=request,
            poll=poll.pk,
            choice=choice if poll.named else "",
            remote=remote,
        )
        poll = Poll.objects.select_for_update().get(pk=poll.pk)
        _refuse_closed(poll)
        vote = Vote.objects.filter(poll=poll, member=user).first()
        if vote is not None and not poll.allow_change:
            raise ValidationError(
                _("You have already voted; this vote does not allow changes."),
                code="already_voted",
            )
        now = timezone.now()
        seq = poll.entries_count + 1
        content = chain.canonical(
            poll_id=poll.pk, seq=seq, member_id=user.pk, choice=choice, cast_at=now
        )
        digest = chain.entry_hash(content, poll.chain_head)
        VoteEntry.objects.create(
            poll=poll,
            seq=seq,
            member=user,
            choice=choice,
            cast_at=now,
            prev_hash=poll.chain_head,
            hash=digest,
        )
        if vote is None:
            vote = Vote.objects.create(
                poll=poll,
                member=user,
                choice=choice,
                remote=remote,
                cast_at=now,
                receipt=digest,
            )
        else:
            vote.choice, vote.remote, vote.cast_at = choice, remote, now
            vote.receipt = digest
            vote.changes += 1
            vote.save()
        Poll.objects.filter(pk=poll.pk).update(entries_count=seq, chain_head=digest)
    return vote


def tally(poll: Poll) -> dict[str, int]:
    counts = dict.fromkeys(Choice.values, 0)
    for choice in Vote.objects.filter(poll=poll).values_list("choice", flat=True):
        counts[choice] += 1
    return counts


@transaction.atomic
def poll_close(*, user, poll: Poll, request=None) -> Poll:
    """Close the vote, seal the chain head, compute and record the result."""
    session = _session_of(poll.item)
    _check_runs(user, session)
    poll = Poll.objects.select_for_update().get(pk=poll.pk)
    if poll.state != Poll.State.OPEN:
        raise ValidationError(_("This vote is already closed."), code="poll_closed")
    counts = tally(poll)
    pm_choice = (
        Vote.objects.filter(poll=poll, member_id=poll.prime_minister_id)
        .values_list("choice", flat=True)
        .first()
        or ""
    )
    poll.in_favour = counts[Choice.IN_FAVOUR]
    poll.against = counts[Choice.AGAINST]
    poll.abstain = counts[Choice.ABSTAIN]
    poll.passed = rules.poll_passes(
        in_favour=poll.in_favour,
        against=poll.against,
        members_total=poll.members_total,
        prime_minister_choice=pm_choice,
    )
    poll.state = Poll.State.CLOSED
    poll.closed_at = timezone.now()
    poll.save()
    outcome = ItemRecord.Outcome.ADOPTED if poll.passed else ItemRecord.Outcome.REJECTED
    item_record, _c = ItemRecord.objects.get_or_create(item=poll.item)
    item_record.outcome = outcome
    item_record.result_text = result_text(poll)
    item_record.save()
    _bump(session)
    audit_log(
        action="ecabinet.poll_close",
        instance=poll.item,
        user=user,
        request=request,
        poll=poll.pk,
        in_favour=poll.in_favour,
        against=poll.against,
        abstain=poll.abstain,
        passed=poll.passed,
        chain_head=poll.chain_head,
    )
    return poll


def result_text(poll: Poll) -> str:
    verdict = _("adopted") if poll.passed else _("not adopted")
    return str(
        _(
            "%(for)s in favour, %(against)s against, %(abstain)s abstaining of "
            "%(total)s members: %(verdict)s"
        )
        % {
            "for": poll.in_favour,
            "against": poll.against,
            "abstain": poll.abstain,
            "total": poll.members_total,
            "verdict": verdict,
        }
    )
