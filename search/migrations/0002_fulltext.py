"""The full-text index of the embedded backend, over folded text.

SQLite: an FTS5 table whose rowid is the ArchiveRecord id (title, number, body, all
folded by ``search.folding.fold``, and ``pairs``: each two neighbouring folded words
joined by "_", since Vietnamese words are mostly two syllables: "hôn nhân" is
"hon_nhan"). PostgreSQL: a ``tsvector`` column (the ``simple``
configuration, again over folded text) with a GIN index.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        schema_editor.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS search_archive_fts USING fts5("
            "title, number, body, pairs, "
            "tokenize = \"unicode61 remove_diacritics 0 tokenchars '_'\")"
        )
    elif connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE search_archiverecord ADD COLUMN search_vector tsvector"
        )
        schema_editor.execute(
            "CREATE INDEX search_archiverecord_vector ON search_archiverecord "
            "USING GIN (search_vector)"
        )


def backwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS search_archive_fts")
    elif connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE search_archiverecord DROP COLUMN IF EXISTS search_vector"
        )


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
