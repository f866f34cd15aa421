"""The cabinet app's models, one module per concern, all re-exported here."""

from cabinet.models.government import HomePage, Ministry, Person
from cabinet.models.notifications import (
    Channel,
    Delivery,
    Notification,
    NotificationPreference,
    Urgency,
)
from cabinet.models.resolutions import (
    ResolutionAttachment,
    ResolutionIndexPage,
    ResolutionNumber,
    ResolutionPage,
    SignResolutionTask,
)
from cabinet.models.sessions import (
    AgendaItemPage,
    DossierPage,
    ItemPosition,
    Participant,
    SessionIndexPage,
    SessionPage,
    SessionVisit,
)
from cabinet.models.voting import (
    Attendance,
    Choice,
    ItemRecord,
    Minutes,
    Poll,
    Presence,
    SessionRecord,
    SpeakRequest,
    Vote,
    VoteEntry,
)

__all__ = [
    "ResolutionAttachment",
    "ResolutionIndexPage",
    "ResolutionNumber",
    "ResolutionPage",
    "SignResolutionTask",
    "Attendance",
    "Choice",
    "ItemRecord",
    "Minutes",
    "Poll",
    "Presence",
    "SessionRecord",
    "SpeakRequest",
    "Vote",
    "VoteEntry",
    "AgendaItemPage",
    "DossierPage",
    "ItemPosition",
    "Participant",
    "SessionIndexPage",
    "SessionPage",
    "SessionVisit",
    "Channel",
    "Delivery",
    "HomePage",
    "Ministry",
    "Notification",
    "NotificationPreference",
    "Person",
    "Urgency",
]
