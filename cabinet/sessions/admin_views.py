"""Admin screens of session preparation: the sessions console, the composition
editor, and the ministries' dossier desk (upload, replace, submit for review).

Thin: each POST calls one service; services check permissions again.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from cabinet.models import (
    AgendaItemPage,
    DossierPage,
    Ministry,
    Participant,
    SessionPage,
)
from cabinet.permissions import Action, cabinet_policy
from cabinet.sessions.selectors import positions_summary
from cabinet.sessions.services import (
    dossier_ensure,
    dossier_submit,
    guest_invite,
    participant_remove,
    participant_update,
    session_composition_default,
)
from documents.classification import Classification
from documents.models import Document, ReviewStatus
from documents.permissions import user_can_read_document
from documents.services import document_replace, document_upload
from documents.validation import max_upload_bytes

User = get_user_model()
TEMPLATES = "cabinet/sessions_admin"


# --- Sessions console --------------------------------------------------------------


def sessions_index(request):
    cabinet_policy.check(request.user, Action.MANAGE_SESSION)
    sessions = SessionPage.objects.order_by("-starts_at")
    rows = []
    for session in sessions:
        state = session.current_workflow_state
        rows.append(
            {
                "session": session,
                "in_review": state is not None
                and state.status == state.STATUS_IN_PROGRESS,
                "items": AgendaItemPage.objects.child_of(session).count(),
                "participants": session.participants.count(),
            }
        )
    return TemplateResponse(request, f"{TEMPLATES}/index.html", {"rows": rows})


class ParticipantForm(forms.Form):
    attendance = forms.ChoiceField(
        label=gettext_lazy("Attendance"), choices=Participant.Attendance.choices
    )
    consent_note = forms.CharField(
        label=gettext_lazy("Reason / consent"), required=False, max_length=255
    )
    deputy = forms.ModelChoiceField(
        label=gettext_lazy("Deputy's account"),
        queryset=User.objects.none(),
        required=False,
        help_text=gettext_lazy(
            "With an account, the deputy reads the dossier and is invited."
        ),
    )
    deputy_name = forms.CharField(
        label=gettext_lazy("Deputy attending instead"), required=False, max_length=255
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deputy"].queryset = (
            User.objects.filter(is_active=True)
            .exclude(groups__name="Thành viên Chính phủ")
            .order_by("last_name", "first_name")
        )


@require_http_methods(["GET", "POST"])
def composition(request, session_id):
    cabinet_policy.check(request.user, Action.MANAGE_SESSION)
    session = get_object_or_404(SessionPage, pk=session_id)
    session_composition_default(session=session, user=request.user)
    participants = list(
        session.participants.select_related("user", "user__person", "deputy").order_by(
            "role", "user__person__protocol_order"
        )
    )
    errors: dict[int, str] = {}
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "guest":
                guest = get_object_or_404(User, pk=request.POST.get("guest") or 0)
                guest_invite(
                    user=request.user, session=session, guest=guest, request=request
                )
                messages.success(
                    request, _("%(name)s is invited.") % {"name": guest.get_full_name()}
                )
                return redirect(request.path)
            if action == "remove":
                participant = get_object_or_404(
                    Participant,
                    pk=request.POST.get("participant") or 0,
                    session=session,
                )
                participant_remove(
                    user=request.user, participant=participant, request=request
                )
                messages.success(request, _("The guest was removed."))
                return redirect(request.path)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(request.path)
        changed = 0
        for participant in participants:
            prefix = f"p{participant.pk}"
            form = ParticipantForm(request.POST, prefix=prefix)
            if not form.is_valid():
                continue
            data = form.cleaned_data
            if (
                data["attendance"] == participant.attendance
                and data["consent_note"] == participant.consent_note
                and data["deputy_name"] == participant.deputy_name
                and data["deputy"] == participant.deputy
            ):
                continue
            try:
                participant_update(
                    user=request.user,
                    participant=participant,
                    attendance=data["attendance"],
                    consent_note=data["consent_note"],
                    deputy=data["deputy"],
                    deputy_name=data["deputy_name"]
                    or (data["deputy"].get_full_name() if data["deputy"] else ""),
                    request=request,
                )
                changed += 1
            except ValidationError as exc:
                errors[participant.pk] = " ".join(exc.messages)
        if errors:
            messages.error(
                request, _("Some rows were not saved; see the messages below.")
            )
        else:
            messages.success(
                request, _("Composition saved (%(n)s changes).") % {"n": changed}
            )
            return redirect(request.path)
    rows = [
        {
            "participant": p,
            "form": ParticipantForm(
                request.POST if p.pk in errors else None,
                prefix=f"p{p.pk}",
                initial={
                    "attendance": p.attendance,
                    "consent_note": p.consent_note,
                    "deputy": p.deputy_id,
                    "deputy_name": p.deputy_name,
                },
            ),
            "error": errors.get(p.pk, ""),
        }
        for p in participants
    ]
    invited = {p.user_id for p in participants}
    guests = (
        User.objects.filter(is_active=True)
        .exclude(pk__in=invited)
        .exclude(groups__name="Thành viên Chính phủ")
        .order_by("last_name")
    )
    members = [p for p in participants if p.role == Participant.Role.MEMBER]
    return TemplateResponse(
        request,
        f"{TEMPLATES}/composition.html",
        {
            "session": session,
            "rows": rows,
            "guests": guests,
            "attending": sum(
                1 for p in members if p.attendance == Participant.Attendance.ATTENDING
            ),
            "members": len(members),
            "summary": positions_summary(session),
        },
    )


# --- Dossier desk (ministries' focal officers and the secretariat) ------------------


class UploadForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=255)
    file = forms.FileField(
        label=gettext_lazy("File (PDF, DOCX or XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.docx,.xlsx"}),
    )
    classification = forms.ChoiceField(
        label=gettext_lazy("Classification"),
        choices=Classification.choices,
        initial=Classification.INTERNAL,
    )
    named_readers = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Named readers (confidential only)"),
        queryset=User.objects.none(),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["named_readers"].queryset = User.objects.filter(
            is_active=True
        ).order_by("last_name")


class ReplaceForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("New version"))
    change_note = forms.CharField(
        label=gettext_lazy("What changed"), required=False, max_length=500
    )


def _desk_items(user):
    """The agenda items of sessions still to come whose dossier the user prepares:
    all of them for the secretariat, their own ministry's for a focal officer."""
    items = AgendaItemPage.objects.select_related("presenting_ministry")
    if not cabinet_policy.user_has_permission(user, Action.MANAGE_SESSION):
        ministries = [
            m
            for m in Ministry.objects.filter(
                pk__in=cabinet_policy._standing(user).focal_ministry_ids
            )
            if cabinet_policy.user_has_permission(user, Action.UPLOAD_DOSSIER, m)
        ]
        if not ministries:
            raise PermissionDenied
        items = items.filter(presenting_ministry__in=ministries)
    since = timezone.now() - timezone.timedelta(days=1)
    pairs = []
    for item in items.order_by("path"):
        session = item.session
        if session.starts_at >= since:
            pairs.append((session, item))
    return pairs


@require_http_methods(["GET", "POST"])
def dossier_desk(request):
    user = request.user
    pairs = _desk_items(user)
    if request.method == "POST":
        return _desk_post(request, {item.pk: item for _s, item in pairs})
    blocks = []
    for session, item in pairs:
        dossier = DossierPage.objects.child_of(item).specific().first()
        documents = []
        if dossier is not None:
            for document in dossier.dossier_documents.prefetch_related("versions"):
                if user_can_read_document(user, document):
                    documents.append(
                        {
                            "document": document,
                            "versions": sorted(
                                document.versions.all(), key=lambda v: -v.number
                            ),
                            "form": ReplaceForm(prefix=f"r{document.pk}"),
                        }
                    )
        state = dossier.current_workflow_state if dossier else None
        blocks.append(
            {
                "session": session,
                "item": item,
                "dossier": dossier,
                "documents": documents,
                "state": state,
                "pending": any(
                    v.review_status == ReviewStatus.PENDING
                    for d in documents
                    for v in d["versions"]
                ),
                "form": UploadForm(prefix=f"u{item.pk}"),
            }
        )
    return TemplateResponse(
        request,
        f"{TEMPLATES}/desk.html",
        {"blocks": blocks, "max_upload": max_upload_bytes()},
    )


def _desk_post(request, items):
    user = request.user
    back = reverse("ecabinet_dossier_desk")
    # Refuse a huge upload from its declared length, before Django spools it to disk.
    declared = int(request.META.get("CONTENT_LENGTH") or 0)
    if declared > max_upload_bytes() + 1024 * 1024:
        from django.template.defaultfilters import filesizeformat

        messages.error(
            request,
            _("The file is %(size)s; the limit is %(limit)s.")
            % {
                "size": filesizeformat(declared),
                "limit": filesizeformat(max_upload_bytes()),
            },
        )
        return redirect(back)
    action = request.POST.get("action")
    try:
        if action == "upload":
            item = items.get(int(request.POST.get("item") or 0))
            if item is None:
                raise PermissionDenied
            form = UploadForm(request.POST, request.FILES, prefix=f"u{item.pk}")
            if not form.is_valid():
                raise ValidationError(
                    [
                        f"{form.fields[f].label}: {' '.join(e)}"
                        for f, e in form.errors.items()
                    ]
                )
            dossier = dossier_ensure(user=user, item=item, request=request)
            document = document_upload(
                user=user,
                page=dossier,
                title=form.cleaned_data["title"],
                upload=form.cleaned_data["file"],
                classification=form.cleaned_data["classification"],
                named_readers=form.cleaned_data["named_readers"],
                request=request,
            )
            messages.success(
                request,
                _(
                    "“%(title)s” was uploaded. Submit the dossier for review when it is complete."
                )
                % {"title": document.title},
            )
            return redirect(f"{back}#item-{item.pk}")
        if action == "replace":
            document = get_object_or_404(Document, pk=request.POST.get("document") or 0)
            form = ReplaceForm(request.POST, request.FILES, prefix=f"r{document.pk}")
            if not form.is_valid():
                raise ValidationError(
                    [
                        f"{form.fields[f].label}: {' '.join(e)}"
                        for f, e in form.errors.items()
                    ]
                )
            version = document_replace(
                user=user,
                document=document,
                upload=form.cleaned_data["file"],
                change_note=form.cleaned_data["change_note"],
                request=request,
            )
            messages.success(
                request,
                _(
                    "Version %(n)s of “%(title)s” was uploaded; members keep reading the "
                    "approved version until the review."
                )
                % {"n": version.number, "title": document.title},
            )
            return redirect(back)
        if action == "submit":
            dossier = get_object_or_404(
                DossierPage, pk=request.POST.get("dossier") or 0
            )
            dossier_submit(user=user, dossier=dossier, request=request)
            messages.success(
                request, _("The dossier was sent to the specialists for review.")
            )
            return redirect(back)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    raise PermissionDenied
