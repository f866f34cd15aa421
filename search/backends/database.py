"""The embedded backend: the project's own database, no server to run.

Records live in ``ArchiveRecord``; the full-text index is built over folded text
(``search.folding``), so "nghi quyet", "Nghị quyết" and its NFD spelling are the same
words, and "đ" is "d":

- SQLite: an FTS5 table (migration 0002) ranked by ``bm25()`` with the title and the
  number weighted above the body;
- PostgreSQL: a ``tsvector`` column ('simple' configuration, title and number with
  weight A) with a GIN index, ranked by ``ts_rank`` with length normalisation,
  word pairs matched as phrases.

Queries are an OR of the question's words, so a natural-language question finds the
documents that share the most (and the rarest) of its words, not only those holding
all of them. One SQL statement returns every matching row's score and facet fields,
with the permission filter inside it; facet counts, sorting and the page are then
computed from those rows, and only the page's records are read in full.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models.functions import Substr

from search.backends.base import ArchiveBackend, Progress
from search.backends.facets import facet_values
from search.folding import WORD, FoldedChunks, fold, folded_word_list, terms
from search.highlight import SCAN_CHARS, mark, snippet
from search.models import ArchiveRecord, ArchiveRecordReader
from search.query import SORT_DATE, SearchHit, SearchQuery, SearchResults
from search.records import SearchRecord
from search.scope import Scope

# Records per transaction: the import's batch size, so that an import batch is one
# index write (FTS5 writes a segment per savepoint).
BATCH = 250
# Words found in more than half of the records weigh nothing in BM25 (FTS5 clamps
# their idf to ~0) yet cost the most to match: in an archive of this many records
# or more they are left out of the match (unless nothing else is left).
COMMON_TERMS_FROM = 1000
COMMON_FRACTION = 0.5
COMMON_TERMS_TTL = 600  # seconds a process trusts its list of common words
# bm25 weights of the FTS5 columns title, number, body, pairs.
FTS_WEIGHTS = (2.0, 2.0, 1.0, 1.0)
# PostgreSQL refuses a tsvector above 1 MB; the first part of a very long text is
# indexed whole, which covers all but the longest few documents of the corpus.
PG_MAX_BODY = 400_000
# ts_rank weights of D, C, B, A: the title and number (A) above the body (D);
# PostgreSQL's default would make a title word worth ten of the body's. With
# normalisation 1 (rank / (1 + log length)) this reached recall@10 0.945 on 200 ALQAC
# questions, where ts_rank_cd (cover density) ranked OR questions poorly (0.39).
PG_WEIGHTS = "{0.8, 0.8, 0.8, 1.0}"
# Folded chunks of text kept between batches (an import's documents share most of
# their words); the cache starts again past this many (some 20 MB).
FOLDED_CHUNKS_MAX = 100_000
TABLE = ArchiveRecord._meta.db_table
READERS = ArchiveRecordReader._meta.db_table


def folded_words(text: str, chunks: FoldedChunks | None = None) -> str:
    """Folded text as space-separated words: what both full-text engines index."""
    return " ".join(folded_word_list(text, chunks))


def word_pairs(words: list[str]) -> list[str]:
    """Neighbouring words joined by "_": most Vietnamese words are two syllables,
    and matching them as pairs ranks "hôn nhân" above texts that merely hold "hôn"
    and "nhân" apart (ALQAC 2024: recall@10 0.907 without, 0.962 with)."""
    return [f"{a}_{b}" for a, b in zip(words, words[1:], strict=False)]


def word_pairs_text(words: list[str]) -> str:
    """``" ".join(word_pairs(words))`` without a string per pair: a long text has
    hundreds of thousands of them, and this is what indexing stores."""
    count = len(words) - 1
    if count < 1:
        return ""
    parts = ["", "_", "", " "] * count
    parts[0::4] = words[:-1]
    parts[2::4] = words[1:]
    parts.pop()  # the space after the last pair
    return "".join(parts)


def scope_sql(scope: Scope, alias: str = "r") -> tuple[str, list]:
    """The permission filter as SQL over ``search_archiverecord``."""
    if scope.everything:
        return "1=1", []
    if scope.public_only:
        return (
            f"({alias}.classification = %s AND {alias}.published = %s "
            f"AND {alias}.kind = %s)",
            ["public", True, "resolution"],
        )
    clauses, params = [f"{alias}.classification = %s"], ["public"]
    if scope.internal_all:
        clauses.append(f"{alias}.classification = %s")
        params.append("internal")
    elif scope.internal_ministry_ids:
        ids = sorted(scope.internal_ministry_ids)
        clauses.append(
            f"({alias}.classification = %s AND {alias}.ministry_id IN "
            f"({', '.join(['%s'] * len(ids))}))"
        )
        params += ["internal", *ids]
    if scope.reader_ids:
        ids = sorted(scope.reader_ids)
        clauses.append(
            f"({alias}.classification = %s AND {alias}.id IN (SELECT record_id "
            f"FROM {READERS} WHERE user_id IN ({', '.join(['%s'] * len(ids))})))"
        )
        params += ["confidential", *ids]
    return "(" + " OR ".join(clauses) + ")", params


def filter_sql(query: SearchQuery, alias: str = "r") -> tuple[str, list]:
    clauses, params = [], []
    for column, values in (
        ("kind", query.kinds),
        ("year", query.years),
        ("issuer", query.issuers),
        ("session_id", query.session_ids),
    ):
        if values:
            clauses.append(f"{alias}.{column} IN ({', '.join(['%s'] * len(values))})")
            params += list(values)
    return (" AND ".join(clauses) or "1=1"), params


class DatabaseBackend(ArchiveBackend):
    def __init__(self):
        self._common: tuple[float, frozenset[str]] | None = None
        self._lock = threading.Lock()
        self._chunks = FoldedChunks()

    @property
    def vendor(self) -> str:
        return connection.vendor

    def common_terms(self) -> frozenset[str]:
        """Folded words in more than half of the records (SQLite, large archives)."""
        if self.vendor != "sqlite":
            return frozenset()
        with self._lock:
            cached = self._common
            if cached is not None and time.monotonic() - cached[0] < COMMON_TERMS_TTL:
                return cached[1]
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM search_archive_fts")
            total = cursor.fetchone()[0]
            common: frozenset[str] = frozenset()
            if total >= COMMON_TERMS_FROM:
                cursor.execute(
                    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_archive_vocab "
                    "USING fts5vocab(main, search_archive_fts, 'row')"
                )
                cursor.execute(
                    "SELECT term FROM temp.search_archive_vocab WHERE doc > %s",
                    [total * COMMON_FRACTION],
                )
                common = frozenset(row[0] for row in cursor.fetchall())
        with self._lock:
            self._common = (time.monotonic(), common)
        return common

    def match_terms(self, text: str) -> list[str]:
        """The words to match: the question's words and neighbouring pairs (a
        column of their own on SQLite, phrases on PostgreSQL), without those that
        weigh nothing."""
        words = [w for w in terms(text) if re.fullmatch(r"\w+", w)]
        sequence = [w for w in WORD.findall(fold(text)) if re.fullmatch(r"\w+", w)]
        words += [p for p in dict.fromkeys(word_pairs(sequence)) if p not in words]
        common = self.common_terms() if words else frozenset()
        kept = [w for w in words if w not in common]
        return kept or words

    # --- writing -------------------------------------------------------------------

    def index(self, records: Iterable[SearchRecord]) -> int:
        changed = 0
        batch: list[SearchRecord] = []
        for record in records:
            batch.append(record)
            if len(batch) >= BATCH:
                changed += self._index_batch(batch)
                batch = []
        if batch:
            changed += self._index_batch(batch)
        return changed

    def _index_batch(self, records: list[SearchRecord]) -> int:
        by_key = {r.key: r for r in records}  # the last of duplicates wins
        with transaction.atomic():
            existing = {
                key: (pk, digest)
                for key, pk, digest in ArchiveRecord.objects.filter(
                    key__in=by_key
                ).values_list("key", "pk", "content_hash")
            }
            changed: list[tuple[int, SearchRecord]] = []
            new_rows = []
            for key, record in by_key.items():
                digest = record.content_hash()
                if key in existing:
                    pk, old = existing[key]
                    if old == digest:
                        continue
                    ArchiveRecord.objects.filter(pk=pk).update(
                        **self._fields(record), content_hash=digest
                    )
                    changed.append((pk, record))
                else:
                    new_rows.append(
                        ArchiveRecord(
                            key=key, **self._fields(record), content_hash=digest
                        )
                    )
            if new_rows:
                created = ArchiveRecord.objects.bulk_create(new_rows)
                if any(row.pk is None for row in created):  # old SQLite
                    pks = dict(
                        ArchiveRecord.objects.filter(
                            key__in=[r.key for r in created]
                        ).values_list("key", "pk")
                    )
                    for row in created:
                        row.pk = pks[row.key]
                changed += [(row.pk, by_key[row.key]) for row in created]
            if changed:
                pks = [pk for pk, _record in changed]
                ArchiveRecordReader.objects.filter(record_id__in=pks).delete()
                ArchiveRecordReader.objects.bulk_create(
                    ArchiveRecordReader(record_id=pk, user_id=user_id)
                    for pk, record in changed
                    for user_id in record.reader_ids
                )
                self._fulltext_write(changed)
                self._common = None
        return len(changed)

    @staticmethod
    def _fields(record: SearchRecord) -> dict:
        return {
            "external_id": record.external_id,
            "kind": record.kind,
            "title": record.title,
            "body": record.body,
            "number": record.number[:100],
            "issuer": record.issuer[:255],
            "ministry_id": record.ministry_id,
            "session_id": record.session_id,
            "session_title": record.session_title[:500],
            "year": record.year,
            "date": record.date,
            "url": record.url[:500],
            "classification": record.classification,
            "published": record.published,
        }

    def _fulltext_write(self, changed: list[tuple[int, SearchRecord]]) -> None:
        rows = []
        chunks = self._chunks
        if len(chunks) > FOLDED_CHUNKS_MAX:
            chunks = self._chunks = FoldedChunks()
        for pk, record in changed:
            title = folded_word_list(record.title, chunks)
            body = folded_word_list(record.body, chunks)
            pairs = " ".join(
                filter(None, (word_pairs_text(title), word_pairs_text(body)))
            )
            number = folded_words(record.number, chunks)
            rows.append((pk, " ".join(title), number, " ".join(body), pairs))
        with connection.cursor() as cursor:
            if self.vendor == "sqlite":
                pks = [row[0] for row in rows]
                cursor.execute(
                    "DELETE FROM search_archive_fts WHERE rowid IN "
                    f"({', '.join(['%s'] * len(pks))})",
                    pks,
                )
                cursor.executemany(
                    "INSERT INTO search_archive_fts(rowid, title, number, body, pairs) "
                    "VALUES (%s, %s, %s, %s, %s)",
                    rows,
                )
            elif self.vendor == "postgresql":
                cursor.executemany(
                    f"UPDATE {TABLE} SET search_vector = "
                    "setweight(to_tsvector('simple', %s), 'A') || "
                    "setweight(to_tsvector('simple', %s), 'A') || "
                    "to_tsvector('simple', %s) WHERE id = %s",
                    [
                        (title, number, body[:PG_MAX_BODY], pk)
                        for pk, title, number, body, _pairs in rows
                    ],
                )

    def delete(self, keys: Iterable[str]) -> int:
        keys = list(keys)
        with transaction.atomic():
            pks = list(
                ArchiveRecord.objects.filter(key__in=keys).values_list("pk", flat=True)
            )
            self._delete_pks(pks)
        return len(pks)

    def _delete_pks(self, pks: list[int]) -> None:
        for start in range(0, len(pks), 500):
            chunk = pks[start : start + 500]
            if self.vendor == "sqlite":
                with connection.cursor() as cursor:
                    cursor.execute(
                        "DELETE FROM search_archive_fts WHERE rowid IN "
                        f"({', '.join(['%s'] * len(chunk))})",
                        chunk,
                    )
            ArchiveRecord.objects.filter(pk__in=chunk).delete()

    def rebuild(
        self, records: Iterable[SearchRecord], progress: Progress | None = None
    ) -> int:
        """Index everything, then drop what no provider produced any more. Searches
        keep answering throughout: rows are replaced batch by batch."""
        seen: set[str] = set()
        changed = 0
        batch: list[SearchRecord] = []
        for record in records:
            batch.append(record)
            seen.add(record.key)
            if len(batch) >= BATCH:
                changed += self._index_batch(batch)
                if progress:
                    progress(len(batch))
                batch = []
        if batch:
            changed += self._index_batch(batch)
            if progress:
                progress(len(batch))
        stale = [
            pk
            for pk, key in ArchiveRecord.objects.values_list("pk", "key").iterator()
            if key not in seen
        ]
        with transaction.atomic():
            self._delete_pks(stale)
        if self.vendor == "sqlite":
            with connection.cursor() as cursor:
                # Rows left by a flushed table (tests) or a crash between writes.
                cursor.execute(
                    f"DELETE FROM search_archive_fts WHERE rowid NOT IN "
                    f"(SELECT id FROM {TABLE})"
                )
                cursor.execute(
                    "INSERT INTO search_archive_fts(search_archive_fts) "
                    "VALUES ('optimize')"
                )
        return changed + len(stale)

    def count(self) -> int:
        return ArchiveRecord.objects.count()

    # --- reading -------------------------------------------------------------------

    def match_expression(self, words: list[str]) -> str:
        if self.vendor == "sqlite":
            return " OR ".join(f'"{w}"' for w in words)
        # PostgreSQL matches a pair as a phrase over the words' positions.
        return " | ".join(
            "(" + " <-> ".join(f"'{part}'" for part in w.split("_")) + ")"
            for w in words
        )

    def search(self, query: SearchQuery, scope: Scope) -> SearchResults:
        words = self.match_terms(query.text)
        perm, perm_params = scope_sql(scope)
        filters, filter_params = filter_sql(query)
        columns = (
            "r.id, r.kind, r.year, r.issuer, r.session_id, r.session_title, r.date"
        )
        if not words:
            matched = (
                f"SELECT {columns}, 0.0 AS score FROM {TABLE} r "
                f"WHERE {perm} AND {filters}"
            )
            params = perm_params + filter_params
        elif self.vendor == "sqlite":
            weights = ", ".join(str(w) for w in FTS_WEIGHTS)
            matched = (
                f"SELECT {columns}, -bm25(search_archive_fts, {weights}) AS score "
                f"FROM search_archive_fts JOIN {TABLE} r "
                "ON r.id = search_archive_fts.rowid "
                f"WHERE search_archive_fts MATCH %s AND {perm} AND {filters}"
            )
            params = [self.match_expression(words), *perm_params, *filter_params]
        else:
            matched = (
                f"SELECT {columns}, "
                f"ts_rank('{PG_WEIGHTS}', r.search_vector, q, 1) AS score "
                f"FROM {TABLE} r, to_tsquery('simple', %s) q "
                f"WHERE r.search_vector @@ q AND {perm} AND {filters}"
            )
            params = [self.match_expression(words), *perm_params, *filter_params]
        if query.sort == SORT_DATE or not words:
            order = "m.date IS NULL, m.date DESC, m.score DESC, m.id"
        else:
            order = "m.score DESC, m.id"
        # One statement: the matching rows once, then the page and every facet count
        # from them, so that only a few rows come back to Python.
        text, num = (
            ("text", "double precision")
            if self.vendor == "postgresql"
            else (
                "TEXT",
                "REAL",
            )
        )
        sql = (
            f"WITH m AS MATERIALIZED ({matched}) "
            f"SELECT 'hit', CAST(id AS {text}), CAST(score AS {num}), "
            f"CAST(rank AS {text}) FROM (SELECT m.id, m.score, "
            f"row_number() OVER (ORDER BY {order}) AS rank FROM m "
            f"ORDER BY {order} LIMIT %s OFFSET %s) h "
            f"UNION ALL SELECT 'total', NULL, CAST(count(*) AS {num}), NULL FROM m "
            f"UNION ALL SELECT 'kind', kind, CAST(count(*) AS {num}), NULL FROM m "
            "GROUP BY kind "
            f"UNION ALL SELECT 'year', CAST(year AS {text}), CAST(count(*) AS {num}), "
            "NULL FROM m WHERE year IS NOT NULL GROUP BY year "
            f"UNION ALL SELECT * FROM (SELECT 'issuer', issuer, "
            f"CAST(count(*) AS {num}), NULL FROM m WHERE issuer <> '' "
            "GROUP BY issuer ORDER BY count(*) DESC, issuer LIMIT 20) i "
            f"UNION ALL SELECT * FROM (SELECT 'session', CAST(session_id AS {text}), "
            f"CAST(count(*) AS {num}), max(session_title) FROM m "
            "WHERE session_id IS NOT NULL GROUP BY session_id "
            "ORDER BY count(*) DESC, session_id LIMIT 20) s"
        )
        params = [*params, query.per_page, query.offset]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()

        kinds, years, issuers, sessions = Counter(), Counter(), Counter(), Counter()
        session_titles, ranked, total = {}, [], 0
        for facet, value, number, label in rows:
            if facet == "hit":
                ranked.append((int(label), int(value), float(number)))
            elif facet == "total":
                total = int(number)
            elif facet == "kind":
                kinds[value] = int(number)
            elif facet == "year":
                years[int(value)] = int(number)
            elif facet == "issuer":
                issuers[value] = int(number)
            elif facet == "session":
                sessions[int(value)] = int(number)
                session_titles[int(value)] = label
        scores = {pk: score for _rank, pk, score in sorted(ranked)}
        records = (
            ArchiveRecord.objects.defer("body")
            .annotate(head=Substr("body", 1, SCAN_CHARS))
            .in_bulk(list(scores))
        )
        folded = tuple(words)
        hits = [
            SearchHit(
                key=record.key,
                external_id=record.external_id,
                kind=record.kind,
                title=record.title,
                score=float(scores[pk]),
                title_html=mark(record.title, folded),
                snippet_html=snippet(record.head, folded) if record.head else "",
                number=record.number,
                issuer=record.issuer,
                date=record.date,
                url=record.url,
                session_title=record.session_title,
                classification=record.classification,
            )
            for pk in scores
            if (record := records.get(pk)) is not None
        ]
        return SearchResults(
            query=query,
            hits=hits,
            total=total,
            facets=facet_values(query, kinds, years, issuers, sessions, session_titles),
        )

    def status(self) -> dict:
        return {
            "ok": True,
            "backend": f"{type(self).__name__} ({self.vendor})",
            "records": self.count(),
        }
