"""The Elasticsearch backend: its index definition and request bodies (no server
needed), the alias swap of a rebuild, and an integration test against a real server
when ``ELASTICSEARCH_URL`` is set."""

import os
import unicodedata
import uuid

import pytest

from search.backends.elastic import (
    ElasticsearchBackend,
    archive_index,
    search_body,
)
from search.query import SORT_DATE, SearchQuery
from search.scope import Scope
from tests.search.conftest import record


def test_the_index_folds_vietnamese_and_keeps_the_original_form():
    definition = archive_index("ecabinet-archive-test").to_dict()
    analysis = definition["settings"]["analysis"]
    folded = analysis["analyzer"]["vi_folded"]
    assert folded["tokenizer"] == "standard"
    assert folded["filter"] == ["lowercase", "vi_fold_keep"]
    assert analysis["filter"]["vi_fold_keep"] == {
        "type": "asciifolding",
        "preserve_original": True,
    }
    assert folded["char_filter"] == ["vi_d"]
    assert analysis["char_filter"]["vi_d"]["mappings"] == ["đ => d", "Đ => D"]
    pairs = analysis["analyzer"]["vi_word_pairs"]
    assert analysis["filter"][pairs["filter"][-1]]["type"] == "shingle"

    properties = definition["mappings"]["properties"]
    for field in ("title", "body"):
        assert properties[field]["analyzer"] == "vi_folded"
        assert properties[field]["fields"]["exact"]["analyzer"] == "vi_exact"
        assert properties[field]["fields"]["pairs"]["analyzer"] == "vi_word_pairs"
    for field in ("kind", "issuer", "classification", "key", "external_id"):
        assert properties[field]["type"] == "keyword"
    assert properties["reader_ids"]["type"] == "integer"
    assert properties["published"]["type"] == "boolean"


def filters(body):
    return body["query"]["bool"].get("filter", [])


def test_a_member_query_body():
    query = SearchQuery(
        text=unicodedata.normalize("NFD", "nghị quyết"),
        kinds=("resolution", "minutes"),
        years=(2019,),
        page=3,
        per_page=10,
    )
    body = search_body(
        query, Scope(internal_ministry_ids=frozenset({7}), reader_ids=frozenset({42}))
    )
    match = body["query"]["bool"]["must"][0]["multi_match"]
    assert match["query"] == "nghị quyết"  # NFC
    assert match["query"] == unicodedata.normalize("NFC", match["query"])
    assert match["type"] == "most_fields" and "operator" not in match  # any word
    assert {"title.exact^2", "body.exact", "body.pairs"} <= set(match["fields"])
    permission, kinds, years = filters(body)
    assert permission["bool"]["minimum_should_match"] == 1
    assert permission["bool"]["should"] == [
        {"term": {"classification": "public"}},
        {
            "bool": {
                "filter": [
                    {"term": {"classification": "internal"}},
                    {"terms": {"ministry_id": [7]}},
                ]
            }
        },
        {
            "bool": {
                "filter": [
                    {"term": {"classification": "confidential"}},
                    {"terms": {"reader_ids": [42]}},
                ]
            }
        },
    ]
    assert kinds == {"terms": {"kind": ["resolution", "minutes"]}}
    assert years == {"terms": {"year": [2019]}}
    assert body["from"] == 20 and body["size"] == 10
    assert body["track_total_hits"] is True
    assert set(body["aggs"]) == {"kind", "year", "issuer", "session"}
    assert body["highlight"]["pre_tags"] == ["<mark>"]
    assert body["highlight"]["encoder"] == "html"
    assert body["sort"][0] == "_score"


def test_public_and_administrator_bodies():
    public = search_body(SearchQuery(text="ngan sach"), Scope.public())
    assert filters(public)[0] == {
        "bool": {
            "filter": [
                {"term": {"classification": "public"}},
                {"term": {"published": True}},
                {"term": {"kind": "resolution"}},
            ]
        }
    }
    everything = search_body(SearchQuery(text="ngan sach"), Scope.administrator())
    assert set(everything["query"]) == {"multi_match"}  # no permission filter
    member = search_body(SearchQuery(text="x"), Scope(internal_all=True))
    assert filters(member)[0]["bool"]["should"] == [
        {"term": {"classification": "public"}},
        {"term": {"classification": "internal"}},
    ]
    listing = search_body(SearchQuery(sort=SORT_DATE), Scope(internal_all=True))
    assert "must" not in listing["query"]["bool"]
    assert listing["sort"][0] == {"date": {"order": "desc", "missing": "_last"}}


class RecordingIndices:
    def __init__(self, aliases):
        self.aliases = aliases  # alias -> [index]
        self.calls = []

    def exists_alias(self, name):
        return bool(self.aliases.get(name))

    def get_alias(self, name):
        return {index: {} for index in self.aliases.get(name, [])}

    def create(self, index, **kwargs):
        self.calls.append(("create", index, kwargs))

    def exists(self, index, **kwargs):
        return False

    def refresh(self, index):
        self.calls.append(("refresh", index))

    def update_aliases(self, actions):
        self.calls.append(("update_aliases", actions))

    def delete(self, index, **kwargs):
        self.calls.append(("delete", index))


class RecordingClient:
    """Records what the backend asks of Elasticsearch, for the order of a rebuild."""

    def __init__(self, aliases):
        self.indices = RecordingIndices(aliases)
        self.bulk_actions = []


def test_rebuild_fills_a_new_index_then_swaps_the_alias(monkeypatch, settings):
    settings.ELASTICSEARCH_INDEX_PREFIX = "ecab"
    client = RecordingClient({"ecab-archive": ["ecab-archive-old"]})
    import elasticsearch.helpers

    def fake_bulk(client_, actions, **kwargs):
        actions = list(actions)
        client.bulk_actions += actions
        return len(actions), []

    monkeypatch.setattr(elasticsearch.helpers, "bulk", fake_bulk)
    backend = ElasticsearchBackend(client=client)
    records = [record(title="Nghị quyết 1"), record(title="Nghị quyết 2")]
    assert backend.rebuild(records) == 2
    create, refresh, swap, delete = client.indices.calls
    new = create[1]
    assert new.startswith("ecab-archive-") and new != "ecab-archive-old"
    assert {a["_index"] for a in client.bulk_actions} == {new}
    assert [a["_id"] for a in client.bulk_actions] == [r.key for r in records]
    assert refresh == ("refresh", new)
    assert swap == (
        "update_aliases",
        [
            {"remove": {"index": "ecab-archive-old", "alias": "ecab-archive"}},
            {"add": {"index": new, "alias": "ecab-archive"}},
        ],
    )
    assert delete == ("delete", "ecab-archive-old")


ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "")


@pytest.mark.skipif(
    not ELASTICSEARCH_URL,
    reason="ELASTICSEARCH_URL is not set: no Elasticsearch server to test against "
    "(none can be installed on this machine; run one with docker/ and set it)",
)
@pytest.mark.django_db
def test_against_a_real_server(settings):
    settings.ELASTICSEARCH_URL = ELASTICSEARCH_URL
    settings.ELASTICSEARCH_INDEX_PREFIX = f"ecabinet-test-{uuid.uuid4().hex[:8]}"
    backend = ElasticsearchBackend()
    exact = record(
        title="Nghị quyết phiên họp Chính phủ thường kỳ", classification="internal"
    )
    bare = record(title="Nghi quyet ve phien hop", classification="public")
    secret = record(
        title="Nghị quyết mật", classification="confidential", reader_ids=(99,)
    )
    try:
        backend.rebuild([exact, bare, secret])
        found = backend.search(
            SearchQuery(text="nghị quyết thường kỳ"), Scope(internal_all=True)
        )
        assert [h.key for h in found.hits][:2] == [exact.key, bare.key]
        assert "<mark>" in found.hits[0].title_html
        assert found.total == 2  # not the confidential one
        public = backend.search(SearchQuery(text="nghi quyet"), Scope.public())
        assert [h.key for h in public.hits] == [bare.key]
        reader = backend.search(
            SearchQuery(text="nghi quyet"), Scope(reader_ids=frozenset({99}))
        )
        assert {h.key for h in reader.hits} == {bare.key, secret.key}
        backend.rebuild([bare])
        assert backend.count() == 1
    finally:
        client = backend.client
        client.indices.delete(
            index=f"{settings.ELASTICSEARCH_INDEX_PREFIX}-archive-*",
            ignore_unavailable=True,
        )
