"""Opinion ballots (phiếu lấy ý kiến Thành viên Chính phủ), workflows 1 and 2.

A ballot is a Wagtail page under the ballots index, which sits outside every site's
tree and behind a view restriction: ballots are never served to the public. A
specialist drafts it; Wagtail's workflow carries it through the department head and
the Office leadership (whose approval needs a one-time code, :class:`OTPApprovalTask`);
the end of the workflow issues it (``cabinet.ballots.workflow``).

Invariants the database keeps even if the code is wrong:

- one answer per member and ballot (``ballot_answer_once_per_member``), one choice per
  answer and question, one history row per answer version;
- one recipient row per member and ballot: the members polled are fixed at issue, and
  the threshold counts all of them, not only those who answered.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import AbstractGroupApprovalTask, Orderable, Page
from wagtail.search import index

from cabinet.ballots.panels import BallotSummaryPanel

BALLOT_WORKFLOW = "Phát hành phiếu lấy ý kiến"


class Choice(models.TextChoices):
    AGREE = "agree", _("Agree")
    DISAGREE = "disagree", _("Disagree")
    OTHER = "other", _("Other opinion")


class CloseRule(models.TextChoices):
    DEADLINE = "deadline", _("At the deadline")
    DECIDED = "decided", _("As soon as the result can no longer change")


class BallotIndexPage(Page):
    """The one folder of ballots. Not under any site: it has no public URL."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["cabinet.BallotPage"]
    max_count = 1

    class Meta:
        verbose_name = _("opinion ballots index")

    def permissions_for_user(self, user):
        from cabinet.ballots.permissions import BallotIndexPermissionTester

        return BallotIndexPermissionTester(user, self)

    def serve(self, request, *args, **kwargs):
        from cabinet.ballots.views import serve_private

        return serve_private(request, None)


class BallotPage(Page):
    """One opinion ballot: the matter, the draft documents, the questions, the deadline."""

    matter = RichTextField(
        _("matter"),
        help_text=_("What the Government is asked to decide, and why."),
    )
    presenting_ministry = models.ForeignKey(
        "cabinet.Ministry",
        verbose_name=_("presenting ministry"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ballots",
    )
    deadline = models.DateTimeField(_("deadline for answers"))
    allow_change = models.BooleanField(
        _("members may change their answer until the deadline"), default=True
    )
    close_rule = models.CharField(
        _("close the ballot"),
        max_length=16,
        choices=CloseRule.choices,
        default=CloseRule.DEADLINE,
        help_text=_(
            "A ballot that allows changes can only be decided at the deadline."
        ),
    )

    # Set when issued: who was polled is fixed then (see BallotRecipient).
    issued_at = models.DateTimeField(_("issued"), null=True, blank=True, editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    member_count = models.PositiveSmallIntegerField(
        _("members polled"), null=True, blank=True, editable=False
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, editable=False)
    close_reason = models.CharField(
        _("why it closed"), max_length=16, blank=True, editable=False
    )
    passed = models.BooleanField(_("approved"), null=True, editable=False)
    withdrawn_at = models.DateTimeField(
        _("withdrawn"), null=True, blank=True, editable=False
    )
    withdraw_reason = models.TextField(_("reason for withdrawal"), blank=True)

    content_panels = [
        # The summary each moderation step sees first.
        BallotSummaryPanel(heading=_("At a glance")),
        FieldPanel("title"),
        FieldPanel("matter"),
        FieldPanel("presenting_ministry"),
        InlinePanel(
            "questions", heading=_("Questions"), label=_("Question"), min_num=1
        ),
        MultiFieldPanel(
            [
                FieldPanel("deadline"),
                FieldPanel("allow_change"),
                FieldPanel("close_rule"),
            ],
            heading=_("Deadline and rules"),
        ),
    ]
    promote_panels: list = []
    search_fields = Page.search_fields + [index.SearchField("matter")]

    parent_page_types = ["cabinet.BallotIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("opinion ballot")
        verbose_name_plural = _("opinion ballots")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Being drafted")
        OPEN = "open", _("Open for answers")
        CLOSED = "closed", _("Closed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    @property
    def status(self) -> str:
        if self.withdrawn_at:
            return self.Status.WITHDRAWN
        if self.closed_at:
            return self.Status.CLOSED
        if self.issued_at:
            return self.Status.OPEN
        return self.Status.DRAFT

    def get_status_display(self) -> str:
        return self.Status(self.status).label

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN and timezone.now() < self.deadline

    @property
    def deadline_passed(self) -> bool:
        return timezone.now() >= self.deadline

    # --- the page protocols of cabinet.workflows and documents.permissions ---

    def get_workflow(self):
        from cabinet.workflows import workflow_named

        return workflow_named(BALLOT_WORKFLOW)

    def workflow_finished(self, *, user):
        """The Office leadership's approval ends the workflow: issue the ballot."""
        from cabinet.ballots.services import ballot_issue

        ballot_issue(ballot=self, user=user)

    def user_can_upload_documents(self, user) -> bool:
        """Drafting staff attach the draft documents before issue; a member polled
        attaches files to their answer while the ballot is open."""
        from cabinet.ballots.permissions import ballot_policy
        from cabinet.permissions import Action, cabinet_policy

        if self.issued_at is None:
            return cabinet_policy.user_has_permission(user, Action.DRAFT)
        return self.is_open and ballot_policy.user_has_permission_for_instance(
            user, "answer", self
        )

    def user_can_read_documents(self, user) -> bool:
        from cabinet.ballots.permissions import ballot_policy

        return ballot_policy.user_has_permission_for_instance(user, "view", self)

    # Set by the services, never by a revision: publishing an old revision must not
    # un-issue, reopen or un-withdraw the ballot.
    LIFECYCLE_FIELDS = (
        "issued_at",
        "issued_by_id",
        "member_count",
        "closed_at",
        "close_reason",
        "passed",
        "withdrawn_at",
        "withdraw_reason",
    )

    # A copy is a new draft: it starts its own workflow and polls its own members.
    exclude_fields_in_copy = [
        "issued_at",
        "issued_by",
        "member_count",
        "closed_at",
        "close_reason",
        "passed",
        "withdrawn_at",
        "withdraw_reason",
    ]

    def with_content_json(self, content):
        page = super().with_content_json(content)
        for name in self.LIFECYCLE_FIELDS:
            setattr(page, name, getattr(self, name))
        return page

    def permissions_for_user(self, user):
        from cabinet.ballots.permissions import BallotPagePermissionTester

        return BallotPagePermissionTester(user, self)

    def serve(self, request, *args, **kwargs):
        from cabinet.ballots.views import serve_private

        return serve_private(request, self)

    def get_admin_url(self) -> str:
        from django.urls import reverse

        return reverse("ecabinet_ballot", args=[self.pk])

    def full_clean(self, *args, **kwargs):
        from cabinet.text import nfc

        self.title = nfc(self.title)
        self.matter = nfc(self.matter)
        self.withdraw_reason = nfc(self.withdraw_reason)
        super().full_clean(*args, **kwargs)


class BallotQuestion(Orderable):
    page = ParentalKey(BallotPage, on_delete=models.CASCADE, related_name="questions")
    text = models.TextField(
        _("question"),
        help_text=_(
            'e.g. "Do you agree to the draft resolution on …?" Members answer '
            "Agree, Disagree or Other opinion."
        ),
    )

    panels = [FieldPanel("text")]

    class Meta(Orderable.Meta):
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return self.text

    def full_clean(self, *args, **kwargs):
        from cabinet.text import nfc

        self.text = nfc(self.text)
        super().full_clean(*args, **kwargs)


class BallotRecipient(models.Model):
    """A member polled by a ballot, fixed at issue; also the row an answer locks."""

    wagtail_reference_index_ignore = True

    ballot = models.ForeignKey(
        BallotPage, on_delete=models.CASCADE, related_name="recipients"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    protocol_order = models.PositiveIntegerField(default=1000)
    is_prime_minister = models.BooleanField(default=False)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["protocol_order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["ballot", "member"], name="ballot_recipient_once"
            )
        ]
        verbose_name = _("member polled")
        verbose_name_plural = _("members polled")

    def __str__(self) -> str:
        return f"{self.ballot_id}/{self.member_id}"


class BallotAnswer(models.Model):
    """A member's answer: the current version; earlier ones live in the history."""

    wagtail_reference_index_ignore = True

    ballot = models.ForeignKey(
        BallotPage, on_delete=models.PROTECT, related_name="answers"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveSmallIntegerField(_("answer version"), default=1)
    comment = models.TextField(_("opinion"), blank=True)
    receipt = models.CharField(_("receipt"), max_length=64)
    attachments = models.ManyToManyField(
        "documents.Document",
        verbose_name=_("attachments"),
        blank=True,
        related_name="+",
        help_text=_("Files the member attached; confidential to them and the staff."),
    )
    answered_at = models.DateTimeField(_("first answered"), default=timezone.now)
    updated_at = models.DateTimeField(_("last changed"), default=timezone.now)

    class Meta:
        ordering = ["answered_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["ballot", "member"], name="ballot_answer_once_per_member"
            )
        ]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")

    def __str__(self) -> str:
        return f"{self.ballot_id}/{self.member_id} v{self.version}"


class BallotAnswerChoice(models.Model):
    wagtail_reference_index_ignore = True

    answer = models.ForeignKey(
        BallotAnswer, on_delete=models.CASCADE, related_name="choices"
    )
    question = models.ForeignKey(
        BallotQuestion, on_delete=models.PROTECT, related_name="+"
    )
    choice = models.CharField(_("answer"), max_length=8, choices=Choice.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["answer", "question"], name="ballot_choice_once_per_question"
            )
        ]

    def __str__(self) -> str:
        return self.choice


class BallotAnswerVersion(models.Model):
    """Every version of an answer as confirmed, in canonical form, never edited."""

    wagtail_reference_index_ignore = True

    answer = models.ForeignKey(
        BallotAnswer, on_delete=models.CASCADE, related_name="versions"
    )
    version = models.PositiveSmallIntegerField()
    content = models.JSONField()
    receipt = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["answer", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["answer", "version"], name="ballot_answer_version_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.answer_id} v{self.version}"


class OTPApprovalTask(AbstractGroupApprovalTask):
    """A group approval whose approve action needs a one-time code (step-up).

    The code is checked by ``cabinet.otp.otp_confirm`` before the approval's own
    transaction; a refused code leaves the task in progress and tells the approver why.
    """

    def get_actions(self, obj, user):
        if user.is_superuser or self._user_in_groups(user):
            return [
                ("reject", _("Request changes"), True),
                ("approve", _("Approve with one-time code"), True),
            ]
        return []

    def get_form_for_action(self, action):
        from cabinet.ballots.forms import OTPApprovalForm

        if action == "approve":
            return OTPApprovalForm
        return super().get_form_for_action(action)

    def on_action(self, task_state, user, action_name, **kwargs):
        from cabinet.ballots.workflow import otp_task_action

        return otp_task_action(self, task_state, user, action_name, **kwargs)

    @classmethod
    def get_description(cls):
        return _(
            "Members of the chosen groups approve, each approval confirmed with a "
            "one-time code"
        )

    class Meta:
        verbose_name = _("approval with one-time code")
        verbose_name_plural = _("approvals with one-time code")


class ResolutionDraft(models.Model):
    """The draft resolution a passed ballot leads to (workflow 5 starts here).

    Deliberately minimal: the resolutions feature replaces or extends it with its own
    page type, signature and publication.
    """

    title = models.CharField(_("title"), max_length=500)
    legal_basis = models.TextField(_("legal basis"))
    source_ballot = models.OneToOneField(
        BallotPage,
        verbose_name=_("source ballot"),
        on_delete=models.PROTECT,
        related_name="resolution_draft",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("draft resolution")
        verbose_name_plural = _("draft resolutions")

    def __str__(self) -> str:
        return self.title
