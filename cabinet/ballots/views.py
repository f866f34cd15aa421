"""The ballot screens in the admin: list, ballot (answer or review), board, report.

Thin: parse, call a service, render. Every refusal is shown on the same screen with
what the user typed still in the form.
"""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from wagtail.admin import messages

from cabinet.ballots import services
from cabinet.ballots.forms import (
    AnswerForm,
    DocumentUploadForm,
    ReviewForm,
    WithdrawForm,
)
from cabinet.ballots.permissions import ballot_policy
from cabinet.ballots.selectors import (
    ballot_board,
    ballot_history,
    ballot_should_close,
    ballot_tally,
    ballots_for_user,
)
from cabinet.models.ballots import BallotAnswer, BallotPage, OTPApprovalTask
from cabinet.otp import OTPError


def serve_private(request, ballot):
    """Ballots are never public: the public gets a login page or nothing."""
    if not request.user.is_authenticated:
        return redirect_to_login(
            ballot.get_admin_url() if ballot else reverse("ecabinet_ballots"),
            reverse("wagtailadmin_login"),
        )
    if ballot is None:
        return redirect("ecabinet_ballots")
    if ballot_policy.user_has_permission_for_instance(request.user, "view", ballot):
        return redirect(ballot.get_admin_url())
    raise Http404


def documents_of(ballot, user):
    """The draft documents of the ballot that ``user`` may read (the dossier), without
    the files members attached to their answers."""
    from documents.permissions import readable_documents

    if not ballot.pk:
        return []
    attached = BallotAnswer.attachments.through.objects.filter(
        ballotanswer__ballot=ballot
    ).values("document")
    return list(
        readable_documents(user, [ballot])
        .exclude(pk__in=attached)
        .prefetch_related("versions")
    )


def attachments_of(answer, user):
    from documents.permissions import user_can_read_document

    if answer is None:
        return []
    return [d for d in answer.attachments.all() if user_can_read_document(user, d)]


@require_POST
def ballot_document_upload_view(request, ballot_id: int):
    from documents.services import document_upload

    ballot = _ballot_for(request, ballot_id, "follow")
    form = DocumentUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Give the document a title and choose a file."))
        return redirect(ballot.get_admin_url())
    try:
        document_upload(
            user=request.user,
            page=ballot,
            title=form.cleaned_data["title"],
            upload=form.cleaned_data["file"],
            ministry=ballot.presenting_ministry,
            request=request,
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _messages_of(error))
    else:
        messages.success(request, _("The document is attached to the ballot."))
    return redirect(ballot.get_admin_url())


def _ballot_for(request, ballot_id: int, action: str = "view") -> BallotPage:
    ballot = get_object_or_404(BallotPage, pk=ballot_id)
    if not ballot_policy.user_has_permission_for_instance(request.user, action, ballot):
        raise PermissionDenied
    return ballot


def _messages_of(error) -> str:
    if isinstance(error, OTPError):
        return error.message
    return " ".join(getattr(error, "messages", None) or [str(error)])


def ballot_list(request):
    if not ballot_policy.user_has_permission(request.user, "view"):
        raise PermissionDenied
    ballots = list(ballots_for_user(request.user)[:200])
    member_id = ballot_policy.reading_member_id(request.user)
    answered = set()
    if member_id:
        answered = set(
            BallotAnswer.objects.filter(
                member_id=member_id, ballot__in=ballots
            ).values_list("ballot_id", flat=True)
        )
    counts = {}
    if ballot_policy.user_follows_ballots(request.user):
        for ballot_id, n in (
            BallotAnswer.objects.filter(ballot__in=ballots)
            .values_list("ballot_id")
            .annotate(n=Count("pk"))
        ):
            counts[ballot_id] = n
    rows = [
        {"ballot": b, "answered": b.pk in answered, "count": counts.get(b.pk, 0)}
        for b in ballots
    ]
    can_add = ballot_policy.user_follows_ballots(request.user)
    index = BallotPage.objects.none()
    if can_add:
        from cabinet.models.ballots import BallotIndexPage

        index = BallotIndexPage.objects.first()
    return TemplateResponse(
        request,
        "cabinet/ballots/list.html",
        {
            "rows": rows,
            "is_member_view": bool(member_id)
            and not ballot_policy.user_follows_ballots(request.user),
            "index": index,
        },
    )


def _resolution_context(ballot, user, tally) -> dict:
    """A passed, closed ballot leads to a resolution: its draft, or the button that
    drafts it (workflow 5) for those who draft."""
    from cabinet.models import ResolutionPage
    from cabinet.permissions import Action, cabinet_policy

    if not (ballot.closed_at and ballot.passed and tally):
        return {}
    resolution = ResolutionPage.objects.filter(source_page=ballot).first()
    agree = min(q.agree for q in tally.questions)
    members = tally.member_count
    return {
        "resolution": resolution,
        "can_draft_resolution": resolution is None
        and cabinet_policy.user_has_permission(user, Action.DRAFT),
        "result_summary": f"{agree}/{members} Thành viên Chính phủ đồng ý",
    }


def _detail_context(request, ballot, *, answer_form=None, review_form=None):
    user = request.user
    member_id = ballot_policy.reading_member_id(user)
    follows = ballot_policy.user_follows_ballots(user)
    my_answer = None
    versions = []
    if member_id:
        my_answer = (
            BallotAnswer.objects.filter(ballot=ballot, member_id=member_id)
            .prefetch_related("choices", "versions")
            .first()
        )
        versions = list(my_answer.versions.all()) if my_answer else []
    can_answer = ballot_policy.user_has_permission_for_instance(user, "answer", ballot)
    refusal = services.answer_refusal(ballot=ballot, user=user) if can_answer else ""
    if can_answer and not refusal and answer_form is None:
        initial = (
            {c.question_id: c.choice for c in my_answer.choices.all()}
            if my_answer
            else {}
        )
        answer_form = AnswerForm(
            questions=ballot.questions.all(),
            initial_choices=initial,
            initial={"comment": my_answer.comment if my_answer else ""},
        )
    review = None
    state = ballot.current_workflow_task_state
    if state is not None:
        task = state.task.specific
        actions = task.get_actions(ballot, user)
        if actions:
            review = {
                "task": task,
                "actions": [name for name, _label, _modal in actions],
                "needs_code": isinstance(task, OTPApprovalTask),
                "form": review_form or ReviewForm(),
            }
    my_choices = (
        {c.question_id: c.get_choice_display() for c in my_answer.choices.all()}
        if my_answer
        else {}
    )
    tally = ballot_tally(ballot=ballot) if ballot.issued_at else None
    return {
        **_resolution_context(ballot, user, tally),
        "ballot": ballot,
        "questions": [
            {"question": q, "my_choice": my_choices.get(q.pk)}
            for q in ballot.questions.all()
        ],
        "documents": documents_of(ballot, user),
        "my_attachments": attachments_of(my_answer, user),
        "upload_form": DocumentUploadForm()
        if follows and ballot.user_can_upload_documents(user)
        else None,
        "tally": tally,
        "my_answer": my_answer,
        "versions": versions,
        "answer_form": answer_form if can_answer and not refusal else None,
        "is_assistant_view": bool(member_id) and member_id != user.pk,
        "refusal": refusal if can_answer else "",
        "follows": follows,
        "review": review,
        "history": ballot_history(ballot=ballot) if follows else [],
        "can_withdraw": ballot.status == BallotPage.Status.OPEN
        and ballot_policy.user_has_permission(user, "withdraw"),
        "withdraw_form": WithdrawForm(),
        "workflow_state": ballot.current_workflow_state,
        "can_submit": follows
        and ballot.status == BallotPage.Status.DRAFT
        and (
            ballot.current_workflow_state is None
            or ballot.current_workflow_state.status == "needs_changes"
        )
        and ballot.permissions_for_user(user).can_submit_for_moderation(),
    }


def ballot_detail(request, ballot_id: int):
    ballot = _ballot_for(request, ballot_id)
    _close_if_due(ballot)
    refused = request.GET.get("refused")
    if refused:
        messages.error(request, refused[:500])
    return TemplateResponse(
        request, "cabinet/ballots/detail.html", _detail_context(request, ballot)
    )


def _close_if_due(ballot):
    """The scheduled close may not have run yet (worker down): close on sight."""
    if ballot_should_close(ballot=ballot):
        services.ballot_close_due(ballot_id=ballot.pk)
        ballot.refresh_from_db()


@require_POST
def ballot_answer_view(request, ballot_id: int):
    ballot = _ballot_for(request, ballot_id)
    form = AnswerForm(request.POST, request.FILES, questions=ballot.questions.all())
    if form.is_valid():
        try:
            answer = services.ballot_answer(
                user=request.user,
                ballot=ballot,
                choices=form.choices(),
                comment=form.cleaned_data["comment"],
                code=form.cleaned_data["otp_code"],
                attachments=form.cleaned_data["attachments"],
                request=request,
            )
        except (OTPError, ValidationError, PermissionDenied) as error:
            error_text = _messages_of(error)
            form.add_error(None, error_text)
        else:
            messages.success(
                request,
                _("Your answer is recorded (version %(version)s). Receipt: %(receipt)s")
                % {"version": answer.version, "receipt": answer.receipt},
            )
            return redirect(ballot.get_admin_url())
    else:
        error_text = " ".join(" ".join(e) for e in form.errors.values())
    ballot.refresh_from_db()
    context = _detail_context(request, ballot, answer_form=form)
    if context["answer_form"] is None:
        context["answer_error"] = error_text
    return TemplateResponse(request, "cabinet/ballots/detail.html", context, status=400)


@require_POST
def ballot_review_view(request, ballot_id: int, action: str):
    ballot = _ballot_for(request, ballot_id, "follow")
    form = ReviewForm(request.POST)
    form.is_valid()
    try:
        services.ballot_review(
            user=request.user,
            ballot=ballot,
            action=action,
            comment=form.cleaned_data.get("comment", ""),
            code=form.cleaned_data.get("otp_code", ""),
            request=request,
        )
    except (OTPError, ValidationError, PermissionDenied) as error:
        form.add_error(None, _messages_of(error))
        context = _detail_context(request, ballot, review_form=form)
        return TemplateResponse(
            request, "cabinet/ballots/detail.html", context, status=400
        )
    ballot.refresh_from_db()
    if ballot.issued_at:
        messages.success(
            request,
            _("The ballot is issued to %(n)s members.") % {"n": ballot.member_count},
        )
    elif action == "approve":
        messages.success(request, _("Approved; the ballot goes to the next step."))
    else:
        messages.success(request, _("Sent back to the drafter with your comment."))
    return redirect(ballot.get_admin_url())


@require_POST
def ballot_submit_view(request, ballot_id: int):
    ballot = _ballot_for(request, ballot_id, "follow")
    try:
        services.ballot_submit(user=request.user, ballot=ballot, request=request)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _messages_of(error))
    else:
        messages.success(request, _("The ballot was sent for approval."))
    return redirect(ballot.get_admin_url())


def ballot_board_view(request, ballot_id: int):
    ballot = _ballot_for(request, ballot_id, "follow")
    _close_if_due(ballot)
    template = (
        "cabinet/ballots/_board.html"
        if request.GET.get("fragment")
        else "cabinet/ballots/board.html"
    )
    rows = ballot_board(ballot=ballot)
    now = timezone.now()
    return TemplateResponse(
        request,
        template,
        {
            "ballot": ballot,
            "rows": rows,
            "questions": list(ballot.questions.all()),
            "tally": ballot_tally(ballot=ballot) if ballot.issued_at else None,
            "time_left": ballot.deadline - now if ballot.deadline > now else None,
            "overdue_count": sum(1 for r in rows if r.overdue),
            "refreshed_at": now,
        },
    )


@require_POST
def ballot_remind_view(request, ballot_id: int):
    ballot = _ballot_for(request, ballot_id, "follow")
    try:
        n = services.ballot_remind(user=request.user, ballot=ballot, request=request)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _messages_of(error))
    else:
        messages.success(
            request,
            ngettext(
                "A reminder was sent to %(n)s member.",
                "A reminder was sent to %(n)s members.",
                n,
            )
            % {"n": n}
            if n
            else _("Every member has answered: nobody to remind."),
        )
    return redirect("ecabinet_ballot_board", ballot.pk)


@require_POST
def ballot_withdraw_view(request, ballot_id: int):
    ballot = _ballot_for(request, ballot_id, "withdraw")
    form = WithdrawForm(request.POST)
    try:
        services.ballot_withdraw(
            user=request.user,
            ballot=ballot,
            reason=form.data.get("reason", ""),
            request=request,
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _messages_of(error))
    else:
        messages.success(request, _("The ballot was withdrawn."))
    return redirect(ballot.get_admin_url())


def ballot_report_pdf(request, ballot_id: int):
    from cabinet.ballots.report import report_pdf

    ballot = _ballot_for(request, ballot_id, "follow")
    if not ballot.issued_at:
        raise Http404
    response = HttpResponse(report_pdf(ballot=ballot), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="tong-hop-y-kien-{ballot.pk}.pdf"'
    )
    return response


def ballot_report_csv(request, ballot_id: int):
    from cabinet.ballots.report import report_csv

    ballot = _ballot_for(request, ballot_id, "follow")
    if not ballot.issued_at:
        raise Http404
    response = HttpResponse(
        report_csv(ballot=ballot), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="tong-hop-y-kien-{ballot.pk}.csv"'
    )
    return response
