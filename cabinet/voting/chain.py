"""The hash chain of a poll's vote entries, and its verification.

Each entry's hash is SHA-256 over its canonical content (poll, position in the chain,
member, choice, time to the microsecond in UTC) and the previous entry's hash; the
first entry chains from the poll's genesis hash. The hash is the voter's receipt. At
close the poll stores the head (last hash) and the number of entries with the
result, so a later edit, deletion or insertion of any row shows up when
``verify_chain`` recomputes everything from the rows.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime


def genesis(poll_id: int, opened_at: datetime) -> str:
    text = f"ecabinet-poll|{poll_id}|{opened_at.astimezone(UTC).isoformat()}"
    return hashlib.sha256(text.encode()).hexdigest()


def canonical(
    *, poll_id: int, seq: int, member_id: int, choice: str, cast_at: datetime
) -> str:
    stamp = cast_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return f"poll={poll_id};seq={seq};member={member_id};choice={choice};at={stamp}"


def entry_hash(content: str, prev_hash: str) -> str:
    return hashlib.sha256(f"{prev_hash}|{content}".encode()).hexdigest()


@dataclass
class ChainReport:
    poll_id: int
    entries: int = 0
    head: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain(poll) -> ChainReport:
    """Recompute the chain of ``poll`` from its rows; list every discrepancy."""
    from cabinet.models import Choice, Vote, VoteEntry

    report = ChainReport(poll_id=poll.pk)
    prev = genesis(poll.pk, poll.opened_at)
    expected_seq = 1
    latest: dict[int, object] = {}
    for entry in VoteEntry.objects.filter(poll=poll).order_by("seq", "pk"):
        if entry.seq != expected_seq:
            if entry.seq > expected_seq:
                report.problems.append(
                    f"missing entries: seq {expected_seq}..{entry.seq - 1} "
                    f"(deleted?) before entry #{entry.pk}"
                )
            else:
                report.problems.append(
                    f"entry #{entry.pk} repeats seq {entry.seq} (inserted?)"
                )
        content = canonical(
            poll_id=poll.pk,
            seq=entry.seq,
            member_id=entry.member_id,
            choice=entry.choice,
            cast_at=entry.cast_at,
        )
        if entry.prev_hash != prev:
            report.problems.append(
                f"entry seq {entry.seq} (#{entry.pk}) does not follow the previous "
                "entry (a vote was inserted or deleted before it)"
            )
        if entry_hash(content, entry.prev_hash) != entry.hash:
            report.problems.append(
                f"entry seq {entry.seq} (#{entry.pk}, member {entry.member_id}) was "
                "altered: its content no longer matches its hash"
            )
        prev = entry.hash
        expected_seq = entry.seq + 1
        latest[entry.member_id] = entry
        report.entries += 1
    report.head = prev if report.entries else ""
    votes = {v.member_id: v for v in Vote.objects.filter(poll=poll)}
    for member_id, vote in votes.items():
        entry = latest.get(member_id)
        if entry is None:
            report.problems.append(
                f"vote of member {member_id} has no entry in the chain (inserted?)"
            )
        elif entry.choice != vote.choice or entry.hash != vote.receipt:
            report.problems.append(
                f"vote of member {member_id} differs from its last chain entry "
                "(altered?)"
            )
    for member_id in latest.keys() - votes.keys():
        report.problems.append(
            f"member {member_id} has chain entries but no vote (deleted?)"
        )
    if poll.state == poll.State.CLOSED:
        if poll.chain_head != report.head:
            report.problems.append(
                "the chain head stored at close differs from the recomputed head"
            )
        if poll.entries_count != report.entries:
            report.problems.append(
                f"{poll.entries_count} entries were sealed at close, "
                f"{report.entries} found"
            )
        counts = dict.fromkeys(Choice.values, 0)
        for vote in votes.values():
            counts[vote.choice] = counts.get(vote.choice, 0) + 1
        stored = {
            Choice.IN_FAVOUR: poll.in_favour,
            Choice.AGAINST: poll.against,
            Choice.ABSTAIN: poll.abstain,
        }
        for choice, value in stored.items():
            if counts[choice] != value:
                report.problems.append(
                    f"stored tally {choice}={value} differs from the rows "
                    f"({counts[choice]})"
                )
    return report
