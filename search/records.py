"""The shape every provider produces: one :class:`SearchRecord` per searchable thing.

A record is a flat, self-contained copy of what search needs: the text to match, the
facts to facet and filter on, and the facts permission filtering needs
(``classification``, ``ministry_id``, ``reader_ids``, ``published``). Backends store
and query records only; they never import the content apps.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass, field, fields

from django.db import models
from django.utils.translation import gettext_lazy as _

from search.folding import nfc


class Kind(models.TextChoices):
    RESOLUTION = "resolution", _("Resolution")
    SESSION = "session", _("Session")
    AGENDA_ITEM = "agenda_item", _("Agenda item")
    DOSSIER_DOCUMENT = "dossier_document", _("Dossier document")
    BALLOT = "ballot", _("Opinion ballot")
    MINUTES = "minutes", _("Minutes")
    LEGAL = "legal", _("Legal document")


@dataclass(frozen=True)
class SearchRecord:
    """One searchable thing.

    ``key`` is ``"<app_label>.<model>:<pk>"`` and identifies the record in every
    backend. ``external_id`` is what evaluation and outside systems know it by: an
    imported document's own ``id``, or the object's primary key for native content.
    ``classification`` is one of ``documents.classification.Classification``; any
    other value is stored but never shown to anyone (read checks fail closed).
    ``reader_ids`` are the users named on confidential material. ``published`` says
    whether the public may see it (public search also requires a public resolution).
    """

    key: str
    external_id: str
    kind: str
    title: str
    body: str = ""
    number: str = ""
    issuer: str = ""
    ministry_id: int | None = None
    session_id: int | None = None
    session_title: str = ""
    year: int | None = None
    date: datetime.date | None = None
    url: str = ""
    classification: str = "internal"
    reader_ids: tuple[int, ...] = field(default_factory=tuple)
    published: bool = False

    def __post_init__(self):
        # Stored text is NFC, whatever the provider handed over.
        for name in ("title", "body", "number", "issuer", "session_title"):
            object.__setattr__(self, name, nfc(getattr(self, name) or ""))
        object.__setattr__(
            self, "reader_ids", tuple(sorted({int(i) for i in self.reader_ids}))
        )
        if self.year is None and self.date is not None:
            object.__setattr__(self, "year", self.date.year)

    def content_hash(self) -> str:
        """Changes whenever anything stored changes; unchanged records are skipped."""
        # The fields as asdict() would give them, without its deep copy of the text.
        data = {name: getattr(self, name) for name in _FIELD_NAMES}
        data["reader_ids"] = list(self.reader_ids)
        data["date"] = self.date.isoformat() if self.date else None
        encoded = json.dumps(data, sort_keys=True, ensure_ascii=False).encode()
        return hashlib.sha256(encoded).hexdigest()


_FIELD_NAMES = tuple(f.name for f in fields(SearchRecord))
