"""What intake accepts (forms), answers (views) and publishes (event payloads),
one module per form: workshops, staff, delegations, forms (program profiles,
interests, expressions of interest), review, history.

Event payload schemas are the producer's contract: docs/events/ holds their
JSON Schemas (generated from these classes by `intake.contracts`) and
examples, and contract tests load every example through these schemas and
through every consumer's reader. Use cases build events only through
`PUBLISHED.event(type, data)`, which labels each payload with the version
whose schema shaped it.
"""

from __future__ import annotations

from rueda_backbone import Published

from .archive import ArchiveImportForm, ArchiveImportView
from .base import (
    Choice,
    Email,
    ErrorField,
    ErrorView,
    Event,
    Form,
    Language,
    Line,
    Ref,
    Set,
    Text,
    no_repeats,
)
from .delegations import (
    DelegateContact,
    DelegateErased,
    DelegateForm,
    DelegatePresence,
    DelegateRef,
    DelegateView,
    DelegationContactsUpdated,
    DelegationContactsUpdatedV1,
    DelegationRegistered,
    DelegationRegisteredV1,
    DelegationRegisteredV2,
    DelegationRegistrationForm,
    DelegationView,
    DelegationWithdrawn,
    ErasureView,
)
from .forms import (
    FORMS,
    ExpressionOfInterestForm,
    ExpressionOfInterestSubmitted,
    ExpressionOfInterestSubmittedV1,
    ExpressionOfInterestWithdrawn,
    FormListView,
    FormView,
    InterestForm,
    InterestSubmitted,
    InterestSubmittedV1,
    InterestWithdrawn,
    ProgramProfileForm,
    ProgramSubmitted,
    ProgramSubmittedV1,
    ProgramSubmittedV2,
    ProgramWithdrawn,
    RoundForm,
    RoundRef,
)
from .history import VersionsView, VersionView
from .reminders import ReminderForm, ReminderView, SubmissionReminderRequested
from .review import ProgramReviewed, ReviewForm, ReviewView
from .staff import StaffContactsUpdated, StaffForm, StaffMemberRegistered, StaffView
from .workshops import (
    Deadlines,
    DeadlinesForm,
    LateWindow,
    LateWindowForm,
    SessionForm,
    SessionRef,
    WorkshopForm,
    WorkshopPublished,
    WorkshopView,
)

PUBLISHED = Published(
    {
        ("workshop_published", 1): WorkshopPublished,
        ("delegation_registered", 1): DelegationRegisteredV1,
        ("delegation_registered", 2): DelegationRegisteredV2,
        ("delegation_registered", 3): DelegationRegistered,
        ("delegation_withdrawn", 1): DelegationWithdrawn,
        ("delegation_contacts_updated", 1): DelegationContactsUpdatedV1,
        ("delegation_contacts_updated", 2): DelegationContactsUpdated,
        ("delegate_erased", 1): DelegateErased,
        ("staff_member_registered", 1): StaffMemberRegistered,
        ("staff_contacts_updated", 1): StaffContactsUpdated,
        ("program_submitted", 1): ProgramSubmittedV1,
        ("program_submitted", 2): ProgramSubmittedV2,
        ("program_submitted", 3): ProgramSubmitted,
        ("program_withdrawn", 1): ProgramWithdrawn,
        ("program_reviewed", 1): ProgramReviewed,
        ("interest_submitted", 1): InterestSubmittedV1,
        ("interest_submitted", 2): InterestSubmitted,
        ("interest_withdrawn", 1): InterestWithdrawn,
        ("expression_of_interest_submitted", 1): ExpressionOfInterestSubmittedV1,
        ("expression_of_interest_submitted", 2): ExpressionOfInterestSubmitted,
        ("expression_of_interest_withdrawn", 1): ExpressionOfInterestWithdrawn,
        ("submission_reminder_requested", 1): SubmissionReminderRequested,
    },
    retired={
        # no longer published; kept for the contract tests and for consumers that
        # may still hold them (their docs/events files were written by hand)
        ("delegation_registered", 1),
        ("delegation_contacts_updated", 1),
        ("program_submitted", 1),
        # superseded by the versions above; their files stay as generated then
        ("delegation_registered", 2),
        ("program_submitted", 2),
        ("interest_submitted", 1),
        ("expression_of_interest_submitted", 1),
    },
)

__all__ = [
    "FORMS",
    "PUBLISHED",
    "ArchiveImportForm",
    "ArchiveImportView",
    "Choice",
    "Deadlines",
    "DeadlinesForm",
    "DelegateContact",
    "DelegateErased",
    "DelegateForm",
    "DelegatePresence",
    "DelegateRef",
    "DelegateView",
    "DelegationContactsUpdated",
    "DelegationContactsUpdatedV1",
    "DelegationRegistered",
    "DelegationRegisteredV1",
    "DelegationRegisteredV2",
    "DelegationRegistrationForm",
    "DelegationView",
    "DelegationWithdrawn",
    "Email",
    "ErasureView",
    "ErrorField",
    "ErrorView",
    "Event",
    "ExpressionOfInterestForm",
    "ExpressionOfInterestSubmitted",
    "ExpressionOfInterestSubmittedV1",
    "ExpressionOfInterestWithdrawn",
    "Form",
    "FormListView",
    "FormView",
    "InterestForm",
    "InterestSubmitted",
    "InterestSubmittedV1",
    "InterestWithdrawn",
    "Language",
    "LateWindow",
    "LateWindowForm",
    "Line",
    "ProgramProfileForm",
    "ProgramReviewed",
    "ProgramSubmitted",
    "ProgramSubmittedV1",
    "ProgramSubmittedV2",
    "ProgramWithdrawn",
    "Ref",
    "ReminderForm",
    "ReminderView",
    "ReviewForm",
    "ReviewView",
    "RoundForm",
    "RoundRef",
    "SessionForm",
    "SessionRef",
    "Set",
    "StaffContactsUpdated",
    "StaffForm",
    "SubmissionReminderRequested",
    "StaffMemberRegistered",
    "StaffView",
    "Text",
    "VersionView",
    "VersionsView",
    "WorkshopForm",
    "WorkshopPublished",
    "WorkshopView",
    "no_repeats",
]
