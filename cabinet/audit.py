"""The audit trail: every state change of the domain writes a Wagtail log entry.

Entries go through Wagtail's ``log()`` so they show in each object's history and in
the site history report; the application never edits them. Each entry records who
(the user), what (the action and its data), when (Wagtail's timestamp) and from where
(IP address and user agent of the request, when there is one).
"""

from django.utils.functional import LazyObject
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log

# action -> (label in the history filters, message in the history listing)
ACTIONS: dict[str, tuple[str, str]] = {
    "ecabinet.login": (_("Sign-in"), _("Signed in")),
    "ecabinet.login_failed": (_("Failed sign-in"), _("Sign-in refused")),
    "ecabinet.otp_confirmed": (
        _("One-time code accepted"),
        _("One-time code accepted"),
    ),
    "ecabinet.otp_failed": (_("One-time code refused"), _("One-time code refused")),
    "ecabinet.api_token_issue": (
        _("App signed in"),
        _("An access token was issued to a device"),
    ),
    "ecabinet.api_token_revoke": (
        _("App signed out"),
        _("A device's access token was revoked"),
    ),
    "ecabinet.otp_enrolled": (_("Authenticator enrolled"), _("Authenticator enrolled")),
    "ecabinet.otp_backup_codes": (
        _("Backup codes generated"),
        _("New backup codes generated"),
    ),
    "ecabinet.delivery_resend": (
        _("Delivery resent"),
        _("A failed delivery was sent again"),
    ),
    "ecabinet.otp_reset": (
        _("Authenticator reset"),
        _("Authenticator reset by an administrator"),
    ),
    "ecabinet.document_upload": (_("Document uploaded"), _("Document uploaded")),
    "ecabinet.document_replace": (
        _("Document replaced"),
        _("A new version of the document was uploaded"),
    ),
    "ecabinet.document_approve": (
        _("Document approved"),
        _("Document version approved for members"),
    ),
    "ecabinet.document_open_confidential": (
        _("Confidential document opened"),
        _("Confidential document opened"),
    ),
    "ecabinet.session_composition": (
        _("Composition changed"),
        _("The session's composition was changed"),
    ),
    "ecabinet.session_issue": (
        _("Session issued"),
        _("The programme was approved and the session issued"),
    ),
    "ecabinet.position_set": (
        _("Position marked"),
        _("A member marked their position on an item"),
    ),
    "ecabinet.annotation_create": (_("Note written"), _("Note written")),
    "ecabinet.annotation_update": (_("Note changed"), _("Note changed")),
    "ecabinet.annotation_delete": (_("Note deleted"), _("Note deleted")),
    # --- resolutions ---
    "ecabinet.resolution_draft": (
        _("Resolution drafted"),
        _("A resolution was drafted from a result"),
    ),
    "ecabinet.resolution_submit": (
        _("Resolution submitted"),
        _("The resolution was submitted for approval"),
    ),
    "ecabinet.resolution_sign": (
        _("Resolution signed"),
        _("The resolution was numbered and digitally signed"),
    ),
    "ecabinet.resolution_sign_failed": (
        _("Signing failed"),
        _("Signing the resolution failed; nothing was signed"),
    ),
    "ecabinet.resolution_publish": (
        _("Resolution published"),
        _("The signed resolution was published on the portal"),
    ),
    # --- Live session and e-voting (issue 7) ---
    "ecabinet.attendance_record": (
        _("Attendance recorded"),
        _("A participant's presence was recorded"),
    ),
    "ecabinet.attendance_check_in": (
        _("Remote check-in"),
        _("A member checked in remotely"),
    ),
    "ecabinet.session_open": (_("Session opened"), _("The session was opened")),
    "ecabinet.session_close": (_("Session closed"), _("The session was closed")),
    "ecabinet.item_start": (_("Item taken up"), _("The session moved to this item")),
    "ecabinet.consent_block_adopt": (
        _("Consent block adopted"),
        _("The consent block was adopted in one step"),
    ),
    "ecabinet.speak_request": (_("Floor requested"), _("A request to speak")),
    "ecabinet.speak_withdraw": (
        _("Request to speak withdrawn"),
        _("A request to speak was withdrawn"),
    ),
    "ecabinet.speakers_order": (
        _("Speakers ordered"),
        _("The chair ordered the speakers"),
    ),
    "ecabinet.speaker_floor": (_("Floor given"), _("The chair gave the floor")),
    "ecabinet.speaker_end": (_("Speech ended"), _("A speaker's time ended")),
    "ecabinet.poll_open": (_("Vote opened"), _("A vote was opened")),
    "ecabinet.vote_cast": (_("Vote cast"), _("A member voted")),
    "ecabinet.poll_close": (_("Vote closed"), _("A vote was closed")),
    "ecabinet.minutes_draft": (
        _("Minutes drafted"),
        _("Draft minutes generated from the record"),
    ),
    "ecabinet.minutes_update": (
        _("Minutes edited"),
        _("The draft minutes were edited"),
    ),
    "ecabinet.minutes_finalise": (
        _("Minutes finalised"),
        _("The minutes were finalised"),
    ),
    # --- opinion ballots (cabinet/ballots) ---
    "ecabinet.ballot_issued": (_("Ballot issued"), _("Ballot issued to the members")),
    "ecabinet.ballot_answered": (_("Ballot answered"), _("A member answered")),
    "ecabinet.ballot_answer_changed": (
        _("Ballot answer changed"),
        _("A member changed their answer"),
    ),
    "ecabinet.ballot_reminded": (
        _("Ballot reminder"),
        _("Members who had not answered were reminded"),
    ),
    "ecabinet.ballot_withdrawn": (_("Ballot withdrawn"), _("Ballot withdrawn")),
    "ecabinet.ballot_closed": (_("Ballot closed"), _("Ballot closed with its result")),
    "ecabinet.resolution_drafted": (
        _("Draft resolution created"),
        _("A draft resolution was created from the ballot's result"),
    ),
}


def request_origin(request) -> dict[str, str]:
    """Where an action came from. Behind the TLS proxy the client is the first
    X-Forwarded-For hop; the proxy is trusted to set it (see docker/)."""
    if request is None:
        return {}
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    ip = forwarded.split(",")[0].strip() or request.META.get("REMOTE_ADDR", "")
    return {"ip": ip, "user_agent": request.META.get("HTTP_USER_AGENT", "")[:200]}


def audit_log(*, action: str, instance, user=None, request=None, **data):
    """Write one audit entry. ``data`` must never hold secrets or one-time codes.

    Raises rather than losing an entry: Wagtail's ``log()`` silently skips objects it
    has no log model for, which includes ``request.user`` (a lazy proxy) unless
    unwrapped here.
    """
    if action not in ACTIONS:
        raise ValueError(f"Unregistered audit action {action!r}")
    instance, user = _unwrap(instance), _unwrap(user)
    entry = log(instance, action, user=user, data={**data, **request_origin(request)})
    if entry is None:
        raise RuntimeError(f"No audit log model for {type(instance).__name__}")
    return entry


def _unwrap(obj):
    if isinstance(obj, LazyObject):
        obj.__class__  # noqa: B018 - evaluates the lazy object
        return obj._wrapped
    return obj
