"""Reads of the sessions: who may read them, the reading room, the consent block."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from cabinet.models import (
    AgendaItemPage,
    DossierPage,
    ItemPosition,
    Participant,
    SessionPage,
)
from cabinet.permissions import Action, cabinet_policy
from cabinet.roles import MEMBER
from documents.models import Annotation, DocumentVersion, ReviewStatus
from documents.permissions import readable_documents

User = get_user_model()


def user_reads_sessions(user) -> bool:
    """Whether the user may open the sessions' reading room at all."""
    if not getattr(user, "is_authenticated", False):
        return False
    if cabinet_policy.user_has_permission(user, Action.READ_DOSSIER):
        return True
    return Participant.objects.filter(Q(user=user) | Q(deputy=user)).exists()


def user_reads_session(user, session: SessionPage) -> bool:
    """Members, the secretariat and assistants; guests and deputies of this session."""
    if not getattr(user, "is_authenticated", False):
        return False
    if cabinet_policy.user_has_permission(user, Action.READ_DOSSIER):
        return True
    return session.participants.filter(Q(user=user) | Q(deputy=user)).exists()


def sessions_readable(user) -> QuerySet[SessionPage]:
    """The live sessions ``user_reads_session`` admits, as one QuerySet."""
    sessions = SessionPage.objects.live()
    if not getattr(user, "is_authenticated", False):
        return sessions.none()
    if cabinet_policy.user_has_permission(user, Action.READ_DOSSIER):
        return sessions
    return sessions.filter(
        pk__in=Participant.objects.filter(Q(user=user) | Q(deputy=user)).values(
            "session"
        )
    )


def is_member(user) -> bool:
    standing = cabinet_policy._standing(user)
    return MEMBER.group_name in standing.groups


def sessions_for(*, user, index) -> list[SessionPage]:
    sessions = SessionPage.objects.child_of(index).live().order_by("-starts_at")
    return [s for s in sessions if user_reads_session(user, s)]


def members() -> QuerySet:
    return (
        User.objects.filter(is_active=True, groups__name=MEMBER.group_name)
        .select_related("person")
        .order_by("person__protocol_order", "last_name")
    )


@dataclass
class ItemSummary:
    """The members' marks on one item, for the secretariat."""

    item: AgendaItemPage
    counts: Counter
    objections: list[ItemPosition]
    speakers: list[ItemPosition]

    @property
    def in_consent_block(self) -> bool:
        return not self.objections and not self.speakers


def positions_summary(session: SessionPage) -> list[ItemSummary]:
    """Per live item: counts by stance, who objects, who wishes to speak."""
    items = list(AgendaItemPage.objects.child_of(session).live().order_by("path"))
    positions = (
        ItemPosition.objects.filter(item__in=items)
        .select_related("member")
        .order_by("member__person__protocol_order")
    )
    by_item: dict[int, list[ItemPosition]] = {}
    for position in positions:
        by_item.setdefault(position.item_id, []).append(position)
    summaries = []
    for item in items:
        marks = by_item.get(item.pk, [])
        summaries.append(
            ItemSummary(
                item=item,
                counts=Counter(p.stance for p in marks),
                objections=[
                    p for p in marks if p.stance == ItemPosition.Stance.OBJECTION
                ],
                speakers=[
                    p for p in marks if p.stance == ItemPosition.Stance.WISH_TO_SPEAK
                ],
            )
        )
    return summaries


def consent_block(session: SessionPage) -> list[AgendaItemPage]:
    """The items no member objects to nor wishes to speak on, adopted together."""
    return [s.item for s in positions_summary(session) if s.in_consent_block]


@dataclass
class DocumentRow:
    document: object
    version: DocumentVersion
    is_new: bool
    updated: bool
    note_count: int


@dataclass
class ItemRow:
    item: AgendaItemPage
    dossier: DossierPage | None
    documents: list[DocumentRow] = field(default_factory=list)
    position: ItemPosition | None = None
    summary: ItemSummary | None = None

    @property
    def has_news(self) -> bool:
        return any(d.is_new or d.updated for d in self.documents)


@dataclass
class ReadingRoom:
    session: SessionPage
    rows: list[ItemRow]
    previous_visit: datetime | None
    can_mark: bool
    can_manage: bool
    participants: list[Participant]
    consent_block: list[AgendaItemPage]
    my_notes: list[Annotation] = field(default_factory=list)

    @property
    def news_count(self) -> int:
        return sum(1 for r in self.rows for d in r.documents if d.is_new or d.updated)

    @property
    def planned_minutes(self) -> int:
        return sum(r.item.planned_minutes for r in self.rows)


def reading_room(*, user, session: SessionPage) -> ReadingRoom:
    """Everything a reader sees of a session, in a fixed number of queries."""
    from cabinet.sessions.services import session_visit

    previous = session_visit(user=user, session=session)
    items = session.items
    items_by_path = {item.path: item for item in items}
    dossiers: dict[int, DossierPage] = {}
    for dossier in DossierPage.objects.live().filter(
        path__startswith=session.path, depth=session.depth + 2
    ):
        item = items_by_path.get(dossier.path[: -DossierPage.steplen])
        if item is not None:
            dossiers[item.pk] = dossier
    documents = list(readable_documents(user, dossiers.values()))
    approved_by_doc: dict[int, list[DocumentVersion]] = {}
    for version in DocumentVersion.objects.filter(
        document__in=documents, review_status=ReviewStatus.APPROVED
    ).order_by("document", "-number"):
        approved_by_doc.setdefault(version.document_id, []).append(version)
    from documents.services import note_owner

    owner = note_owner(user)
    my_notes = list(
        Annotation.objects.filter(version__document__in=documents, member=owner)
        .select_related("version__document", "written_by")
        .order_by("-updated_at")
    )
    note_counts = Counter(note.version.document_id for note in my_notes)
    manage = cabinet_policy.user_has_permission(user, Action.MANAGE_SESSION)
    positions = {
        p.item_id: p for p in ItemPosition.objects.filter(item__in=items, member=user)
    }
    summaries = {s.item.pk: s for s in positions_summary(session)} if manage else {}
    rows = []
    by_page: dict[int, list] = {}
    for document in documents:
        by_page.setdefault(document.page_id, []).append(document)
    for item in items:
        dossier = dossiers.get(item.pk)
        row = ItemRow(
            item=item,
            dossier=dossier,
            position=positions.get(item.pk),
            summary=summaries.get(item.pk),
        )
        for document in by_page.get(dossier.pk, []) if dossier else []:
            versions = approved_by_doc.get(document.pk)
            if not versions:
                continue  # the uploader's own pending file shows in the admin, not here
            latest = versions[0]
            fresh = (
                previous is not None
                and latest.reviewed_at
                and latest.reviewed_at > previous
            )
            row.documents.append(
                DocumentRow(
                    document=document,
                    version=latest,
                    is_new=bool(fresh and len(versions) == 1),
                    updated=bool(fresh and len(versions) > 1),
                    note_count=note_counts.get(document.pk, 0),
                )
            )
        rows.append(row)
    return ReadingRoom(
        session=session,
        rows=rows,
        previous_visit=previous,
        can_mark=is_member(user)
        and session.participants.filter(
            user=user, role=Participant.Role.MEMBER
        ).exists(),
        can_manage=manage,
        participants=list(
            session.participants.select_related("user", "user__person", "deputy")
        ),
        consent_block=[s.item for s in summaries.values() if s.in_consent_block]
        if manage
        else [],
        my_notes=my_notes,
    )
