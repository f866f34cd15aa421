"""Reads about ballots: who may see which, the tally, the result rule, the board.

The result rule (DOMAIN.md; Law on Government Organization, art. 47): a question
passes with the agreement of **more than half of all members polled**, not of those
who answered. On an exact tie (possible only with an even number of members), the
side the Prime Minister took wins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, QuerySet
from django.utils import timezone
from wagtail.models import PageLogEntry, TaskState

from cabinet.models.ballots import (
    BallotAnswer,
    BallotAnswerChoice,
    BallotPage,
    BallotRecipient,
    Choice,
    CloseRule,
)


def majority_threshold(member_count: int) -> int:
    """The smallest number of agreeing members that is more than half of all."""
    return member_count // 2 + 1


@dataclass(frozen=True)
class QuestionResult:
    question_id: int
    text: str
    agree: int
    disagree: int
    other: int
    member_count: int
    outstanding: int
    prime_minister: str | None
    changes_allowed: bool

    @property
    def threshold(self) -> int:
        return majority_threshold(self.member_count)

    @property
    def answered(self) -> int:
        return self.agree + self.disagree + self.other

    def _wins(self, agree: int, pm_agrees: bool) -> bool:
        if agree * 2 > self.member_count:
            return True
        return agree * 2 == self.member_count and pm_agrees

    @property
    def passed(self) -> bool:
        return self._wins(self.agree, self.prime_minister == Choice.AGREE)

    @property
    def decided(self) -> bool:
        """Whether no answer still to come can change the outcome.

        While answers may be changed, anything can still change until the deadline.
        """
        if self.changes_allowed:
            return False
        if self.passed:
            return True  # agreements can only be added
        pm_may_agree = self.prime_minister in (None, Choice.AGREE)
        return not self._wins(self.agree + self.outstanding, pm_may_agree)


@dataclass(frozen=True)
class Tally:
    ballot_id: int
    member_count: int
    answered: int
    questions: list[QuestionResult] = field(default_factory=list)

    @property
    def threshold(self) -> int:
        return majority_threshold(self.member_count)

    @property
    def outstanding(self) -> int:
        return self.member_count - self.answered

    @property
    def passed(self) -> bool:
        return bool(self.questions) and all(q.passed for q in self.questions)

    @property
    def decided(self) -> bool:
        return bool(self.questions) and all(q.decided for q in self.questions)


def ballot_tally(*, ballot: BallotPage) -> Tally:
    """Counts per question against the threshold of all members polled."""
    member_count = ballot.member_count or 0
    answered = BallotAnswer.objects.filter(ballot=ballot).count()
    counts: dict[tuple[int, str], int] = {
        (row["question"], row["choice"]): row["n"]
        for row in BallotAnswerChoice.objects.filter(answer__ballot=ballot)
        .values("question", "choice")
        .annotate(n=Count("pk"))
    }
    pm_choices = dict(
        BallotAnswerChoice.objects.filter(
            answer__ballot=ballot,
            answer__member__in=BallotRecipient.objects.filter(
                ballot=ballot, is_prime_minister=True
            ).values("member"),
        ).values_list("question", "choice")
    )
    questions = [
        QuestionResult(
            question_id=q.pk,
            text=q.text,
            agree=counts.get((q.pk, Choice.AGREE), 0),
            disagree=counts.get((q.pk, Choice.DISAGREE), 0),
            other=counts.get((q.pk, Choice.OTHER), 0),
            member_count=member_count,
            outstanding=member_count - answered,
            prime_minister=pm_choices.get(q.pk),
            changes_allowed=ballot.allow_change,
        )
        for q in ballot.questions.all()
    ]
    return Tally(
        ballot_id=ballot.pk,
        member_count=member_count,
        answered=answered,
        questions=questions,
    )


def ballot_should_close(*, ballot: BallotPage, now: datetime | None = None) -> str:
    """Why an open ballot must close now ("deadline", "decided"), or ""."""
    if ballot.status != BallotPage.Status.OPEN:
        return ""
    now = now or timezone.now()
    if now >= ballot.deadline:
        return "deadline"
    if (
        ballot.close_rule == CloseRule.DECIDED
        and not ballot.allow_change  # changes keep any result open until the deadline
        and ballot_tally(ballot=ballot).decided
    ):
        return "decided"
    return ""


def ballot_outstanding(key: str) -> list[int]:
    """For the deadline reminders (key "ballot:<id>"): members who still owe."""
    ballot_id = int(key.split(":")[1])
    ballot = BallotPage.objects.filter(pk=ballot_id).first()
    if ballot is None or ballot.issued_at is None or ballot.withdrawn_at:
        return []
    if ballot.closed_at and ballot.close_reason != "deadline":
        return []  # decided early: nobody owes an answer any more
    return list(outstanding_members(ballot=ballot).values_list("member", flat=True))


def outstanding_members(*, ballot: BallotPage) -> QuerySet[BallotRecipient]:
    answered = BallotAnswer.objects.filter(ballot=ballot).values("member")
    return BallotRecipient.objects.filter(ballot=ballot).exclude(member__in=answered)


@dataclass(frozen=True)
class BoardRow:
    member_id: int
    name: str
    position: str
    answer: BallotAnswer | None
    choices: dict[int, str]
    overdue: bool
    reminded_at: datetime | None


def ballot_board(*, ballot: BallotPage) -> list[BoardRow]:
    """Every member polled, in protocol order, with their current answer if any."""
    recipients = BallotRecipient.objects.filter(ballot=ballot).select_related(
        "member__person"
    )
    answers = {
        a.member_id: a
        for a in BallotAnswer.objects.filter(ballot=ballot).prefetch_related(
            "choices", "attachments"
        )
    }
    overdue = ballot.issued_at is not None and ballot.deadline_passed
    rows = []
    for r in recipients:
        answer = answers.get(r.member_id)
        person = getattr(r.member, "person", None)
        rows.append(
            BoardRow(
                member_id=r.member_id,
                name=r.member.get_full_name() or r.member.get_username(),
                position=person.position if person else "",
                answer=answer,
                choices=(
                    {c.question_id: c.choice for c in answer.choices.all()}
                    if answer
                    else {}
                ),
                overdue=overdue and answer is None,
                reminded_at=r.reminded_at,
            )
        )
    return rows


def ballot_history(*, ballot: BallotPage) -> list[dict]:
    """The moderation and life of a ballot, newest first: log entries and comments."""
    entries = [
        {
            "at": e.timestamp,
            "user": e.user_display_name,
            "action": e.message,
            "comment": e.comment or "",
        }
        for e in PageLogEntry.objects.filter(page=ballot)
        .select_related("user")
        .order_by("-timestamp", "-pk")[:50]
    ]
    comments = {
        (ts.finished_at, ts.comment)
        for ts in TaskState.objects.filter(
            workflow_state__base_content_type__model="page",
            workflow_state__object_id=str(ballot.pk),
        ).exclude(comment="")
    }
    known = {e["comment"] for e in entries}
    for at, comment in comments:
        if comment not in known and at is not None:
            entries.append({"at": at, "user": "", "action": "", "comment": comment})
    entries.sort(key=lambda e: e["at"], reverse=True)
    return entries


def ballots_for_user(user) -> QuerySet[BallotPage]:
    """The ballots ``user`` may see: staff every one, members and their assistants
    the ballots issued to the member."""
    from cabinet.ballots.permissions import ballot_policy

    qs = BallotPage.objects.all().select_related("presenting_ministry")
    if ballot_policy.user_follows_ballots(user):
        return qs.order_by("-latest_revision_created_at", "-pk")
    member_id = ballot_policy.reading_member_id(user)
    if member_id is None:
        return qs.none()
    return qs.filter(issued_at__isnull=False, recipients__member_id=member_id).order_by(
        "-issued_at", "-pk"
    )


def overdue_ballots() -> list[dict]:
    """For the staff's daily digest (NOTIFY_OVERDUE_PROVIDERS): ballots whose
    deadline passed in the last week with answers missing."""
    now = timezone.now()
    items = []
    for ballot in BallotPage.objects.filter(
        issued_at__isnull=False,
        withdrawn_at__isnull=True,
        deadline__lte=now,
        deadline__gte=now - timedelta(days=7),
    ):
        missing = [
            r.member.get_full_name() or r.member.get_username()
            for r in outstanding_members(ballot=ballot).select_related("member")
        ]
        if missing:
            items.append(
                {
                    "title": ballot.title,
                    "deadline": ballot.deadline.isoformat(),
                    "missing": missing,
                    "staff": ballot_staff(ballot=ballot),
                }
            )
    return items


def ballot_staff(*, ballot: BallotPage) -> list[int]:
    """Who follows a ballot up: its drafter and the one who issued it."""
    return sorted({pk for pk in (ballot.owner_id, ballot.issued_by_id) if pk})
