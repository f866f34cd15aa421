"""How sensitive a document is, and who may read it at each level.

Three levels live in the system: public, internal (the Government's working material)
and confidential (restricted to the people named on it). State secrets (mật, tối mật,
tuyệt mật) never enter the system at all (DOMAIN.md): :data:`SECRET` is therefore not
a choice, and :func:`classification_validate` refuses it however it is spelt, with a
message that tells the uploader what to do instead.
"""

import re
import unicodedata
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from cabinet.models import Ministry
from cabinet.permissions import Action, NamedReaders, cabinet_policy


class Classification(models.TextChoices):
    PUBLIC = "public", _("Public")
    INTERNAL = "internal", _("Internal")
    CONFIDENTIAL = "confidential", _("Confidential")


# Named so that code can refuse it by name; deliberately not a Classification member.
SECRET = "secret"

# The state-secret levels, folded by _fold: the Law on Protection of State Secrets'
# "Mật", "Tối mật", "Tuyệt mật", the generic "bí mật nhà nước", and English spellings.
SECRET_SPELLINGS = frozenset(
    {
        "secret",
        "top secret",
        "state secret",
        "mat",
        "toi mat",
        "tuyet mat",
        "bi mat",
        "bi mat nha nuoc",
    }
)

SECRET_REFUSED = _(
    "State secrets never enter e-Cabinet: this document must not be uploaded. "
    "Hand it over through the secure channel instead."
)
UNKNOWN_CLASSIFICATION = _(
    "“%(value)s” is not a classification. Choose one of: %(choices)s."
)


def _fold(value: str) -> str:
    """Lower case, without diacritics ("đ" as "d"), separators as single spaces."""
    decomposed = unicodedata.normalize("NFD", value.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    bare = bare.replace("đ", "d")
    return re.sub(r"[\s_\-]+", " ", bare).strip()


def classification_validate(value: str) -> Classification:
    """The classification ``value`` names; ``ValidationError`` for secrets and typos.

    Accepts the stored values in any case. A state-secret level is refused with code
    ``"secret"`` before anything else, so no spelling of it can be stored.
    """
    folded = _fold(value) if isinstance(value, str) else ""
    if folded in SECRET_SPELLINGS:
        raise ValidationError(SECRET_REFUSED, code="secret")
    try:
        return Classification(folded)
    except ValueError:
        raise ValidationError(
            UNKNOWN_CLASSIFICATION,
            code="invalid",
            params={
                "value": value,
                "choices": ", ".join(str(label) for label in Classification.labels),
            },
        ) from None


def can_read(
    user,
    *,
    classification: str,
    named_readers: Iterable = (),
    ministry: Ministry | None = None,
) -> bool:
    """Whether ``user`` may read a document of this classification.

    Public: anyone, anonymous visitors included. Internal: whoever may read dossiers;
    ``ministry``, the ministry the document came from, lets that ministry's focal
    officers read it too. Confidential: only ``named_readers`` (users, user ids or a
    user QuerySet) and the assistants of named members.

    A value that is not a valid classification (a secret, a typo) is refused rather
    than raised: a read check must fail closed, never open and never break a listing.
    """
    try:
        level = Classification(classification)
    except ValueError:
        return False
    if level == Classification.PUBLIC:
        return True
    if level == Classification.INTERNAL:
        return cabinet_policy.user_has_permission(user, Action.READ_DOSSIER, ministry)
    return cabinet_policy.user_has_permission(
        user, Action.READ_CONFIDENTIAL, NamedReaders(named_readers)
    )
