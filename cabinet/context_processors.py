import unicodedata

from django.conf import settings


def interface_languages(request):
    """The language switch's choices, each in its own language.

    Not Django's ``name_local``: its Vietnamese entry is stored decomposed (NFD), which
    renders and matches differently from the NFC text everywhere else.
    """
    return {
        "interface_languages": [
            (code, unicodedata.normalize("NFC", name))
            for code, name in settings.LANGUAGES
        ]
    }


def reading_room(request):
    """The link to the members' reading room, lazily (only pages that show it query)."""
    from django.utils.functional import SimpleLazyObject

    def url():
        from cabinet.models import SessionIndexPage

        index = SessionIndexPage.objects.live().first()
        return index.url if index is not None else ""

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"reading_room_url": SimpleLazyObject(url)}
