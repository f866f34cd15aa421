from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from cabinet.services import account_language_set


@require_POST
def language_switch(request):
    """Django's ``set_language`` (cookie + redirect), also saved to the user's profile."""
    response = set_language(request)
    language = request.POST.get("language")
    if response.status_code == 302 and language in {"vi", "en"}:
        account_language_set(user=request.user, language=language)
    return response
