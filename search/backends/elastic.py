"""The Elasticsearch backend (elasticsearch-dsl, Elasticsearch 8), chosen when
``ELASTICSEARCH_URL`` is set.

One index holds every content family (``kind`` is a keyword field); the index is
reached through an alias (``<ELASTICSEARCH_INDEX_PREFIX>-archive``) so that a rebuild
fills a new index beside the live one and swaps the alias in one atomic call.

Vietnamese without plugins: text fields use ``vi_folded``, the standard tokenizer
with a mapping char filter "đ → d", lower case, and ``asciifolding`` with
``preserve_original``: "Nghị" is indexed as both "nghị" and "nghi", so "nghi quyet"
finds it, and an accented question matches the accented token as well and ranks
exact spellings first. Sub-fields add the exact form (``.exact``) and neighbouring
word pairs (``.pairs``, a shingle filter over folded words), the counterpart of the
embedded backend's word pairs. Text is NFC-normalised before it is sent (records are
NFC; questions are normalised here), since no ICU normaliser is assumed.

Permissions are a filter inside the query (so aggregations, i.e. facets, count only
what the user may open); :func:`search_body` builds the whole request body, which the
tests check without a server.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable

from django.conf import settings
from elasticsearch.dsl import (
    Boolean,
    Date,
    Document,
    Index,
    Integer,
    Keyword,
    Q,
    Search,
    Text,
    analyzer,
    char_filter,
    token_filter,
)

from search.backends.base import ArchiveBackend, Progress
from search.backends.facets import facet_values
from search.folding import nfc
from search.query import SORT_DATE, SearchHit, SearchQuery, SearchResults
from search.records import SearchRecord
from search.scope import Scope

BULK_CHUNK = 200
SNIPPET_CHARS = 240

d_mapping = char_filter("vi_d", "mapping", mappings=["đ => d", "Đ => D"])
fold_keep = token_filter("vi_fold_keep", "asciifolding", preserve_original=True)
fold_only = token_filter("vi_fold", "asciifolding", preserve_original=False)
pairs = token_filter(
    "vi_pairs", "shingle", min_shingle_size=2, max_shingle_size=2, output_unigrams=False
)
vi_folded = analyzer(
    "vi_folded",
    tokenizer="standard",
    char_filter=[d_mapping],
    filter=["lowercase", fold_keep],
)
vi_exact = analyzer("vi_exact", tokenizer="standard", filter=["lowercase"])
vi_pairs = analyzer(
    "vi_word_pairs",
    tokenizer="standard",
    char_filter=[d_mapping],
    filter=["lowercase", fold_only, pairs],
)


def _text_field(**extra) -> Text:
    return Text(
        analyzer=vi_folded,
        fields={
            "exact": Text(analyzer=vi_exact),
            "pairs": Text(analyzer=vi_pairs),
        },
        **extra,
    )


class ArchiveDocument(Document):
    key = Keyword()
    external_id = Keyword()
    kind = Keyword()
    title = _text_field()
    body = _text_field()
    number = Text(analyzer=vi_folded, fields={"raw": Keyword()})
    issuer = Keyword()
    ministry_id = Integer()
    session_id = Integer()
    session_title = Keyword()
    year = Integer()
    date = Date()
    url = Keyword(index=False)
    classification = Keyword()
    reader_ids = Integer()
    published = Boolean()


def alias_name() -> str:
    prefix = getattr(settings, "ELASTICSEARCH_INDEX_PREFIX", "") or "ecabinet"
    return f"{prefix}-archive"


def archive_index(name: str) -> Index:
    """The index definition (settings, analyzers, mapping) under ``name``."""
    index = Index(name)
    index.settings(number_of_shards=1, number_of_replicas=0)
    index.document(ArchiveDocument)
    return index


def document_body(record: SearchRecord) -> dict:
    return {
        "key": record.key,
        "external_id": record.external_id,
        "kind": record.kind,
        "title": record.title,
        "body": record.body,
        "number": record.number,
        "issuer": record.issuer,
        "ministry_id": record.ministry_id,
        "session_id": record.session_id,
        "session_title": record.session_title,
        "year": record.year,
        "date": record.date.isoformat() if record.date else None,
        "url": record.url,
        "classification": record.classification,
        "reader_ids": list(record.reader_ids),
        "published": record.published,
    }


def scope_filter(scope: Scope) -> Q | None:
    """The permission filter as an Elasticsearch query (None: everything)."""
    if scope.everything:
        return None
    if scope.public_only:
        return Q(
            "bool",
            filter=[
                Q("term", classification="public"),
                Q("term", published=True),
                Q("term", kind="resolution"),
            ],
        )
    should = [Q("term", classification="public")]
    if scope.internal_all:
        should.append(Q("term", classification="internal"))
    elif scope.internal_ministry_ids:
        should.append(
            Q(
                "bool",
                filter=[
                    Q("term", classification="internal"),
                    Q("terms", ministry_id=sorted(scope.internal_ministry_ids)),
                ],
            )
        )
    if scope.reader_ids:
        should.append(
            Q(
                "bool",
                filter=[
                    Q("term", classification="confidential"),
                    Q("terms", reader_ids=sorted(scope.reader_ids)),
                ],
            )
        )
    return Q("bool", should=should, minimum_should_match=1)


TEXT_FIELDS = [
    "title^2",
    "title.exact^2",
    "title.pairs^2",
    "number^2",
    "body",
    "body.exact",
    "body.pairs",
]


def build_search(query: SearchQuery, scope: Scope, index: str = "") -> Search:
    search = Search(index=index or None)
    text = nfc(query.text).strip()
    if text:
        search = search.query(
            "multi_match", query=text, type="most_fields", fields=TEXT_FIELDS
        )
    permission = scope_filter(scope)
    if permission is not None:
        search = search.filter(permission)
    for field, values in (
        ("kind", query.kinds),
        ("year", query.years),
        ("issuer", query.issuers),
        ("session_id", query.session_ids),
    ):
        if values:
            search = search.filter("terms", **{field: list(values)})
    if query.sort == SORT_DATE or not text:
        search = search.sort({"date": {"order": "desc", "missing": "_last"}}, "_score")
    else:
        search = search.sort("_score", {"key": "asc"})
    search.aggs.bucket("kind", "terms", field="kind", size=20)
    search.aggs.bucket("year", "terms", field="year", size=200)
    search.aggs.bucket("issuer", "terms", field="issuer", size=20)
    search.aggs.bucket("session", "terms", field="session_id", size=20).bucket(
        "title", "terms", field="session_title", size=1
    )
    search = search.highlight_options(
        pre_tags=["<mark>"], post_tags=["</mark>"], encoder="html"
    )
    search = search.highlight("title", number_of_fragments=0)
    search = search.highlight(
        "body", fragment_size=SNIPPET_CHARS, number_of_fragments=1, no_match_size=0
    )
    search = search.source(excludes=["body"])
    search = search.extra(track_total_hits=True)
    return search[query.offset : query.offset + query.per_page]


def search_body(query: SearchQuery, scope: Scope) -> dict:
    """The request body sent for ``query`` within ``scope``."""
    return build_search(query, scope).to_dict()


class ElasticsearchBackend(ArchiveBackend):
    def __init__(self, client=None):
        self._client = client

    @property
    def client(self):
        if self._client is None:
            from elasticsearch import Elasticsearch

            self._client = Elasticsearch(settings.ELASTICSEARCH_URL, request_timeout=10)
        return self._client

    @property
    def alias(self) -> str:
        return alias_name()

    def _new_index_name(self) -> str:
        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d%H%M%S%f")
        return f"{self.alias}-{stamp}"

    def ensure_index(self) -> None:
        if not self.client.indices.exists_alias(name=self.alias):
            name = self._new_index_name()
            archive_index(name).create(using=self.client)
            self.client.indices.put_alias(index=name, name=self.alias)

    def index(self, records: Iterable[SearchRecord]) -> int:
        from elasticsearch.helpers import bulk

        self.ensure_index()
        actions = (
            {"_index": self.alias, "_id": r.key, "_source": document_body(r)}
            for r in records
        )
        done, _errors = bulk(self.client, actions, chunk_size=BULK_CHUNK, refresh=True)
        return done

    def delete(self, keys: Iterable[str]) -> int:
        from elasticsearch.helpers import bulk

        self.ensure_index()
        actions = (
            {"_op_type": "delete", "_index": self.alias, "_id": key} for key in keys
        )
        done, _errors = bulk(self.client, actions, raise_on_error=False, refresh=True)
        return done

    def rebuild(
        self, records: Iterable[SearchRecord], progress: Progress | None = None
    ) -> int:
        """Fill a new index, then point the alias at it atomically and drop the old
        ones: searches keep answering from the old index until the swap."""
        from elasticsearch.helpers import bulk

        name = self._new_index_name()
        archive_index(name).create(using=self.client)
        total = 0
        batch: list[dict] = []
        for record in records:
            batch.append(
                {"_index": name, "_id": record.key, "_source": document_body(record)}
            )
            if len(batch) >= BULK_CHUNK:
                total += bulk(self.client, batch)[0]
                if progress:
                    progress(len(batch))
                batch = []
        if batch:
            total += bulk(self.client, batch)[0]
            if progress:
                progress(len(batch))
        self.client.indices.refresh(index=name)
        old = []
        if self.client.indices.exists_alias(name=self.alias):
            old = list(self.client.indices.get_alias(name=self.alias).keys())
        actions = [{"remove": {"index": o, "alias": self.alias}} for o in old]
        actions.append({"add": {"index": name, "alias": self.alias}})
        self.client.indices.update_aliases(actions=actions)
        for o in old:
            self.client.indices.delete(index=o, ignore_unavailable=True)
        return total

    def count(self) -> int:
        if not self.client.indices.exists_alias(name=self.alias):
            return 0
        return self.client.count(index=self.alias)["count"]

    def search(self, query: SearchQuery, scope: Scope) -> SearchResults:
        self.ensure_index()
        response = (
            build_search(query, scope).using(self.client).index(self.alias).execute()
        )
        hits = []
        for hit in response:
            highlight = getattr(hit.meta, "highlight", None)
            title_html = (
                highlight.title[0] if highlight and "title" in highlight else None
            )
            body_html = highlight.body[0] if highlight and "body" in highlight else ""
            date = getattr(hit, "date", None)
            if isinstance(date, datetime.datetime):
                date = date.date()
            from django.utils.html import escape

            hits.append(
                SearchHit(
                    key=hit.key,
                    external_id=hit.external_id,
                    kind=hit.kind,
                    title=hit.title,
                    score=float(hit.meta.score or 0.0),
                    title_html=title_html or escape(hit.title),
                    snippet_html=body_html,
                    number=getattr(hit, "number", "") or "",
                    issuer=getattr(hit, "issuer", "") or "",
                    date=date,
                    url=getattr(hit, "url", "") or "",
                    session_title=getattr(hit, "session_title", "") or "",
                    classification=hit.classification,
                )
            )
        aggs = response.aggregations
        kinds = Counter({b.key: b.doc_count for b in aggs.kind.buckets})
        years = Counter({int(b.key): b.doc_count for b in aggs.year.buckets})
        issuers = Counter({b.key: b.doc_count for b in aggs.issuer.buckets})
        sessions = Counter({int(b.key): b.doc_count for b in aggs.session.buckets})
        titles = {
            int(b.key): (b.title.buckets[0].key if b.title.buckets else "")
            for b in aggs.session.buckets
        }
        return SearchResults(
            query=query,
            hits=hits,
            total=response.hits.total.value,
            facets=facet_values(query, kinds, years, issuers, sessions, titles),
        )

    def status(self) -> dict:
        return {"ok": True, "backend": type(self).__name__, "records": self.count()}
