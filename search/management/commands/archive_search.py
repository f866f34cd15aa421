import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from search.query import SORTS, SearchQuery
from search.scope import Scope
from search.services import archive_search


class Command(BaseCommand):
    help = (
        "Search the archive as an administrator would (everything), for evaluation "
        "and operations."
    )

    def add_arguments(self, parser):
        parser.add_argument("query")
        parser.add_argument("--limit", type=int, default=10)
        parser.add_argument("--json", action="store_true", dest="as_json")
        parser.add_argument("--sort", choices=sorted(SORTS), default="relevance")
        parser.add_argument("--type", action="append", default=[], dest="kinds")

    def handle(self, *args, query, limit, as_json, sort, kinds, **options):
        if limit < 1:
            raise CommandError(_("--limit must be at least 1."))
        results = archive_search(
            user=None,
            query=SearchQuery(
                text=query, sort=sort, per_page=limit, kinds=tuple(kinds)
            ),
            scope=Scope.administrator(),
        )
        hits = [
            {
                "external_id": hit.external_id,
                "title": hit.title,
                "type": hit.kind,
                "score": round(hit.score, 6),
            }
            for hit in results.hits[:limit]
        ]
        if as_json:
            self.stdout.write(json.dumps({"hits": hits}, ensure_ascii=False))
            return
        self.stdout.write(
            ngettext("%(total)s result", "%(total)s results", results.total)
            % {"total": results.total}
        )
        for rank, hit in enumerate(hits, start=1):
            self.stdout.write(
                f"{rank:3}. [{hit['type']}] {hit['title']} "
                f"({hit['external_id']}, {hit['score']:.3f})"
            )
