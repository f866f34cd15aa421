"""Admin screens of resolutions: the signing page (OTP), the draft PDF, and the
one-click "draft a resolution from this result". Thin: each calls one service."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail.models import Page

from cabinet.models import ResolutionPage
from cabinet.otp import OTPError
from cabinet.resolutions.services import (
    ResolutionError,
    resolution_draft_from_result,
    resolution_draft_pdf,
    resolution_sign,
    resolution_user_can_sign,
)
from documents.signing import SigningError


class SignForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("One-time code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
            }
        ),
        error_messages={
            "required": gettext_lazy(
                "Enter the 6-digit code from your authenticator app."
            )
        },
    )


def sign(request, page_id: int):
    page = get_object_or_404(ResolutionPage, pk=page_id)
    if page.is_signed:
        messages.info(
            request,
            _("Resolution %(number)s is already signed.") % {"number": page.number},
        )
        return redirect("wagtailadmin_pages:edit", page.pk)
    if not resolution_user_can_sign(user=request.user, page=page):
        raise PermissionDenied
    form = SignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = resolution_sign(
                user=request.user,
                page=page,
                code=form.cleaned_data["code"],
                request=request,
            )
        except OTPError as error:
            form.add_error("code", error.message)
        except (ResolutionError, SigningError) as error:
            form.add_error(None, str(error.message))
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Resolution %(number)s is signed and published.")
                % {"number": result.page.number},
            )
            return redirect("ecabinet_resolution_signed", result.page.pk)
    latest = page.get_latest_revision_as_object()
    return TemplateResponse(
        request,
        "cabinet/resolutions_admin/sign.html",
        {"page": page, "latest": latest, "form": form},
    )


def signed(request, page_id: int):
    page = get_object_or_404(ResolutionPage, pk=page_id, signed_at__isnull=False)
    return TemplateResponse(
        request, "cabinet/resolutions_admin/signed.html", {"page": page}
    )


def draft_pdf(request, page_id: int):
    page = get_object_or_404(ResolutionPage, pk=page_id)
    data = resolution_draft_pdf(user=request.user, page=page)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="du-thao-nghi-quyet.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def draft_from_result(request):
    """The "Draft the resolution" button of a passed vote or a closed ballot."""
    source = get_object_or_404(Page, pk=request.POST.get("source_page"))
    try:
        page = resolution_draft_from_result(
            user=request.user,
            source_page=source,
            source_kind=request.POST.get("source_kind", ""),
            result_summary=request.POST.get("result_summary", ""),
            title=request.POST.get("title", ""),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(request.POST.get("next") or reverse("wagtailadmin_home"))
    messages.success(request, _("The draft resolution is ready to edit."))
    return redirect("wagtailadmin_pages:edit", page.pk)
