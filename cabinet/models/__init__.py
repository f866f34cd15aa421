"""The cabinet app's models, one module per concern, all re-exported here."""

from cabinet.models.ballots import (
    BallotAnswer,
    BallotAnswerChoice,
    BallotAnswerVersion,
    BallotIndexPage,
    BallotPage,
    BallotQuestion,
    BallotRecipient,
    OTPApprovalTask,
    ResolutionDraft,
)
from cabinet.models.government import HomePage, Ministry, Person
from cabinet.models.notifications import (
    Channel,
    Delivery,
    Notification,
    NotificationPreference,
    Urgency,
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

__all__ = [
    "AgendaItemPage",
    "DossierPage",
    "ItemPosition",
    "Participant",
    "SessionIndexPage",
    "SessionPage",
    "SessionVisit",
    "BallotAnswer",
    "BallotAnswerChoice",
    "BallotAnswerVersion",
    "BallotIndexPage",
    "BallotPage",
    "BallotQuestion",
    "BallotRecipient",
    "OTPApprovalTask",
    "ResolutionDraft",
    "Channel",
    "Delivery",
    "HomePage",
    "Ministry",
    "Notification",
    "NotificationPreference",
    "Person",
    "Urgency",
]
