"""Sessions of the Government as a Wagtail page tree.

    SessionIndexPage → SessionPage → AgendaItemPage → DossierPage (+ its documents)

Sessions and everything under them are never public: ``serve`` admits only signed-in,
second-factor-verified users the policy lets read, and answers 404 to everyone else
(the uninvited must not learn what is on the programme). Specialists curate the tree
in the Wagtail admin; Office leadership approves the programme (the programme
workflow), which issues the session; each dossier goes through the specialists'
review workflow before members see its documents.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from cabinet.permissions import Action, cabinet_policy
from cabinet.sessions.panels import DossierDocumentsPanel
from cabinet.workflows import has_own_workflow


def _reader_gate(page, request):
    """None if ``request.user`` may read ``page``; else the response to send."""
    user = request.user
    if not (user.is_authenticated and user.is_verified()):
        return redirect_to_login(request.get_full_path(), reverse("wagtailadmin_login"))
    if not page.user_can_read(user):
        raise Http404
    return None


class MembersOnlyPage(Page):
    """A page of the members' area: served only to those ``user_can_read`` admits."""

    class Meta:
        abstract = True

    def user_can_read(self, user) -> bool:  # pragma: no cover - overridden
        return False

    def serve(self, request, *args, **kwargs):
        refused = _reader_gate(self, request)
        if refused is not None:
            return refused
        response = super().serve(request, *args, **kwargs)
        response["Cache-Control"] = "private, no-store"
        return response

    def get_sitemap_urls(self, request=None):
        return []


class SessionIndexPage(MembersOnlyPage):
    """The archive of sessions, newest first, filterable by year."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["cabinet.HomePage"]
    subpage_types = ["cabinet.SessionPage"]
    max_count = 1

    class Meta:
        verbose_name = _("sessions index")

    def user_can_read(self, user) -> bool:
        from cabinet.sessions.selectors import user_reads_sessions

        return user_reads_sessions(user)

    def get_context(self, request, *args, **kwargs):
        from cabinet.sessions.selectors import sessions_for

        context = super().get_context(request, *args, **kwargs)
        sessions = sessions_for(user=request.user, index=self)
        years = sorted({s.starts_at.year for s in sessions}, reverse=True)
        year = request.GET.get("year")
        if year and year.isdigit():
            sessions = [s for s in sessions if s.starts_at.year == int(year)]
        now = timezone.now()
        context.update(
            upcoming=[s for s in sessions if s.starts_at >= now][::-1],
            past=[s for s in sessions if s.starts_at < now],
            years=years,
            year=year,
        )
        return context


class SessionPage(MembersOnlyPage):
    class Kind(models.TextChoices):
        REGULAR = "regular", _("Regular monthly session")
        THEMATIC = "thematic", _("Thematic session")
        EXTRAORDINARY = "extraordinary", _("Extraordinary session")

    class Mode(models.TextChoices):
        IN_ROOM = "in_room", _("In the room")
        ONLINE = "online", _("Online")
        MIXED = "mixed", _("In the room and online")

    kind = models.CharField(
        _("kind of session"), max_length=16, choices=Kind.choices, default=Kind.REGULAR
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("planned end"), null=True, blank=True)
    place = models.CharField(
        _("place"), max_length=255, default="Trụ sở Chính phủ, 1 Hoàng Hoa Thám, Hà Nội"
    )
    mode = models.CharField(
        _("mode"), max_length=16, choices=Mode.choices, default=Mode.MIXED
    )
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chair"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Normally the Prime Minister."),
    )
    summary = RichTextField(_("summary"), blank=True)
    positions_deadline = models.DateTimeField(
        _("positions due by"),
        null=True,
        blank=True,
        help_text=_(
            "Members mark each item before this time (no objection, wish to speak, "
            "objection); the consent block is computed from their marks."
        ),
    )
    issued_at = models.DateTimeField(
        _("issued at"), null=True, blank=True, editable=False
    )

    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("kind"), FieldPanel("mode")]),
                FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at")]),
                FieldPanel("place"),
                FieldPanel("chair"),
                FieldPanel("positions_deadline"),
            ],
            heading=_("When and where"),
        ),
        FieldPanel("summary"),
    ]
    parent_page_types = ["cabinet.SessionIndexPage"]
    subpage_types = ["cabinet.AgendaItemPage"]

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    def clean(self):
        super().clean()
        if self.ends_at and self.starts_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The end must come after the start.")})
        if (
            self.positions_deadline
            and self.starts_at
            and self.positions_deadline > self.starts_at
        ):
            raise ValidationError(
                {
                    "positions_deadline": _(
                        "Positions are due before the session starts."
                    )
                }
            )

    def get_workflow(self):
        from cabinet.workflows import PROGRAMME_WORKFLOW, workflow_named

        return workflow_named(PROGRAMME_WORKFLOW)

    has_workflow = property(has_own_workflow)

    def workflow_finished(self, *, user):
        from cabinet.sessions.services import session_issue

        session_issue(session=self, user=user)

    def user_can_read(self, user) -> bool:
        from cabinet.sessions.selectors import user_reads_session

        return self.live and user_reads_session(user, self)

    @cached_property
    def items(self):
        return list(
            AgendaItemPage.objects.child_of(self).live().specific().order_by("path")
        )

    def get_context(self, request, *args, **kwargs):
        from cabinet.sessions.selectors import reading_room

        context = super().get_context(request, *args, **kwargs)
        context["room"] = reading_room(user=request.user, session=self)
        return context

    def serve(self, request, *args, **kwargs):
        from cabinet.sessions.views import reading_room_post

        if request.method == "POST":
            refused = _reader_gate(self, request)
            if refused is not None:
                return refused
            return reading_room_post(request, self)
        return super().serve(request, *args, **kwargs)


class AgendaItemPage(MembersOnlyPage):
    presenting_ministry = models.ForeignKey(
        "cabinet.Ministry",
        verbose_name=_("presenting ministry"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agenda_items",
    )
    planned_minutes = models.PositiveIntegerField(
        _("planned duration (minutes)"), default=15
    )
    vote_expected = models.BooleanField(_("a vote is expected"), default=False)
    summary = models.TextField(_("summary"), blank=True)

    content_panels = Page.content_panels + [
        FieldRowPanel(
            [
                FieldPanel("presenting_ministry"),
                FieldPanel("planned_minutes"),
                FieldPanel("vote_expected"),
            ]
        ),
        FieldPanel("summary"),
    ]
    parent_page_types = ["cabinet.SessionPage"]
    subpage_types = ["cabinet.DossierPage"]

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")

    @property
    def ministry(self):
        return self.presenting_ministry

    @cached_property
    def session(self) -> SessionPage:
        return SessionPage.objects.ancestor_of(self).get()

    def get_workflow(self):
        from cabinet.workflows import PROGRAMME_WORKFLOW, workflow_named

        return workflow_named(PROGRAMME_WORKFLOW)

    has_workflow = property(has_own_workflow)

    def workflow_finished(self, *, user):
        from cabinet.sessions.services import session_programme_changed

        session_programme_changed(session=self.session, user=user)

    def user_can_read(self, user) -> bool:
        return self.live and self.session.user_can_read(user)

    def serve(self, request, *args, **kwargs):
        from django.shortcuts import redirect

        refused = _reader_gate(self, request)
        if refused is not None:
            return refused
        return redirect(f"{self.session.url}#item-{self.pk}")


class DossierPage(MembersOnlyPage):
    """The dossier of an agenda item: the presenting ministry's documents."""

    summary = models.TextField(_("summary"), blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        DossierDocumentsPanel(heading=_("Documents")),
    ]
    parent_page_types = ["cabinet.AgendaItemPage"]
    subpage_types: list[str] = []
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")

    @cached_property
    def item(self) -> AgendaItemPage:
        return AgendaItemPage.objects.parent_of(self).specific().get()

    @property
    def ministry(self):
        return self.item.presenting_ministry

    def get_workflow(self):
        from cabinet.workflows import DOSSIER_WORKFLOW, workflow_named

        return workflow_named(DOSSIER_WORKFLOW)

    def workflow_finished(self, *, user):
        from documents.services import versions_approve

        versions_approve(page=self, user=user)

    def user_can_upload_documents(self, user) -> bool:
        """The presenting ministry's focal officers and the secretariat."""
        return cabinet_policy.user_has_permission(
            user, Action.MANAGE_SESSION
        ) or cabinet_policy.user_has_permission(
            user, Action.UPLOAD_DOSSIER, self.ministry
        )

    def user_can_read_documents(self, user) -> bool:
        return self.live and self.item.session.user_can_read(user)

    def user_can_read(self, user) -> bool:
        return self.user_can_upload_documents(user) or self.user_can_read_documents(
            user
        )

    def serve(self, request, *args, **kwargs):
        from django.shortcuts import redirect

        refused = _reader_gate(self, request)
        if refused is not None:
            return refused
        return redirect(f"{self.item.session.url}#item-{self.item.pk}")


class Participant(models.Model):
    """Who is invited to a session, and how they take part.

    Members are invited by default (``session_composition_default``). A member absent
    with the Prime Minister's consent may send a deputy, who attends and may speak but
    never votes; a guest attends without a vote.
    """

    class Role(models.TextChoices):
        MEMBER = "member", _("Government member")
        GUEST = "guest", _("Invited guest (no vote)")

    class Attendance(models.TextChoices):
        ATTENDING = "attending", _("Attending")
        ABSENT = "absent", _("Absent with the Prime Minister's consent")

    session = models.ForeignKey(
        SessionPage, on_delete=models.CASCADE, related_name="participants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="session_participations",
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    attendance = models.CharField(
        _("attendance"),
        max_length=16,
        choices=Attendance.choices,
        default=Attendance.ATTENDING,
    )
    consent_note = models.CharField(_("reason / consent"), max_length=255, blank=True)
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deputy attending instead"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deputised_participations",
    )
    deputy_name = models.CharField(
        _("deputy (name and position)"), max_length=255, blank=True
    )
    invited_at = models.DateTimeField(_("invited at"), null=True, blank=True)

    wagtail_reference_index_ignore = True

    class Meta:
        ordering = ["session", "role", "user__person__protocol_order"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "user"], name="participant_once_per_session"
            )
        ]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()

    @property
    def votes(self) -> bool:
        """Only a member attending in person (or remotely) votes; never a deputy/guest."""
        return (
            self.role == self.Role.MEMBER
            and self.attendance == self.Attendance.ATTENDING
        )


class ItemPosition(models.Model):
    """A member's position on an agenda item before the session (Estonia's method)."""

    class Stance(models.TextChoices):
        NO_OBJECTION = "no_objection", _("No objection")
        WISH_TO_SPEAK = "wish_to_speak", _("Wish to speak")
        OBJECTION = "objection", _("Objection")

    item = models.ForeignKey(
        AgendaItemPage, on_delete=models.CASCADE, related_name="positions"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    stance = models.CharField(_("position"), max_length=16, choices=Stance.choices)
    comment = models.TextField(_("comment"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    wagtail_reference_index_ignore = True

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["item", "member"], name="position_once_per_item"
            )
        ]
        verbose_name = _("position on an item")
        verbose_name_plural = _("positions on items")

    def __str__(self) -> str:
        return f"{self.member} – {self.item}: {self.get_stance_display()}"


class SessionVisit(models.Model):
    """When a reader last opened a session: "new since your last visit"."""

    session = models.ForeignKey(SessionPage, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    previous_visit_at = models.DateTimeField(null=True, blank=True)
    last_visit_at = models.DateTimeField()

    wagtail_reference_index_ignore = True

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="visit_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.session}"
