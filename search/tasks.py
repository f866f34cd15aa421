"""django-q2 tasks of archive search: they take ids and call a service."""

from __future__ import annotations


def archive_refresh_task(model_label: str, pk) -> str:
    from search.services import archive_record_refresh

    return archive_record_refresh(model_label=model_label, pk=pk)


def text_ocr_task(sha256: str, storage: str, name: str, refresh: list | None = None):
    from search.extract import text_ocr_store

    return text_ocr_store(sha256=sha256, storage=storage, name=name, refresh=refresh)
