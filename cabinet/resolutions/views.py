"""Public views of the portal (no login): signed PDF, feeds, verification."""

from __future__ import annotations

from django import forms
from django.contrib.syndication.views import Feed
from django.http import FileResponse, Http404
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from cabinet.models import ResolutionIndexPage
from cabinet.resolutions.selectors import resolutions_published
from cabinet.resolutions.services import signed_pdf_path
from documents.signing import SigningError, config_from_settings, pdf_verify
from documents.verification import pdf_upload_check, report_lines


def resolution_pdf(request, page_id: int, file_name: str):
    """The signed PDF of a published resolution; 404 for anything else.

    Signed PDFs are public documents once published, so they are stored in clear
    (the signature, not secrecy, protects them); serving them through this view
    rather than from /media/ keeps an unpublished or withdrawn one unreachable.
    """
    page = resolutions_published().filter(pk=page_id).first()
    if page is None or file_name != page.pdf_file_name:
        raise Http404
    path = signed_pdf_path(page.signed_pdf_name)
    if not path.is_file():
        raise Http404
    response = FileResponse(
        path.open("rb"), content_type="application/pdf", filename=page.pdf_file_name
    )
    response["Content-Disposition"] = f'inline; filename="{page.pdf_file_name}"'
    response["Cache-Control"] = "public, max-age=86400, immutable"
    response["X-Content-SHA256"] = page.signed_pdf_sha256
    return response


class ResolutionsFeed(Feed):
    title = gettext_lazy("Resolutions of the Government")
    description = gettext_lazy("Resolutions signed and published on the e-Cabinet.")

    def link(self):
        index = ResolutionIndexPage.objects.live().first()
        return index.url if index else "/"

    def items(self):
        return resolutions_published()[:50]

    def item_title(self, item):
        return f"Nghị quyết số {item.number}: {item.title}"

    def item_description(self, item):
        return _("Signed by %(signer)s on %(date)s. %(result)s") % {
            "signer": item.signer_name,
            "date": item.issued_on.strftime("%d/%m/%Y"),
            "result": item.source_summary,
        }

    def item_link(self, item):
        return item.url

    def item_pubdate(self, item):
        return item.signed_at

    def item_updateddate(self, item):
        return item.last_published_at or item.signed_at

    def item_enclosure_url(self, item):
        return item.pdf_url

    def item_enclosure_length(self, item):
        return item.signed_pdf_size or 0

    item_enclosure_mime_type = "application/pdf"


class ResolutionsAtomFeed(ResolutionsFeed):
    feed_type = Atom1Feed
    subtitle = ResolutionsFeed.description


class VerifyForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("PDF file"),
        error_messages={"required": gettext_lazy("Choose a PDF file to check.")},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        pdf_upload_check(upload)
        return upload


@require_http_methods(["GET", "POST"])
def verify(request):
    """Upload any PDF; report each signature (signer, time, intact, trusted, coverage)."""
    reports = None
    error = ""
    file_name = ""
    if request.method == "POST":
        form = VerifyForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            file_name = upload.name
            try:
                reports = pdf_verify(upload.read(), config=config_from_settings())
            except SigningError as failure:
                error = str(failure.message)
    else:
        form = VerifyForm()
    response = TemplateResponse(
        request,
        "cabinet/resolutions/verify.html",
        {
            "form": form,
            "reports": reports,
            "lines": report_lines(reports) if reports is not None else [],
            "error": error,
            "file_name": file_name,
            "checked_at": timezone.now(),
        },
    )
    response["Cache-Control"] = "private, no-store"
    return response
