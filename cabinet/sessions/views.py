"""The reading room's form posts (a member's positions). The page itself renders
through ``SessionPage.serve`` with ``selectors.reading_room``."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect

from cabinet.models import AgendaItemPage
from cabinet.sessions.services import position_set


def reading_room_post(request, session):
    item_id = request.POST.get("item")
    item = (
        AgendaItemPage.objects.child_of(session).live().filter(pk=item_id).first()
        if item_id and item_id.isdigit()
        else None
    )
    if item is None:
        messages.error(request, "—")
        return redirect(session.url)
    try:
        position_set(
            user=request.user,
            item=item,
            stance=request.POST.get("stance", ""),
            comment=request.POST.get("comment", ""),
            request=request,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        from django.utils.translation import gettext as _

        messages.success(
            request, _("Your position on “%(item)s” was saved.") % {"item": item.title}
        )
    return redirect(f"{session.url}#item-{item.pk}")
