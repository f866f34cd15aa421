"""Archive search: searching, keeping the index current, importing legal documents.

Callers use these functions and never a backend directly; the backend is chosen by
settings (``search.backends.get_backend``).
"""

from __future__ import annotations

import datetime
import gzip
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cabinet.audit import audit_log
from search import registry, signals
from search.backends import get_backend
from search.folding import nfc
from search.models import ArchiveImport, LegalDocument
from search.providers import legal_record
from search.query import SearchQuery, SearchResults
from search.scope import Scope

Progress = Callable[[int], None]


# --- searching ---------------------------------------------------------------------


def archive_search(
    *, user, query: SearchQuery, public: bool = False, scope: Scope | None = None
) -> SearchResults:
    """Search what ``user`` may open (``public``: published public resolutions).

    The permission scope is built once here and applied inside the backend's query,
    so totals and facet counts never reveal what the user may not open.
    """
    if scope is None:
        scope = Scope.public() if public else Scope.for_user(user)
    return get_backend().search(query, scope)


# --- keeping the index current -------------------------------------------------------


def archive_record_refresh(*, model_label: str, pk) -> str:
    """Bring one object's record up to date: indexed, replaced or removed."""
    key = f"{model_label}:{pk}"
    provider = registry.provider_for(model_label)
    backend = get_backend()
    instance = None
    if provider is not None:
        model = registry.model_for(model_label)
        instance = model._default_manager.filter(pk=pk).first()
        if instance is not None and hasattr(instance, "specific"):
            instance = instance.specific
    record = provider.record(instance) if instance is not None else None
    if record is None:
        backend.delete([key])
        return "removed"
    backend.index([record])
    return "indexed"


def archive_records() -> Iterator:
    for provider in registry.providers().values():
        yield from provider.records()


def archive_record_total() -> int:
    total = 0
    for provider in registry.providers().values():
        items = provider.queryset()
        total += items.count() if hasattr(items, "count") else len(list(items))
    return total


def archive_reindex(*, user=None, progress: Progress | None = None) -> int:
    """Rebuild the whole index from the providers; searches keep answering."""
    changed = get_backend().rebuild(archive_records(), progress=progress)
    if user is not None:
        audit_log(
            action="ecabinet.archive_reindex", instance=user, user=user, changed=changed
        )
    return changed


# --- importing legal documents ----------------------------------------------------------


class ImportFileError(Exception):
    """The file cannot be imported at all (missing, unreadable, not JSON lines)."""


@dataclass
class ImportReport:
    source: str
    lines: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    resumed_from: int = 0
    already_done: bool = False
    errors: list[str] = field(default_factory=list)


def _open(path: Path):
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open("rt", encoding="utf-8")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _date(value, name: str) -> datetime.date | None:
    if value in (None, ""):
        return None
    try:
        return datetime.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise ValidationError(
            _("“%(field)s” is not a date (YYYY-MM-DD): %(value)s"),
            params={"field": name, "value": value},
        ) from None


def _text(data: dict, name: str, limit: int | None = None) -> str:
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str | int | float):
        raise ValidationError(_("“%(field)s” must be text."), params={"field": name})
    value = nfc(str(value)).strip()
    if limit is not None and len(value) > limit:
        raise ValidationError(
            _("“%(field)s” is longer than %(limit)s characters."),
            params={"field": name, "limit": limit},
        )
    return value


def legal_fields(data) -> dict:
    """One import record's fields, NFC, or ``ValidationError`` saying what is wrong."""
    if not isinstance(data, dict):
        raise ValidationError(_("A record must be a JSON object."))
    external_id = _text(data, "id", 255)
    if not external_id:
        raise ValidationError(_("The record has no “id”."))
    fields = {
        "external_id": external_id,
        "number": _text(data, "number", 100),
        "title": _text(data, "title"),
        "issuer": _text(data, "issuer", 255),
        "doc_type": _text(data, "doc_type", 100),
        "issued_on": _date(data.get("issued_on"), "issued_on"),
        "effective_on": _date(data.get("effective_on"), "effective_on"),
        "source_url": _text(data, "source_url", 1000),
        "text": _text(data, "text"),
    }
    if not (fields["title"] or fields["number"] or fields["text"]):
        raise ValidationError(_("The record has neither a title, a number nor a text."))
    encoded = json.dumps(fields, default=str, sort_keys=True, ensure_ascii=False)
    fields["content_hash"] = hashlib.sha256(encoded.encode()).hexdigest()
    return fields


def archive_import(
    *,
    path: str | Path,
    user=None,
    progress: Progress | None = None,
    batch_size: int = 250,
    restart: bool = False,
    limit: int | None = None,
    accept: Callable[[dict], bool] | None = None,
    selection: str = "",
    line_filter: str = "",
) -> ImportReport:
    """Import legal documents from a JSON-lines file (``.gz`` too).

    Idempotent: each record's ``id`` is its external id, and a record already
    imported with the same content is left alone. Resumable: progress is committed
    with each batch, and importing the same file (by SHA-256) after an interruption
    continues where it stopped; a file already imported completely is not read
    again unless ``restart``. A bad line is reported with its number and skipped;
    the others are imported. ``accept`` and ``limit`` select records (the demo),
    ``selection`` names that choice so that it is recognised on the next run;
    ``line_filter`` skips, unparsed, lines that do not contain it (a quick pre-check
    for ``accept``).
    """
    path = Path(path)
    if not path.is_file():
        raise ImportFileError(_("No such file: %(path)s") % {"path": path})
    sha256 = _sha256(path)
    if selection:
        sha256 = hashlib.sha256(f"{sha256}:{selection}".encode()).hexdigest()
    run = None
    if not restart:
        run = ArchiveImport.objects.filter(sha256=sha256).order_by("-pk").first()
    report = ImportReport(source=str(path))
    if run is not None and run.finished_at is not None:
        report.already_done = True
        report.lines = run.lines_done
        return report
    if run is None:
        run = ArchiveImport.objects.create(
            source=str(path)[:1000],
            sha256=sha256,
            size=path.stat().st_size,
            user=user if getattr(user, "pk", None) else None,
        )
    report.resumed_from = run.lines_done
    taken = 0
    batch: list[tuple[int, dict]] = []
    try:
        with _open(path) as handle:
            for number, line in enumerate(handle, start=1):
                if number <= run.lines_done:
                    continue
                report.lines = number
                if not line.strip() or (line_filter and line_filter not in line):
                    continue
                try:
                    data = json.loads(line)
                    if accept is not None and not accept(data):
                        continue
                    batch.append((number, legal_fields(data)))
                    taken += 1
                except json.JSONDecodeError as error:
                    _reject(
                        report, number, _("not JSON (%(error)s)") % {"error": error}
                    )
                except ValidationError as error:
                    _reject(report, number, " ".join(error.messages))
                if len(batch) >= batch_size:
                    _import_batch(run, batch, number, report, progress)
                    batch = []
                if limit is not None and taken >= limit:
                    break
            _import_batch(run, batch, report.lines, report, progress)
    except (OSError, EOFError, UnicodeDecodeError) as error:
        raise ImportFileError(
            _("Cannot read %(path)s: %(error)s") % {"path": path, "error": error}
        ) from error
    run.finished_at = timezone.now()
    run.rejected = report.rejected
    run.save(update_fields=["finished_at", "rejected"])
    if user is not None and getattr(user, "pk", None):
        audit_log(
            action="ecabinet.archive_import",
            instance=run,
            user=user,
            source=str(path),
            created=report.created,
            updated=report.updated,
            rejected=report.rejected,
        )
    return report


def _reject(report: ImportReport, number: int, message: str) -> None:
    report.rejected += 1
    if len(report.errors) < 50:
        report.errors.append(
            _("line %(line)s: %(message)s") % {"line": number, "message": message}
        )


def _import_batch(
    run: ArchiveImport,
    batch: list[tuple[int, dict]],
    lines_done: int,
    report: ImportReport,
    progress: Progress | None,
) -> None:
    by_id = {fields["external_id"]: fields for _n, fields in batch}
    with transaction.atomic(), signals.suspended():
        existing = {
            doc.external_id: doc
            for doc in LegalDocument.objects.filter(external_id__in=by_id).only(
                "pk", "external_id", "content_hash"
            )
        }
        new, changed = [], []
        for external_id, fields in by_id.items():
            doc = existing.get(external_id)
            if doc is None:
                new.append(LegalDocument(**fields))
            elif doc.content_hash == fields["content_hash"]:
                report.unchanged += 1
            else:
                for name, value in fields.items():
                    setattr(doc, name, value)
                changed.append(doc)
        if new:
            LegalDocument.objects.bulk_create(new)
            if any(doc.pk is None for doc in new):
                pks = dict(
                    LegalDocument.objects.filter(
                        external_id__in=[d.external_id for d in new]
                    ).values_list("external_id", "pk")
                )
                for doc in new:
                    doc.pk = pks[doc.external_id]
        if changed:
            LegalDocument.objects.bulk_update(changed, sorted(_FIELD_NAMES))
        get_backend().index(legal_record(doc) for doc in [*new, *changed])
        report.created += len(new)
        report.updated += len(changed)
        run.lines_done = lines_done
        run.created += len(new)
        run.updated += len(changed)
        run.unchanged = report.unchanged
        run.save(update_fields=["lines_done", "created", "updated", "unchanged"])
    if progress is not None:
        progress(lines_done)


_FIELD_NAMES = {
    "number",
    "title",
    "issuer",
    "doc_type",
    "issued_on",
    "effective_on",
    "source_url",
    "text",
    "content_hash",
}
