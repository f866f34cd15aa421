"""SQLite: FTS5 holds up to 16 MB of new index entries in memory before writing
them out as a segment (its default is 1 MB).

A batch of long documents and their word pairs adds many megabytes of entries (the
pairs alone are millions of distinct terms); with the default it was written as a
dozen small segments per transaction that automerge then merged again, which made
indexing the legal corpus about a fifth slower. The setting is stored with the
table; the index itself is unchanged.
"""

from django.db import migrations

HASHSIZE = 16 * 1024 * 1024
DEFAULT_HASHSIZE = 1024 * 1024


def _set_hashsize(schema_editor, size: int) -> None:
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(
            "INSERT INTO search_archive_fts(search_archive_fts, rank) "
            f"VALUES ('hashsize', {int(size)})"
        )


def forwards(apps, schema_editor):
    _set_hashsize(schema_editor, HASHSIZE)


def backwards(apps, schema_editor):
    _set_hashsize(schema_editor, DEFAULT_HASHSIZE)


class Migration(migrations.Migration):
    dependencies = [("search", "0002_fulltext")]
    operations = [migrations.RunPython(forwards, backwards)]
