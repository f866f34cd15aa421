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
