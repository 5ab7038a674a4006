"""notify's tables: the recipients directory, what notify must remember of
workshops and schedules to write about them, and the outbox of emails."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from rueda_backbone.tables import UtcDateTime


class Base(DeclarativeBase):
    pass


class Recipient(Base):
    """A delegate or staff member notify may write to; with intake, the only
    place email addresses live."""

    __tablename__ = "recipient"

    id: Mapped[str] = mapped_column(
        sa.String(64), primary_key=True
    )  # intake's delegate or staff id
    kind: Mapped[str] = mapped_column(sa.String(16), server_default="delegate")
    delegation_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(320))
    language: Mapped[str] = mapped_column(sa.String(2))
    is_focal_point: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    roles = mapped_column(sa.JSON, nullable=False, default=list)
    active: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.true())
    version: Mapped[int] = mapped_column(sa.Integer, server_default="0")


class Delegation(Base):
    """The latest contacts revision and withdrawal seen for a delegation, so a
    late older event changes nothing."""

    __tablename__ = "delegation"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    workshop_id: Mapped[str | None] = mapped_column(sa.String(64))
    name: Mapped[str | None] = mapped_column(sa.String(300))
    # from intake's delegation_registered: what emails call it (acronym and
    # country, or region for a subregional mechanism), never its id
    acronym: Mapped[str | None] = mapped_column(sa.String(50))
    institution: Mapped[str | None] = mapped_column(sa.String(300))
    country: Mapped[str | None] = mapped_column(sa.String(100))
    region: Mapped[str | None] = mapped_column(sa.String(100))
    registration_version: Mapped[int | None] = mapped_column(sa.Integer)
    contacts_version: Mapped[int] = mapped_column(sa.Integer, default=0)
    withdrawn_version: Mapped[int | None] = mapped_column(sa.Integer)

    @property
    def withdrawn(self) -> bool:
        return (
            self.withdrawn_version is not None and self.withdrawn_version >= self.contacts_version
        )


class OptOut(Base):
    __tablename__ = "opt_out"

    recipient_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    category: Mapped[str] = mapped_column(sa.String(50), primary_key=True)


class Workshop(Base):
    __tablename__ = "workshop"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    version: Mapped[int] = mapped_column(sa.Integer)
    title: Mapped[str] = mapped_column(sa.String(300))
    time_zone: Mapped[str] = mapped_column(sa.String(64))
    languages = mapped_column(sa.JSON, nullable=False)
    deadline_programs = mapped_column(UtcDateTime())
    deadline_interests = mapped_column(UtcDateTime())
    deadline_expressions = mapped_column(UtcDateTime())


class Program(Base):
    """Titles of programs, for receipts of events that carry only ids."""

    __tablename__ = "program"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    delegation_id: Mapped[str] = mapped_column(sa.String(64))
    title: Mapped[str] = mapped_column(sa.String(300))
    version: Mapped[int] = mapped_column(sa.Integer)


class ScheduleRevision(Base):
    """Every published revision's rounds: the base a change notice compares against."""

    __tablename__ = "schedule_revision"

    workshop_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    revision: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    schedule_id: Mapped[str] = mapped_column(sa.String(64))
    delegations = mapped_column(sa.JSON, nullable=False)  # {delegation_id: name}
    rounds = mapped_column(sa.JSON, nullable=False)
    # the interests it leaves unmet, with their reasons (null before migration 0004)
    unmet = mapped_column(sa.JSON)
    correlation_id: Mapped[str] = mapped_column(sa.String(64))
    received_at = mapped_column(UtcDateTime(), nullable=False)


class DelegationAgenda(Base):
    """What a delegation was last told about the rounds, and the burst of
    changes waiting to be told (debounced until `due_at`)."""

    __tablename__ = "delegation_agenda"

    workshop_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    delegation_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    notified_revision: Mapped[int] = mapped_column(sa.Integer)
    pending_revision: Mapped[int | None] = mapped_column(sa.Integer)
    due_at = mapped_column(UtcDateTime(), index=True)


class AgendaLink(Base):
    """The unguessable address of one delegate's agenda page and calendar feed
    in one workshop: `token` is a random 256-bit opaque id, the only credential
    of the public endpoints. Deleting the row (erasure) revokes both."""

    __tablename__ = "agenda_link"
    __table_args__ = (sa.UniqueConstraint("workshop_id", "recipient_id"),)

    token: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    workshop_id: Mapped[str] = mapped_column(sa.String(64))
    recipient_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    created_at = mapped_column(UtcDateTime(), nullable=False)


class Email(Base):
    """One email to one recipient for one event: written in the handler's
    transaction, delivered by the sender, never twice (`dedup_key`)."""

    __tablename__ = "email"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    dedup_key: Mapped[str] = mapped_column(sa.String(300), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(50))
    recipient_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    to_address: Mapped[str] = mapped_column(sa.String(320))
    language: Mapped[str] = mapped_column(sa.String(2))
    subject: Mapped[str] = mapped_column(sa.String(200))
    text_body: Mapped[str] = mapped_column(sa.Text)
    html_body: Mapped[str] = mapped_column(sa.Text)
    correlation_id: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[str] = mapped_column(sa.String(16), index=True)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    next_attempt_at = mapped_column(UtcDateTime(), nullable=False)
    claimed_until = mapped_column(UtcDateTime())
    # the sender holding the claim (renewed every few seconds while it sends)
    claimed_by: Mapped[str | None] = mapped_column(sa.String(64))
    # set when an SMTP hand-off of this email began and its outcome is not
    # recorded yet: a sender that finds it set on claiming resends a possible
    # duplicate (the server may have said 250 before the first sender died)
    handoff_at = mapped_column(UtcDateTime())
    possible_duplicate: Mapped[bool] = mapped_column(
        sa.Boolean, server_default=sa.false(), default=False
    )
    created_at = mapped_column(UtcDateTime(), nullable=False)
    sent_at = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    # set when staff resent it (same Message-ID): when, and what the log says
    resent_at = mapped_column(UtcDateTime())
    note: Mapped[str | None] = mapped_column(sa.Text)


class Attachment(Base):
    """A file sent with an email: the .ics of an agenda, a digest's charts."""

    __tablename__ = "email_attachment"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    email_id: Mapped[str] = mapped_column(
        sa.String(36), sa.ForeignKey("email.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(sa.String(100))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    content = mapped_column(sa.LargeBinary, nullable=False)
    # set for images the HTML part shows inline (cid:...)
    content_id: Mapped[str | None] = mapped_column(sa.String(100))


class Activity(Base):
    """The delegations of a cooperation activity, from followup's events
    about it, so a funding email can name them."""

    __tablename__ = "activity"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    delegation_ids = mapped_column(sa.JSON, nullable=False)  # demanding first
