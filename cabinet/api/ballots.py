"""Opinion ballots for the members' apps: my ballots, one ballot, my answer.

The same rules as the ballot screens (``cabinet.ballots.views``): a member sees the
ballots issued to them, an assistant those of the member they assist, the staff who
follow ballots every issued one; a ballot the caller may not see is a 404. Answering
goes through ``ballot_answer`` (policy, state, one-time code, row lock). The count is
shown once a ballot is issued, as on the screen.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Literal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Case, DateTimeField, F, IntegerField, Q, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status
from wagtail.rich_text import expand_db_html

from cabinet.api.errors import ApiError, responses
from cabinet.api.security import OTP_THROTTLE
from cabinet.ballots import services
from cabinet.ballots.permissions import ballot_policy
from cabinet.ballots.selectors import (
    ballot_should_close,
    ballot_tally,
    ballots_for_user,
)
from cabinet.ballots.views import attachments_of, documents_of
from cabinet.models.ballots import (
    BallotAnswer,
    BallotPage,
    BallotRecipient,
    Choice,
)
from documents.permissions import user_can_read_version

router = Router(tags=["ballots"])

MAX_ID = 2**31 - 1
BallotId = Path(..., ge=1, le=MAX_ID, description="The ballot's id.")
ChoiceValue = Literal["agree", "disagree", "other"]
NO_NUL = r"^[^\x00]*$"  # PostgreSQL stores no NUL character


def document_file_url(document_id: int, version_id: int) -> str:
    """The API's download of a dossier document's version (``documents/api.py``)."""
    return f"/api/v1/documents/{document_id}/versions/{version_id}/file"


# --- schemas ---------------------------------------------------------------------------


class BallotChoiceOut(Schema):
    value: ChoiceValue
    label: str


class BallotSummaryOut(Schema):
    id: int
    title: str
    matter: str = Field(..., description="HTML, as written by the drafter.")
    ministry: str
    deadline: datetime
    state: Literal["open", "closed", "withdrawn"]
    seconds_left: int | None = Field(
        ..., description="Until the deadline while the ballot is open."
    )
    answered: bool = Field(..., description="Whether the member has answered.")
    may_answer: bool = Field(..., description="Whether I may answer (or change) now.")
    may_change: bool = Field(
        ..., description="Whether I answered and may still change my answer."
    )
    allow_change: bool
    url: str


class BallotListOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[BallotSummaryOut]


class BallotQuestionOut(Schema):
    id: int
    text: str
    choices: list[BallotChoiceOut]
    my_choice: ChoiceValue | None


class BallotDocumentVersionOut(Schema):
    id: int
    number: int
    file_name: str
    content_type: str
    size: int
    pages: int | None
    sha256: str


class BallotDocumentOut(Schema):
    id: int
    title: str
    classification: str
    version: BallotDocumentVersionOut | None
    download_url: str | None = Field(
        ..., description="The file, through this API (bearer token)."
    )
    web_url: str = Field(..., description="The document's page on the website.")


class BallotQuestionResultOut(Schema):
    question_id: int
    text: str
    agree: int
    disagree: int
    other: int
    threshold: int
    passed: bool
    decided: bool


class BallotTallyOut(Schema):
    member_count: int
    answered: int
    threshold: int = Field(
        ..., description="Agreements a question needs: more than half of all polled."
    )
    questions: list[BallotQuestionResultOut]


class BallotOut(BallotSummaryOut):
    issued_at: datetime | None
    closed_at: datetime | None
    withdrawn_at: datetime | None
    withdraw_reason: str
    result: Literal["approved", "not_approved"] | None
    refusal: str = Field(..., description="Why I may not answer now; empty if I may.")
    questions: list[BallotQuestionOut]
    documents: list[BallotDocumentOut]
    tally: BallotTallyOut | None


class BallotAnswerChoiceOut(Schema):
    question_id: int
    text: str
    choice: ChoiceValue
    label: str


class BallotAnswerVersionOut(Schema):
    version: int
    receipt: str
    created_at: datetime


class BallotAnswerOut(Schema):
    ballot_id: int
    version: int
    choices: list[BallotAnswerChoiceOut]
    comment: str
    answered_at: datetime
    updated_at: datetime
    receipt: str = Field(..., description="SHA-256 of the answer's canonical content.")
    history_count: int
    history: list[BallotAnswerVersionOut]
    attachments: list[BallotDocumentOut]


class BallotAttachmentIn(Schema):
    name: str = Field(
        ..., min_length=1, max_length=200, pattern=NO_NUL, examples=["y-kien.pdf"]
    )
    content_base64: str = Field(
        ..., min_length=1, description="The file, base64-encoded (PDF, DOCX, XLSX)."
    )


class BallotAnswerIn(Schema):
    choices: dict[str, ChoiceValue] = Field(
        ...,
        description="One choice per question, keyed by the question's id.",
        max_length=100,
    )
    comment: str = Field("", max_length=5000, pattern=NO_NUL)
    attachments: list[BallotAttachmentIn] = Field(
        [],
        max_length=5,
        description=(
            "Files for my answer, base64 in the JSON body; the whole request may "
            "not exceed the server's request size (413 `too_large`)."
        ),
    )
    otp: str = Field(
        ...,
        max_length=16,
        pattern=r"^[0-9A-Za-z \-]*$",
        description="The one-time code (6 digits) or a backup code.",
    )


# --- helpers ---------------------------------------------------------------------------


def _open_q(now) -> Q:
    return Q(
        withdrawn_at__isnull=True,
        closed_at__isnull=True,
        issued_at__isnull=False,
        deadline__gt=now,
    )


def _state(ballot: BallotPage) -> str:
    if ballot.withdrawn_at:
        return "withdrawn"
    return "open" if ballot.is_open else "closed"


def _visible(request, ballot_id: int) -> BallotPage:
    """The issued ballot ``ballot_id`` if the caller may see it; 404 otherwise."""
    ballot = get_object_or_404(
        BallotPage.objects.select_related("presenting_ministry"),
        pk=ballot_id,
        issued_at__isnull=False,
    )
    if not ballot_policy.user_has_permission_for_instance(request.auth, "view", ballot):
        raise ApiError(404, "not_found", _("Not found, or not visible to you."))
    if ballot_should_close(ballot=ballot):
        # the scheduled close may not have run yet (worker down): close on sight
        services.ballot_close_due(ballot_id=ballot.pk)
        ballot.refresh_from_db()
    return ballot


def _summary(ballot: BallotPage, *, answered: bool, may_answer: bool, now) -> dict:
    open_ = _state(ballot) == "open"
    return {
        "id": ballot.pk,
        "title": ballot.title,
        "matter": expand_db_html(ballot.matter),
        "ministry": str(ballot.presenting_ministry or ""),
        "deadline": ballot.deadline,
        "state": _state(ballot),
        "seconds_left": int((ballot.deadline - now).total_seconds()) if open_ else None,
        "answered": answered,
        "may_answer": may_answer,
        "may_change": answered and may_answer,
        "allow_change": ballot.allow_change,
        "url": f"/api/v1/ballots/{ballot.pk}",
    }


def _choices() -> list[dict]:
    return [{"value": value, "label": str(label)} for value, label in Choice.choices]


def _document(document, user) -> dict:
    version = document.approved_version
    if version is None or not user_can_read_version(user, version):
        latest = document.latest_version
        version = latest if latest and user_can_read_version(user, latest) else None
    return {
        "id": document.pk,
        "title": document.title,
        "classification": document.classification,
        "version": None
        if version is None
        else {
            "id": version.pk,
            "number": version.number,
            "file_name": version.original_name,
            "content_type": version.content_type,
            "size": version.size,
            "pages": version.pages,
            "sha256": version.sha256,
        },
        "download_url": document_file_url(document.pk, version.pk) if version else None,
        "web_url": document.get_absolute_url(),
    }


def _tally(ballot: BallotPage) -> dict:
    tally = ballot_tally(ballot=ballot)
    return {
        "member_count": tally.member_count,
        "answered": tally.answered,
        "threshold": tally.threshold,
        "questions": [
            {
                "question_id": q.question_id,
                "text": q.text,
                "agree": q.agree,
                "disagree": q.disagree,
                "other": q.other,
                "threshold": q.threshold,
                "passed": q.passed,
                "decided": q.decided or bool(ballot.closed_at),
            }
            for q in tally.questions
        ],
    }


def _reading_answer(ballot: BallotPage, user) -> BallotAnswer | None:
    member_id = ballot_policy.reading_member_id(user)
    if not member_id:
        return None
    return (
        BallotAnswer.objects.filter(ballot=ballot, member_id=member_id)
        .prefetch_related("choices__question", "versions", "attachments")
        .first()
    )


def _may_answer(ballot: BallotPage, user) -> tuple[bool, str]:
    if not ballot_policy.user_has_permission_for_instance(user, "answer", ballot):
        return False, ""
    refusal = services.answer_refusal(ballot=ballot, user=user)
    return not refusal, refusal


def _answer_out(answer: BallotAnswer, user) -> dict:
    labels = dict(Choice.choices)
    versions = sorted(answer.versions.all(), key=lambda v: v.version, reverse=True)
    return {
        "ballot_id": answer.ballot_id,
        "version": answer.version,
        "choices": [
            {
                "question_id": c.question_id,
                "text": c.question.text,
                "choice": c.choice,
                "label": str(labels[c.choice]),
            }
            for c in sorted(answer.choices.all(), key=lambda c: c.question.sort_order)
        ],
        "comment": answer.comment,
        "answered_at": answer.answered_at,
        "updated_at": answer.updated_at,
        "receipt": answer.receipt,
        "history_count": len(versions),
        "history": [
            {"version": v.version, "receipt": v.receipt, "created_at": v.created_at}
            for v in versions
        ],
        "attachments": [_document(d, user) for d in attachments_of(answer, user)],
    }


def _decoded(attachment: BallotAttachmentIn) -> SimpleUploadedFile:
    try:
        data = base64.b64decode(attachment.content_base64, validate=True)
    except (binascii.Error, ValueError) as error:
        raise ApiError(
            400,
            "bad_base64",
            _("The file %(name)s is not valid base64.") % {"name": attachment.name},
        ) from error
    return SimpleUploadedFile(attachment.name, data)


# --- endpoints -------------------------------------------------------------------------


@router.get(
    "/ballots",
    response=responses({200: BallotListOut}),
    summary="My ballots, open ones first",
)
def ballot_list(
    request,
    state: Literal["open", "closed", "all"] = "all",
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=100_000),
):
    user = request.auth
    now = timezone.now()
    qs = ballots_for_user(user).filter(issued_at__isnull=False)
    if state == "open":
        qs = qs.filter(_open_q(now))
    elif state == "closed":
        qs = qs.exclude(_open_q(now))
    qs = qs.annotate(
        open_first=Case(
            When(_open_q(now), then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        open_deadline=Case(
            When(_open_q(now), then=F("deadline")),
            default=None,
            output_field=DateTimeField(),
        ),
    ).order_by("open_first", "open_deadline", "-deadline", "-pk")
    count = qs.count()
    ballots = list(qs[offset : offset + limit])
    member_id = ballot_policy.reading_member_id(user)
    answered = set(
        BallotAnswer.objects.filter(
            member_id=member_id, ballot__in=ballots
        ).values_list("ballot_id", flat=True)
    )
    polled = set()
    if ballot_policy.user_has_permission(user, "answer"):
        polled = set(
            BallotRecipient.objects.filter(member=user, ballot__in=ballots).values_list(
                "ballot_id", flat=True
            )
        )
    items = []
    for ballot in ballots:
        mine = ballot.pk in answered
        may_answer = (
            ballot.pk in polled
            and _state(ballot) == "open"
            and (ballot.allow_change or not mine)
        )
        items.append(_summary(ballot, answered=mine, may_answer=may_answer, now=now))
    return {"count": count, "limit": limit, "offset": offset, "items": items}


@router.get(
    "/ballots/{ballot_id}",
    response=responses({200: BallotOut}),
    summary="One ballot: questions, documents, count",
)
def ballot_detail(request, ballot_id: int = BallotId):
    user = request.auth
    ballot = _visible(request, ballot_id)
    answer = _reading_answer(ballot, user)
    may_answer, refusal = _may_answer(ballot, user)
    mine = {c.question_id: c.choice for c in answer.choices.all()} if answer else {}
    choices = _choices()
    data = _summary(
        ballot, answered=answer is not None, may_answer=may_answer, now=timezone.now()
    )
    data.update(
        issued_at=ballot.issued_at,
        closed_at=ballot.closed_at,
        withdrawn_at=ballot.withdrawn_at,
        withdraw_reason=ballot.withdraw_reason,
        result=None
        if not ballot.closed_at
        else ("approved" if ballot.passed else "not_approved"),
        refusal=refusal,
        questions=[
            {
                "id": q.pk,
                "text": q.text,
                "choices": choices,
                "my_choice": mine.get(q.pk),
            }
            for q in ballot.questions.all()
        ],
        documents=[_document(d, user) for d in documents_of(ballot, user)],
        tally=_tally(ballot),
    )
    return data


@router.get(
    "/ballots/{ballot_id}/answer",
    response=responses({200: BallotAnswerOut}),
    summary="My answer, its receipt and its history",
)
def answer_detail(request, ballot_id: int = BallotId):
    ballot = _visible(request, ballot_id)
    answer = _reading_answer(ballot, request.auth)
    if answer is None:
        raise ApiError(404, "not_answered", _("There is no answer to this ballot yet."))
    return _answer_out(answer, request.auth)


@router.put(
    "/ballots/{ballot_id}/answer",
    throttle=OTP_THROTTLE,
    response=responses({200: BallotAnswerOut, 201: BallotAnswerOut}),
    summary="Answer (or change my answer), confirmed by a one-time code",
    description=(
        "201 for the first answer, 200 for a change (when the ballot allows "
        "changes). 409 `closed` after the deadline, the close or a withdrawal; "
        "409 `already_answered` when changes are not allowed. Files go in "
        "`attachments`, base64-encoded."
    ),
)
def answer_put(request, payload: BallotAnswerIn, ballot_id: int = BallotId):
    ballot = _visible(request, ballot_id)
    questions = {str(pk) for pk in ballot.questions.values_list("pk", flat=True)}
    unknown = sorted(set(payload.choices) - questions)
    if unknown:
        raise ApiError(
            400,
            "unknown_question",
            _("This ballot has no question %(ids)s.") % {"ids": ", ".join(unknown)},
        )
    answer = services.ballot_answer(
        user=request.auth,
        ballot=ballot,
        choices=payload.choices,
        comment=payload.comment,
        code=payload.otp,
        attachments=[_decoded(a) for a in payload.attachments],
        request=request,
    )
    answer = _reading_answer(ballot, request.auth)
    return Status(
        201 if answer.version == 1 else 200, _answer_out(answer, request.auth)
    )
