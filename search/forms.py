from django import forms
from django.utils.translation import gettext_lazy as _

from search.query import SORT_RELEVANCE, SORTS, SearchQuery
from search.records import Kind


class ArchiveSearchForm(forms.Form):
    """The search page's question and filters, read from the query string."""

    q = forms.CharField(label=_("Search"), required=False, max_length=500)
    type = forms.MultipleChoiceField(
        label=_("Type"), required=False, choices=Kind.choices
    )
    year = forms.TypedMultipleChoiceField(
        label=_("Year"),
        required=False,
        coerce=int,
        choices=[(str(y), str(y)) for y in range(1945, 2101)],
        error_messages={"invalid_choice": _("“%(value)s” is not a year.")},
    )
    issuer = forms.MultipleChoiceField(label=_("Issuer"), required=False)
    session = forms.TypedMultipleChoiceField(
        label=_("Session"),
        required=False,
        coerce=int,
        error_messages={"invalid_choice": _("“%(value)s” is not a session.")},
    )
    sort = forms.ChoiceField(
        label=_("Sort by"), required=False, choices=list(SORTS.items())
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        data = self.data
        # Issuers and sessions are open lists: any value is a filter (that may
        # match nothing); they cannot be enumerated in advance without leaking.
        issuers = data.getlist("issuer") if hasattr(data, "getlist") else []
        self.fields["issuer"].choices = [(i, i) for i in issuers]
        sessions = data.getlist("session") if hasattr(data, "getlist") else []
        self.fields["session"].choices = [(s, s) for s in sessions if s.isdigit()]

    def search_query(self, *, per_page: int = 20) -> SearchQuery:
        data = self.cleaned_data
        return SearchQuery(
            text=data.get("q") or "",
            kinds=tuple(data.get("type") or ()),
            years=tuple(data.get("year") or ()),
            issuers=tuple(data.get("issuer") or ()),
            session_ids=tuple(data.get("session") or ()),
            sort=data.get("sort") or SORT_RELEVANCE,
            page=data.get("page") or 1,
            per_page=per_page,
        )


class PublicSearchForm(forms.Form):
    q = forms.CharField(label=_("Search resolutions"), required=False, max_length=500)
    year = forms.TypedMultipleChoiceField(
        label=_("Year"),
        required=False,
        coerce=int,
        choices=[(str(y), str(y)) for y in range(1945, 2101)],
        error_messages={"invalid_choice": _("“%(value)s” is not a year.")},
    )
    sort = forms.ChoiceField(
        label=_("Sort by"), required=False, choices=list(SORTS.items())
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000)

    def search_query(self, *, per_page: int = 20) -> SearchQuery:
        data = self.cleaned_data
        return SearchQuery(
            text=data.get("q") or "",
            kinds=(Kind.RESOLUTION,),
            years=tuple(data.get("year") or ()),
            sort=data.get("sort") or SORT_RELEVANCE,
            page=data.get("page") or 1,
            per_page=per_page,
        )
