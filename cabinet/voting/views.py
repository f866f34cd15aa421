"""Admin screens of a live session: the chair's and secretariat's console, the
member's live view (phone, tablet, desktop; in the room or remote), the projector,
the JSON state they poll, receipts, minutes and meeting-time analytics.

Live updates are by polling a small JSON state every two seconds, not server-sent
events: under WSGI each open event stream would hold a worker thread for the whole
session (27 members, the chair, the projector and the secretariat would pin 30
workers), whereas a poll is one short request that any worker answers and any cache
or proxy in front can absorb. Thin views: each POST calls one service.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from cabinet.models import (
    AgendaItemPage,
    Choice,
    ItemRecord,
    Minutes,
    Poll,
    Presence,
    SessionPage,
    SpeakRequest,
)
from cabinet.otp import OTPError
from cabinet.sessions.selectors import consent_block, user_reads_session
from cabinet.voting import selectors, services
from cabinet.voting.minutes import minutes_pdf

TEMPLATES = "cabinet/voting"


def _session(session_id) -> SessionPage:
    return get_object_or_404(SessionPage, pk=session_id)


def _require_runs(request, session):
    if not services.user_runs_session(request.user, session):
        raise PermissionDenied


def _require_reads(request, session):
    if not (
        services.user_runs_session(request.user, session)
        or user_reads_session(request.user, session)
    ):
        raise Http404


def _error(request, exc):
    if isinstance(exc, ValidationError):
        messages.error(request, " ".join(exc.messages))
    elif isinstance(exc, OTPError):
        messages.error(request, exc.message)
    else:
        messages.error(request, str(exc) or _("You are not allowed to do this."))


def _item(session, pk) -> AgendaItemPage:
    item = (
        AgendaItemPage.objects.child_of(session).filter(pk=pk).specific().first()
        if str(pk or "").isdigit()
        else None
    )
    if item is None:
        raise ValidationError(_("Choose an item of the programme."))
    return item


# --- the console ---------------------------------------------------------------


class PollForm(forms.Form):
    question = forms.CharField(
        label=gettext_lazy("Question put to the vote"), required=False, max_length=500
    )
    allow_change = forms.BooleanField(
        label=gettext_lazy("Members may change their vote until the close"),
        required=False,
        initial=True,
    )


@require_http_methods(["GET", "POST"])
def console(request, session_id):
    session = _session(session_id)
    _require_runs(request, session)
    if request.method == "POST":
        return _console_post(request, session)
    record = services.record_of(session)
    items = session.items
    item_records = {r.item_id: r for r in ItemRecord.objects.filter(item__in=items)}
    block = consent_block(session)
    pending_block = [
        i for i in block if not getattr(item_records.get(i.pk), "outcome", "")
    ]
    current = record.current_item
    speakers = (
        list(
            SpeakRequest.objects.filter(item=current)
            .exclude(state=SpeakRequest.State.WITHDRAWN)
            .select_related("speaker")
        )
        if current
        else []
    )
    return TemplateResponse(
        request,
        f"{TEMPLATES}/console.html",
        {
            "session": session,
            "record": record,
            "quorum": services.quorum_of(session),
            "participants": selectors.participants_with_presence(session),
            "presences": Presence.choices,
            "rows": [(i, item_records.get(i.pk)) for i in items],
            "consent_block": pending_block,
            "speakers": speakers,
            "poll": selectors.open_poll(session),
            "current_record": item_records.get(current.pk) if current else None,
            "poll_form": PollForm(
                initial={
                    "question": _("Adopt: %(title)s") % {"title": current.title}
                    if current
                    else ""
                }
            ),
            "minutes": Minutes.objects.filter(session=session).first(),
        },
    )


def _console_post(request, session):
    user = request.user
    action = request.POST.get("action", "")
    back = reverse("ecabinet_session_console", args=[session.pk])
    try:
        if action == "attendance":
            presences = {}
            for key, value in request.POST.items():
                if key.startswith("presence-") and key[9:].isdigit():
                    presences[int(key[9:])] = value
            changed = services.attendance_record_many(
                user=user, session=session, presences=presences, request=request
            )
            messages.success(
                request, _("Attendance saved (%(n)s changes).") % {"n": changed}
            )
        elif action == "open":
            services.session_open(user=user, session=session, request=request)
            messages.success(request, _("The session is open."))
        elif action == "item":
            item = _item(session, request.POST.get("item"))
            services.item_start(user=user, session=session, item=item, request=request)
            messages.success(request, _("Now: %(item)s") % {"item": item.title})
        elif action == "consent":
            adopted = services.consent_block_adopt(
                user=user, session=session, request=request
            )
            messages.success(
                request,
                _("The consent block was adopted: %(n)s items.") % {"n": len(adopted)},
            )
        elif action in ("floor", "end"):
            speak = get_object_or_404(
                SpeakRequest,
                pk=request.POST.get("speak") or 0,
                item__in=session.get_children(),
            )
            service = (
                services.speaker_floor if action == "floor" else services.speaker_end
            )
            service(user=user, speak=speak, request=request)
        elif action == "order":
            item = _item(session, request.POST.get("item"))
            order = [int(x) for x in request.POST.getlist("speak") if x.isdigit()]
            services.speakers_order(user=user, item=item, order=order, request=request)
        elif action == "poll_open":
            item = _item(session, request.POST.get("item"))
            form = PollForm(request.POST)
            form.is_valid()
            services.poll_open(
                user=user,
                item=item,
                question=form.cleaned_data.get("question", ""),
                allow_change=form.cleaned_data.get("allow_change", False),
                request=request,
            )
            messages.success(request, _("The vote is open."))
        elif action == "poll_close":
            poll = get_object_or_404(
                Poll, pk=request.POST.get("poll") or 0, item__in=session.get_children()
            )
            poll = services.poll_close(user=user, poll=poll, request=request)
            messages.success(request, services.result_text(poll))
        elif action == "close":
            services.session_close(user=user, session=session, request=request)
            messages.success(request, _("The session is closed."))
        else:
            raise ValidationError(_("Unknown action."))
    except (ValidationError, PermissionDenied) as exc:
        _error(request, exc)
    return redirect(back)


# --- the member's live view --------------------------------------------------------


@require_http_methods(["GET", "POST"])
def live(request, session_id):
    session = _session(session_id)
    _require_reads(request, session)
    if request.method == "POST":
        return _live_post(request, session)
    participant = session.participants.filter(user=request.user).first()
    return TemplateResponse(
        request,
        f"{TEMPLATES}/live.html",
        {
            "session": session,
            "state": selectors.live_state(session=session, user=request.user),
            "participant": participant,
            "choices": Choice.choices,
            "remote": request.GET.get("remote") == "1",
        },
    )


def _live_post(request, session):
    user = request.user
    action = request.POST.get("action", "")
    remote = request.POST.get("remote") == "1"
    back = reverse("ecabinet_session_live", args=[session.pk]) + (
        "?remote=1" if remote else ""
    )
    try:
        if action == "vote":
            poll = get_object_or_404(
                Poll.objects.select_related("item"),
                pk=request.POST.get("poll") or 0,
                item__path__startswith=session.path,
                item__depth=session.depth + 1,
            )
            vote = services.vote_cast(
                user=user,
                poll=poll,
                choice=request.POST.get("choice", ""),
                code=request.POST.get("code", ""),
                remote=remote,
                request=request,
            )
            messages.success(
                request,
                _("Your vote (%(choice)s) was recorded. Receipt: %(receipt)s")
                % {"choice": vote.get_choice_display(), "receipt": vote.receipt},
            )
        elif action == "speak":
            item = _item(session, request.POST.get("item"))
            services.speak_request(user=user, item=item, request=request)
            messages.success(request, _("Your request to speak was registered."))
        elif action == "withdraw":
            speak = get_object_or_404(SpeakRequest, pk=request.POST.get("speak") or 0)
            services.speak_withdraw(user=user, speak=speak, request=request)
            messages.success(request, _("Your request to speak was withdrawn."))
        else:
            raise ValidationError(_("Unknown action."))
    except (ValidationError, PermissionDenied, OTPError) as exc:
        _error(request, exc)
    return redirect(back)


@require_GET
def state(request, session_id):
    session = _session(session_id)
    _require_reads(request, session)
    response = JsonResponse(selectors.live_state(session=session, user=request.user))
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def projector(request, session_id):
    session = _session(session_id)
    _require_runs(request, session)
    return TemplateResponse(
        request,
        f"{TEMPLATES}/projector.html",
        {
            "session": session,
            "state": selectors.live_state(session=session, user=request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def receipt(request, poll_id):
    poll = get_object_or_404(Poll.objects.select_related("item"), pk=poll_id)
    session = SessionPage.objects.ancestor_of(poll.item).get()
    _require_reads(request, session)
    value = (request.POST.get("receipt") or request.GET.get("receipt") or "").strip()
    check = selectors.receipt_check(poll=poll, receipt=value) if value else None
    return TemplateResponse(
        request,
        f"{TEMPLATES}/receipt.html",
        {"poll": poll, "session": session, "value": value, "check": check},
    )


# --- minutes -------------------------------------------------------------------


class MinutesForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Text of the minutes"),
        widget=forms.Textarea(attrs={"rows": 30}),
    )


@require_http_methods(["GET", "POST"])
def minutes(request, session_id):
    session = _session(session_id)
    _require_runs(request, session)
    back = reverse("ecabinet_session_minutes", args=[session.pk])
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "generate":
                services.minutes_draft(
                    user=request.user, session=session, request=request
                )
                messages.success(
                    request, _("The draft minutes were generated from the record.")
                )
            elif action == "save":
                services.minutes_update(
                    user=request.user,
                    session=session,
                    text=request.POST.get("text", ""),
                    request=request,
                )
                messages.success(request, _("The draft minutes were saved."))
            elif action == "finalise":
                services.minutes_finalise(
                    user=request.user, session=session, request=request
                )
                messages.success(request, _("The minutes are final."))
            else:
                raise ValidationError(_("Unknown action."))
        except ValidationError as exc:
            _error(request, exc)
            if action == "save":
                # keep what was typed: nothing the secretariat wrote is lost
                return TemplateResponse(
                    request,
                    f"{TEMPLATES}/minutes.html",
                    {
                        "session": session,
                        "minutes": Minutes.objects.filter(session=session).first(),
                        "form": MinutesForm(request.POST),
                    },
                )
        return redirect(back)
    current = Minutes.objects.filter(session=session).first()
    return TemplateResponse(
        request,
        f"{TEMPLATES}/minutes.html",
        {
            "session": session,
            "minutes": current,
            "form": MinutesForm(initial={"text": current.text}) if current else None,
        },
    )


@require_GET
def minutes_download(request, session_id):
    session = _session(session_id)
    _require_reads(request, session)
    current = Minutes.objects.filter(session=session).first()
    if current is None:
        raise Http404
    response = HttpResponse(minutes_pdf(current), content_type="application/pdf")
    suffix = "" if current.state == Minutes.State.FINAL else "-du-thao"
    response["Content-Disposition"] = (
        f'inline; filename="bien-ban-{session.slug}{suffix}.pdf"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- analytics -------------------------------------------------------------------


@require_GET
def analytics(request, session_id=None):
    from cabinet.permissions import Action, cabinet_policy

    if session_id is not None:
        session = _session(session_id)
        _require_runs(request, session)
        times = selectors.session_times(session)
        return TemplateResponse(
            request,
            f"{TEMPLATES}/analytics_session.html",
            {"session": session, "times": times},
        )
    if not cabinet_policy.user_has_permission(request.user, Action.MANAGE_SESSION):
        raise PermissionDenied
    held = selectors.sessions_held()
    longest = max([max(t.planned_seconds, t.actual_seconds) for t in held] or [1])
    bars = []
    for index, times in enumerate(held):
        planned_h = round(180 * times.planned_seconds / longest)
        actual_h = round(180 * times.actual_seconds / longest)
        bars.append(
            {
                "x": 20 + 100 * index,
                "x2": 55 + 100 * index,
                "planned_h": planned_h,
                "planned_y": 200 - planned_h,
                "actual_h": actual_h,
                "actual_y": 200 - actual_h,
                "planned_min": round(times.planned_seconds / 60),
                "actual_min": round(times.actual_seconds / 60),
                "label": times.session.starts_at.strftime("%m/%Y"),
            }
        )
    return TemplateResponse(
        request,
        f"{TEMPLATES}/analytics.html",
        {"held": held, "bars": bars, "chart_width": max(300, 100 * len(held) + 40)},
    )
