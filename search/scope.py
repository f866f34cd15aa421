"""Who sees which records: the permission filter, built once per query.

A :class:`Scope` is computed from the user with the same policy the pages use
(``cabinet.permissions.cabinet_policy`` and ``documents.classification.can_read``)
and then applied *inside* the backend's query, so that hits, totals and facet counts
are all computed on what the user may open; a confidential record never shows, not
even as a count.

- public records: everyone (public search: published public resolutions only);
- internal records: whoever may read dossiers, and the focal officers of the
  record's ministry;
- confidential records: the users named on them and the assistant of a named
  active member; nobody else, superusers included.

:func:`record_visible` states the same rules for one record in Python; the tests
check it against ``can_read`` and every backend against it.
"""

from __future__ import annotations

from dataclasses import dataclass

from cabinet.models import Ministry
from cabinet.permissions import Action, NamedReaders, cabinet_policy
from documents.classification import Classification
from search.records import Kind


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    public_only: bool = False  # published public resolutions only
    internal_all: bool = False
    internal_ministry_ids: frozenset[int] = frozenset()
    reader_ids: frozenset[int] = frozenset()

    @classmethod
    def public(cls) -> Scope:
        return cls(public_only=True)

    @classmethod
    def administrator(cls) -> Scope:
        """Everything, confidential included: for ``manage.py archive_search`` and
        evaluation only, never for a person's search."""
        return cls(everything=True)

    @classmethod
    def for_user(cls, user) -> Scope:
        if not (
            user is not None
            and getattr(user, "is_authenticated", False)
            and getattr(user, "is_active", False)
        ):
            # What anyone may open: public records (can_read says so for anyone).
            return cls()
        internal_all = cabinet_policy.user_has_permission(user, Action.READ_DOSSIER)
        ministry_ids: frozenset[int] = frozenset()
        if not internal_all:
            ministry_ids = frozenset(
                ministry.pk
                for ministry in Ministry.objects.only("pk")
                if cabinet_policy.user_has_permission(
                    user, Action.READ_DOSSIER, ministry
                )
            )
        # The people whose confidential material this user may read: themselves,
        # and the member they assist; each candidate is confirmed by the policy.
        standing = cabinet_policy._standing(user)
        candidates = {user.pk, standing.assisted_member_id} - {None}
        reader_ids = frozenset(
            pk
            for pk in candidates
            if cabinet_policy.user_has_permission(
                user, Action.READ_CONFIDENTIAL, NamedReaders([pk])
            )
        )
        return cls(
            internal_all=internal_all,
            internal_ministry_ids=ministry_ids,
            reader_ids=reader_ids,
        )


def record_visible(scope: Scope, record) -> bool:
    """Whether ``record`` (a SearchRecord or an ArchiveRecord) is within ``scope``."""
    if scope.everything:
        return True
    classification = record.classification
    if scope.public_only:
        return (
            classification == Classification.PUBLIC
            and bool(record.published)
            and record.kind == Kind.RESOLUTION
        )
    if classification == Classification.PUBLIC:
        return True
    if classification == Classification.INTERNAL:
        return scope.internal_all or record.ministry_id in scope.internal_ministry_ids
    if classification == Classification.CONFIDENTIAL:
        readers = getattr(record, "reader_ids", None)
        if readers is None:
            readers = [r.user_id for r in record.readers.all()]
        return not scope.reader_ids.isdisjoint(readers)
    return False
