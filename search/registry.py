"""Where content apps plug their models into archive search.

Each content app registers, once (in its ``AppConfig.ready()``), a provider for each
searchable model::

    from search import registry

    class ResolutionProvider(registry.Provider):
        def record(self, instance):       # SearchRecord, or None: not in the index
            ...
        def queryset(self):               # everything to index on a full reindex
            return ResolutionPage.objects.live()

    registry.register(ResolutionPage, ResolutionProvider())

From then on saves, deletions, publications and unpublications of that model update
the index in a django-q2 task queued on commit (``search.signals``), and
``manage.py archive_reindex`` includes it. A provider decides visibility through the
record it returns: ``None`` removes the object from the index.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.apps import apps
from django.db import models

from search.records import SearchRecord


class Provider:
    """Turns instances of one model into records. Subclass and override."""

    def record(self, instance) -> SearchRecord | None:
        raise NotImplementedError

    def queryset(self) -> Iterable:
        raise NotImplementedError

    def records(self) -> Iterator[SearchRecord]:
        """Every record of this model, for a reindex."""
        items = self.queryset()
        if isinstance(items, models.QuerySet):
            items = items.iterator(chunk_size=500)
        for instance in items:
            record = self.record(instance)
            if record is not None:
                yield record


_providers: dict[str, Provider] = {}


def label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def record_key(instance_or_model, pk=None) -> str:
    """``"app_label.model:pk"``: the key of a record in every backend."""
    model = instance_or_model
    if isinstance(instance_or_model, models.Model):
        model, pk = type(instance_or_model), instance_or_model.pk
    # Page subclasses and proxies share one key space: the concrete model's.
    return f"{label(model._meta.concrete_model)}:{pk}"


def register(model: type[models.Model], provider: Provider) -> None:
    _providers[label(model._meta.concrete_model)] = provider


def unregister(model: type[models.Model]) -> None:
    _providers.pop(label(model._meta.concrete_model), None)


def provider_for(model_label: str) -> Provider | None:
    return _providers.get(model_label)


def providers() -> dict[str, Provider]:
    return dict(_providers)


def model_for(model_label: str) -> type[models.Model]:
    return apps.get_model(model_label)
