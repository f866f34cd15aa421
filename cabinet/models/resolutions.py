"""Resolutions (Nghị quyết): drafted from a result, moderated, signed, published.

    HomePage → ResolutionIndexPage (public) → ResolutionPage (public once signed)

A resolution is drafted from the result of a session vote (its agenda item) or of an
opinion ballot (``resolution_draft_from_result``), goes through the workflow
"Ban hành Nghị quyết" (department head → Office leadership → the Prime Minister's
signature, :class:`SignResolutionTask`), and the signature publishes it.

Invariants:

- the number (``68/NQ-CP``) is given at signing, from a per-year counter that only
  goes up (:class:`ResolutionNumber`), so a number is never given twice, and a
  database constraint makes two resolutions of one year with one number impossible;
- the signing fields live outside revisions (:meth:`ResolutionPage.with_content_json`),
  like Wagtail's ``locked``: publishing any revision keeps them, and a signed
  resolution is never signed again;
- the public sees a resolution only when it is live *and* signed: a page published
  by some other path (an administrator's Publish button) stays invisible.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.http import Http404
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from rest_framework import serializers
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page, Task, TaskState
from wagtail.search import index

from cabinet.permissions import Action, cabinet_policy
from cabinet.roles import PRIME_MINISTER
from cabinet.workflows import has_own_workflow

ISSUER = "CHÍNH PHỦ"
NUMBER_SUFFIX = "NQ-CP"
DEFAULT_RECIPIENTS = "\n".join(
    [
        "Ban Bí thư Trung ương Đảng;",
        "Thủ tướng, các Phó Thủ tướng Chính phủ;",
        "Các bộ, cơ quan ngang bộ, cơ quan thuộc Chính phủ;",
        "HĐND, UBND các tỉnh, thành phố trực thuộc trung ương;",
        "Văn phòng Trung ương và các Ban của Đảng;",
        "Văn phòng Quốc hội;",
        "VPCP: BTCN, các PCN, Trợ lý TTg, TGĐ Cổng TTĐT;",
        "Lưu: VT, TH.",
    ]
)
# Fields written by signing only; revisions never carry them (see with_content_json).
SIGNING_FIELDS = (
    "number_year",
    "number_seq",
    "number",
    "issued_on",
    "signed_at",
    "signed_by_id",
    "signer_name",
    "signer_title",
    "signed_pdf_name",
    "signed_pdf_sha256",
    "signed_pdf_size",
)


def fold_vi(text: str) -> str:
    """Lower case without diacritics, đ → d: "Nghị quyết" and "nghi quyet" meet."""
    import unicodedata

    decomposed = unicodedata.normalize("NFD", text or "")
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return bare.replace("đ", "d").replace("Đ", "D").lower()


class ResolutionNumber(models.Model):
    """The last number given in a year. Only ever incremented, under a row lock."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("resolution number counter")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class ResolutionIndexPage(Page):
    """The public list of resolutions, with filters (year, kind, number, text)."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["cabinet.HomePage"]
    subpage_types = ["cabinet.ResolutionPage"]
    max_count = 1

    class Meta:
        verbose_name = _("resolutions index")

    def get_context(self, request, *args, **kwargs):
        from cabinet.resolutions.selectors import public_filters, resolutions_public

        context = super().get_context(request, *args, **kwargs)
        filters = public_filters(request.GET)
        context.update(
            resolutions=resolutions_public(index=self, **filters.query),
            filters=filters,
        )
        return context

    def serve(self, request, *args, **kwargs):
        from cabinet.resolutions.cache import cached_public_response

        return cached_public_response(
            request, lambda: super(ResolutionIndexPage, self).serve(request)
        )


class ResolutionPage(Page):
    class SourceKind(models.TextChoices):
        SESSION_VOTE = "session_vote", _("Vote at a session")
        BALLOT = "ballot", _("Opinion ballot")

    place = models.CharField(_("place"), max_length=64, default="Hà Nội")
    legal_basis = models.TextField(
        _("legal basis"),
        help_text=_("One ground per line (Căn cứ …; Trên cơ sở …)."),
    )
    body = RichTextField(
        _("text"),
        features=["h3", "h4", "bold", "italic", "ol", "ul"],
        help_text=_('Articles as headings: "Điều 1. …", then their paragraphs.'),
    )
    recipients = models.TextField(
        _("recipients (Nơi nhận)"),
        default=DEFAULT_RECIPIENTS,
        help_text=_("One recipient per line."),
    )
    source_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("source"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The agenda item voted on, or the opinion ballot."),
    )
    source_kind = models.CharField(
        _("kind of source"), max_length=16, choices=SourceKind.choices
    )
    source_summary = models.CharField(
        _("result"),
        max_length=255,
        help_text=_("For example: 25/27 Thành viên Chính phủ tán thành."),
    )
    # Written by signing only (SIGNING_FIELDS).
    number_year = models.PositiveIntegerField(null=True, blank=True, editable=False)
    number_seq = models.PositiveIntegerField(null=True, blank=True, editable=False)
    number = models.CharField(_("number"), max_length=32, blank=True, editable=False)
    issued_on = models.DateField(_("issued on"), null=True, blank=True, editable=False)
    signed_at = models.DateTimeField(
        _("signed at"), null=True, blank=True, editable=False
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )
    signer_name = models.CharField(
        _("signer"), max_length=255, blank=True, editable=False
    )
    signer_title = models.CharField(max_length=255, blank=True, editable=False)
    signed_pdf_name = models.CharField(max_length=255, blank=True, editable=False)
    signed_pdf_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    signed_pdf_size = models.PositiveIntegerField(null=True, blank=True, editable=False)
    search_folded = models.TextField(blank=True, editable=False)

    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [
                FieldPanel("source_kind", read_only=True),
                FieldPanel("source_summary", read_only=True),
                FieldPanel("source_page", read_only=True),
            ],
            heading=_("Source"),
        ),
        FieldPanel("place"),
        FieldPanel("legal_basis"),
        FieldPanel("body"),
        FieldPanel("recipients"),
        InlinePanel("attachments", heading=_("Attachments"), label=_("attachment")),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("search_folded"),
        index.SearchField("body"),
        index.FilterField("number_year"),
        index.FilterField("source_kind"),
        index.FilterField("signed_at"),
    ]
    api_fields = [
        APIField("number"),
        APIField("issued_on"),
        APIField("signer", serializer=serializers.CharField(source="signer_name")),
        APIField("signed_at"),
        APIField(
            "pdf_url", serializer=serializers.CharField(source="pdf_absolute_url")
        ),
        APIField("public_url", serializer=serializers.CharField(source="full_url")),
        APIField("source_kind"),
        APIField("source_summary"),
    ]
    parent_page_types = ["cabinet.ResolutionIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("resolution")
        verbose_name_plural = _("resolutions")
        constraints = [
            models.UniqueConstraint(
                fields=["number_year", "number_seq"],
                condition=models.Q(number_seq__isnull=False),
                name="resolution_number_once_per_year",
            ),
            models.UniqueConstraint(
                fields=["source_page"],
                condition=models.Q(source_page__isnull=False),
                name="resolution_once_per_source",
            ),
        ]

    # --- signing state -------------------------------------------------------------
    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    @property
    def number_line(self) -> str:
        return f"Số: {self.number}" if self.number else f"Số:      /{NUMBER_SUFFIX}"

    @property
    def legal_basis_lines(self) -> list[str]:
        return [line.strip() for line in self.legal_basis.splitlines() if line.strip()]

    @property
    def recipient_lines(self) -> list[str]:
        return [line.strip() for line in self.recipients.splitlines() if line.strip()]

    @property
    def pdf_url(self) -> str:
        if not self.is_signed:
            return ""
        return reverse("resolution_pdf", args=[self.pk, self.pdf_file_name])

    @property
    def pdf_file_name(self) -> str:
        return (
            f"{self.number.replace('/', '-')}.pdf" if self.number else "nghi-quyet.pdf"
        )

    @property
    def pdf_absolute_url(self) -> str:
        if not self.is_signed:
            return ""
        root = self.get_site().root_url if self.get_site() else ""
        return f"{root}{self.pdf_url}"

    def with_content_json(self, content):
        """Revisions never carry the signing fields: they stay as in the database."""
        obj = super().with_content_json(content)
        for name in SIGNING_FIELDS:
            setattr(obj, name, getattr(self, name))
        return obj

    def full_clean(self, *args, **kwargs):
        from cabinet.text import nfc

        self.title = nfc(self.title)
        self.source_summary = nfc(self.source_summary)
        self.legal_basis = nfc(self.legal_basis)
        self.recipients = nfc(self.recipients)
        self.body = nfc(self.body)
        self.search_folded = self.folded_text()
        super().full_clean(*args, **kwargs)

    def folded_text(self) -> str:
        """What the public text filter searches: title, number, result and text."""
        from django.utils.html import strip_tags

        return fold_vi(
            " ".join(
                [self.title, self.number, self.source_summary, strip_tags(self.body)]
            )
        )

    @cached_property
    def source(self):
        return self.source_page.specific if self.source_page_id else None

    # --- workflow ------------------------------------------------------------------
    def get_workflow(self):
        from cabinet.workflows import RESOLUTION_WORKFLOW, workflow_named

        return workflow_named(RESOLUTION_WORKFLOW)

    has_workflow = property(has_own_workflow)

    def workflow_finished(self, *, user):
        from cabinet.resolutions.services import resolution_published

        resolution_published(page=self, user=user)

    # --- public --------------------------------------------------------------------
    def serve(self, request, *args, **kwargs):
        from cabinet.resolutions.cache import cached_public_response

        if not self.is_signed:
            raise Http404
        return cached_public_response(
            request, lambda: super(ResolutionPage, self).serve(request)
        )

    def serve_preview(self, request, mode_name):
        """Editors preview drafts, which the public ``serve`` would refuse."""
        response = Page.serve(self, request)
        response["Cache-Control"] = "private, no-store"
        return response

    def get_sitemap_urls(self, request=None):
        if not self.is_signed:
            return []
        return super().get_sitemap_urls(request)


class ResolutionAttachment(Orderable):
    page = ParentalKey(
        ResolutionPage, on_delete=models.CASCADE, related_name="attachments"
    )
    document = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name=_("document"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=255, blank=True)

    panels = [FieldPanel("document"), FieldPanel("title")]

    class Meta(Orderable.Meta):
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.title or self.document.title


class SignResolutionTask(Task):
    """The last step of "Ban hành Nghị quyết": the Prime Minister signs, after OTP.

    Approving is signing: the "sign" action only leads to the signing page, where the
    signer enters a one-time code and ``resolution_sign`` signs and approves. Nobody
    else may approve this task, and only the signer may edit the text while it waits here.
    """

    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("designated signer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Leave empty: the Prime Minister signs."),
    )

    admin_form_fields = Task.admin_form_fields + ["signer"]

    class Meta:
        verbose_name = _("signature task")
        verbose_name_plural = _("signature tasks")

    def user_can_sign(self, user) -> bool:
        if not (user and user.is_authenticated and user.is_active):
            return False
        if self.signer_id is not None:
            return user.pk == self.signer_id
        return cabinet_policy.user_has_permission(user, Action.SIGN_RESOLUTION)

    def users_who_sign(self):
        from django.contrib.auth import get_user_model

        User = get_user_model()
        if self.signer_id is not None:
            return User.objects.filter(pk=self.signer_id, is_active=True)
        return User.objects.filter(
            is_active=True, groups__name=PRIME_MINISTER.group_name
        )

    def get_actions(self, obj, user):
        if not self.user_can_sign(user):
            return []
        return [
            ("sign", _("Sign with a one-time code…"), False),
            ("reject", _("Request changes"), True),
        ]

    def get_form_for_action(self, action):
        return None if action == "sign" else super().get_form_for_action(action)

    def on_action(self, task_state, user, action_name, **kwargs):
        if not self.user_can_sign(user):
            return None
        if action_name == "sign":
            return reverse(
                "resolution_sign", args=[task_state.workflow_state.object_id]
            )
        if action_name == "reject":
            task_state.reject(user=user, **kwargs)
        return None

    def user_can_access_editor(self, obj, user):
        return self.user_can_sign(user)

    def locked_for_user(self, obj, user):
        return not self.user_can_sign(user)

    def get_task_states_user_can_moderate(self, user, **kwargs):
        if not self.user_can_sign(user):
            return TaskState.objects.none()
        return TaskState.objects.filter(
            status=TaskState.STATUS_IN_PROGRESS, task=self.task_ptr
        )

    @classmethod
    def get_description(cls):
        return _(
            "The Prime Minister (or the designated signer) signs with a one-time code."
        )
