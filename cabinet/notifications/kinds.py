"""The kinds of message, each a set of templates rendered in the recipient's language.

``cabinet/templates/cabinet/notifications/<kind>/`` holds ``subject.txt`` (one line),
``body.txt`` (the e-mail) and ``short.txt`` (the SMS and the in-app line, at most 320
characters). Templates receive the notification's ``context`` and ``recipient``.
"""

import unicodedata
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

KINDS = (
    "ballot_issued",
    "invitation",
    "programme_changed",
    "dossier_updated",
    "reminder",
    "overdue",
    "overdue_staff",
    "digest",
    "test",
)


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    short: str


def _render(kind: str, part: str, context: dict) -> str:
    text = render_to_string(f"cabinet/notifications/{kind}/{part}.txt", context)
    return unicodedata.normalize("NFC", text.strip())


def render(kind: str, *, language: str, context: dict, recipient) -> Rendered:
    if kind not in KINDS:
        raise ValueError(f"Unknown notification kind {kind!r}")
    with translation.override(language):
        data = {**context, "recipient": recipient}
        subject = " ".join(_render(kind, "subject", data).split())
        if context.get("copy_for"):
            subject = _("[Copy for %(name)s] %(subject)s") % {
                "name": context["copy_for"],
                "subject": subject,
            }
        return Rendered(
            subject=subject[:255],
            body=_render(kind, "body", data),
            short=" ".join(_render(kind, "short", data).split())[:320],
        )
