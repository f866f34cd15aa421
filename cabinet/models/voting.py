"""The live record of a session: attendance, the programme as held, speakers, polls,
votes and minutes.

Invariants the database keeps even if the code were wrong:

- one record per session, one per agenda item;
- one vote per member per poll (``vote_once_per_poll``), changes kept as entries;
- one chain position per entry (``entry_seq_once``): a poll's entries form a hash
  chain in ``seq`` order, each entry's hash covering its canonical content and the
  previous hash, so an edited, deleted or inserted entry breaks the chain
  (``cabinet.voting.chain``; ``manage.py verify_poll``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cabinet.models.sessions import AgendaItemPage, Participant, SessionPage


class Presence(models.TextChoices):
    """How a participant actually took part, recorded by the secretariat on the day."""

    UNKNOWN = "", _("Not recorded")
    IN_ROOM = "in_room", _("In the room")
    REMOTE = "remote", _("Remote")
    ABSENT = "absent", _("Absent with consent")
    DEPUTY = "deputy", _("Absent, deputy present")


PRESENT = (Presence.IN_ROOM, Presence.REMOTE)


class SessionRecord(models.Model):
    class State(models.TextChoices):
        PLANNED = "planned", _("Not opened")
        OPEN = "open", _("In session")
        CLOSED = "closed", _("Closed")

    session = models.OneToOneField(
        SessionPage, on_delete=models.CASCADE, primary_key=True, related_name="record"
    )
    state = models.CharField(
        _("state"), max_length=8, choices=State.choices, default=State.PLANNED
    )
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    current_item = models.ForeignKey(
        AgendaItemPage,
        verbose_name=_("current item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    members_total = models.PositiveIntegerField(_("members in all"), default=0)
    present_at_opening = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=0)  # bumped on every change

    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("session record")

    def __str__(self) -> str:
        return str(self.session)


class Attendance(models.Model):
    """A participant's actual presence (the plan stays on ``Participant``)."""

    participant = models.OneToOneField(
        Participant,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="presence",
    )
    presence = models.CharField(
        _("presence"), max_length=8, choices=Presence.choices, blank=True
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)

    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")

    def __str__(self) -> str:
        return f"{self.participant}: {self.get_presence_display()}"


class ItemRecord(models.Model):
    class Outcome(models.TextChoices):
        PENDING = "", _("Not yet taken")
        DISCUSSED = "discussed", _("Discussed")
        CONSENT = "consent", _("Adopted in the consent block")
        ADOPTED = "adopted", _("Adopted by vote")
        REJECTED = "rejected", _("Not adopted")

    item = models.OneToOneField(
        AgendaItemPage,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="record",
    )
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    actual_seconds = models.PositiveIntegerField(default=0)
    outcome = models.CharField(
        _("outcome"), max_length=12, choices=Outcome.choices, blank=True
    )
    result_text = models.CharField(_("result"), max_length=255, blank=True)

    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("item record")

    def __str__(self) -> str:
        return f"{self.item}: {self.get_outcome_display()}"


class SpeakRequest(models.Model):
    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        SPEAKING = "speaking", _("Has the floor")
        DONE = "done", _("Spoke")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    item = models.ForeignKey(
        AgendaItemPage, on_delete=models.CASCADE, related_name="speak_requests"
    )
    speaker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.WAITING
    )
    order = models.PositiveIntegerField(default=0)
    requested_at = models.DateTimeField(auto_now_add=True)
    planned_seconds = models.PositiveIntegerField(default=300)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    wagtail_reference_index_ignore = True

    class Meta:
        ordering = ["item", "order", "requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "speaker"],
                condition=models.Q(state="waiting"),
                name="speak_request_once_waiting",
            )
        ]

    def __str__(self) -> str:
        return f"{self.speaker} – {self.item}"

    @property
    def seconds(self) -> int:
        if self.started_at and self.ended_at:
            return int((self.ended_at - self.started_at).total_seconds())
        return 0


class Poll(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    item = models.ForeignKey(
        AgendaItemPage, on_delete=models.PROTECT, related_name="polls"
    )
    question = models.CharField(_("question"), max_length=500)
    state = models.CharField(max_length=8, choices=State.choices, default=State.OPEN)
    named = models.BooleanField(_("named vote"), default=True)
    allow_change = models.BooleanField(
        _("votes may be changed until close"), default=True
    )
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    members_total = models.PositiveIntegerField()
    prime_minister = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The result, stored at close with the chain head it was computed from.
    in_favour = models.PositiveIntegerField(default=0)
    against = models.PositiveIntegerField(default=0)
    abstain = models.PositiveIntegerField(default=0)
    passed = models.BooleanField(null=True)
    chain_head = models.CharField(max_length=64, blank=True)
    entries_count = models.PositiveIntegerField(default=0)

    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")

    def __str__(self) -> str:
        return self.question


class Choice(models.TextChoices):
    IN_FAVOUR = "for", _("In favour")
    AGAINST = "against", _("Against")
    ABSTAIN = "abstain", _("Abstain")


class Vote(models.Model):
    """A member's current vote on a poll (the latest of their entries)."""

    poll = models.ForeignKey(Poll, on_delete=models.PROTECT, related_name="votes")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    choice = models.CharField(max_length=8, choices=Choice.choices)
    remote = models.BooleanField(default=False)
    cast_at = models.DateTimeField()
    changes = models.PositiveIntegerField(default=0)
    receipt = models.CharField(max_length=64)

    wagtail_reference_index_ignore = True

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["poll", "member"], name="vote_once_per_poll"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} – {self.poll}: {self.choice}"


class VoteEntry(models.Model):
    """One cast or change, in chain order; never updated or deleted by the app."""

    poll = models.ForeignKey(Poll, on_delete=models.PROTECT, related_name="entries")
    seq = models.PositiveIntegerField()
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    choice = models.CharField(max_length=8, choices=Choice.choices)
    cast_at = models.DateTimeField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    wagtail_reference_index_ignore = True

    class Meta:
        ordering = ["poll", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["poll", "seq"], name="entry_seq_once")
        ]

    def __str__(self) -> str:
        return f"{self.poll_id}#{self.seq}"


class Minutes(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        FINAL = "final", _("Final")

    session = models.OneToOneField(
        SessionPage, on_delete=models.CASCADE, primary_key=True, related_name="minutes"
    )
    state = models.CharField(max_length=8, choices=State.choices, default=State.DRAFT)
    text = models.TextField(_("text of the minutes"))
    updated_at = models.DateTimeField(auto_now=True)
    finalised_at = models.DateTimeField(null=True, blank=True)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("minutes")
        verbose_name_plural = _("minutes")

    def __str__(self) -> str:
        return str(self.session)
