"""The reader's side of dossier documents: download/preview, and the document page
with its versions, what changed, and notes. Thin: services decide."""

from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cabinet.decorators import verified_login_required
from documents.models import Annotation, Document, DocumentVersion
from documents.permissions import user_can_read_document, user_can_read_version
from documents.services import (
    annotation_create,
    annotation_delete,
    annotation_update,
    annotations_visible,
    text_diff,
    version_open,
)


def _readable_version_or_404(user, pk) -> DocumentVersion:
    version = get_object_or_404(
        DocumentVersion.objects.select_related("document__page"), pk=pk
    )
    # 404, not 403: the uninvited must not learn that a confidential file exists.
    if not user_can_read_version(user, version):
        raise Http404
    return version


def version_file_response(version: DocumentVersion, *, inline: bool = False):
    """The decrypted file of ``version`` as a response; the caller has checked the
    reader's right and recorded the open (``version_open``). Never cached.

    Sent whole rather than streamed: the storage authenticates and decrypts the file
    in memory before anything can be sent, so streaming would save nothing."""
    with version.file.open("rb") as stored:
        data = stored.read()
    response = HttpResponse(data, content_type=version.content_type)
    disposition = "inline" if inline else "attachment"
    ascii_name = (
        version.original_name.encode("ascii", "replace").decode().replace('"', "")
    )
    response["Content-Disposition"] = (
        f'{disposition}; filename="{ascii_name}"; '
        f"filename*=UTF-8''{quote(version.original_name)}"
    )
    response["Content-Length"] = str(len(data))
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@verified_login_required
def download(request, pk):
    version = _readable_version_or_404(request.user, pk)
    version_open(user=request.user, version=version, request=request)
    inline = request.GET.get("inline") == "1" and version.is_pdf
    response = version_file_response(version, inline=inline)
    if inline:
        # The PDF preview is framed by our own document page only.
        response["X-Frame-Options"] = "SAMEORIGIN"
        response["Content-Security-Policy"] = "frame-ancestors 'self'"
    return response


def _int_or_none(value):
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


@verified_login_required
@require_http_methods(["GET", "POST"])
def detail(request, pk):
    document = get_object_or_404(Document.objects.select_related("page"), pk=pk)
    if not user_can_read_document(request.user, document):
        raise Http404
    versions = [
        v
        for v in document.versions.select_related("uploaded_by").order_by("-number")
        if user_can_read_version(request.user, v)
    ]
    if not versions:
        raise Http404
    current = versions[0]
    chosen = _int_or_none(request.GET.get("v"))
    if chosen is not None:
        current = next((v for v in versions if v.number == chosen), current)
    previous = next((v for v in versions if v.number < current.number), None)
    form_error = ""
    if request.method == "POST":
        try:
            annotation_create(
                user=request.user,
                version=current,
                body=request.POST.get("body", ""),
                page_number=_int_or_none(request.POST.get("page_number")),
                quote=request.POST.get("quote", ""),
                shared=request.POST.get("shared") == "on",
                request=request,
            )
        except ValidationError as exc:
            form_error = " ".join(exc.messages)
        except PermissionDenied as exc:
            raise Http404 from exc
        else:
            messages.success(request, _("Your note was saved."))
            return redirect(f"{document.get_absolute_url()}?v={current.number}#notes")
    version_open(user=request.user, version=current, request=request)
    notes = list(annotations_visible(user=request.user, document=document))
    diff = (
        text_diff(previous.text, current.text)
        if previous is not None and (previous.text or current.text)
        else None
    )
    return TemplateResponse(
        request,
        "documents/detail.html",
        {
            "document": document,
            "page": document.page.specific,
            "current": current,
            "previous": previous,
            "versions": versions,
            "diff": diff,
            "notes": notes,
            "form_error": form_error,
            "form_data": request.POST if form_error else {},
        },
    )


@verified_login_required
@require_POST
def note_change(request, pk):
    annotation = get_object_or_404(
        Annotation.objects.select_related("version__document"), pk=pk
    )
    document = annotation.version.document
    try:
        if request.POST.get("delete"):
            annotation_delete(user=request.user, annotation=annotation, request=request)
            messages.success(request, _("The note was deleted."))
        else:
            annotation_update(
                user=request.user,
                annotation=annotation,
                body=request.POST.get("body", ""),
                shared=request.POST.get("shared") == "on",
                request=request,
            )
            messages.success(request, _("Your note was saved."))
    except PermissionDenied as exc:
        raise Http404 from exc
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(f"{document.get_absolute_url()}#notes")
