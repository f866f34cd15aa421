"""The demo's archive: a few hundred real legal documents, so that searching it is
worth trying (``seed_demo`` calls :func:`archive_demo_seed` last).

The documents are the Government's own decrees and resolutions from the corpus of
the Ministry of Justice's electronic legal code (``ARCHIVE_DEMO_CORPUS``). Without the
file the demo simply has no legal documents. A second run reads nothing (the
selection is recognised as imported), so ``make run`` stays quick.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

DEMO_SIZE = 300
DEMO_TYPES = {"Nghị định", "Nghị quyết"}


def _government_decree_or_resolution(data: dict) -> bool:
    return (
        isinstance(data, dict)
        and data.get("issuer") == "Chính phủ"
        and data.get("doc_type") in DEMO_TYPES
    )


def archive_demo_seed() -> int:
    """Import the demo selection once; return how many documents it created."""
    from search.services import archive_import

    path = Path(getattr(settings, "ARCHIVE_DEMO_CORPUS", "") or "")
    if not path.is_file():
        return 0
    report = archive_import(
        path=path,
        accept=_government_decree_or_resolution,
        limit=DEMO_SIZE,
        selection=f"demo:{DEMO_SIZE}:{','.join(sorted(DEMO_TYPES))}",
        line_filter='"issuer": "Chính phủ"',
    )
    return report.created
