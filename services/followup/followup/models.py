"""followup's own tables: what it knows of workshops, delegations, programs and
staff (from intake and matching), and the cooperation activities it follows up."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from rueda_backbone.tables import UtcDateTime


class Base(DeclarativeBase):
    pass


class Workshop(Base):
    """A workshop, and how its activities are followed up. The row may exist
    before `workshop_published` arrives (staff set a cadence, or an expression
    came first): `version` 0 means not published yet."""

    __tablename__ = "workshop"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    version: Mapped[int] = mapped_column(sa.Integer, default=0)
    title: Mapped[str | None] = mapped_column(sa.String(300))
    time_zone: Mapped[str | None] = mapped_column(sa.String(64))
    cadence_days: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    due_soon_days: Mapped[int | None] = mapped_column(sa.Integer)
    escalation_days: Mapped[int | None] = mapped_column(sa.Integer)
    schedule_revision: Mapped[int] = mapped_column(sa.Integer, default=0)


class Delegation(Base):
    __tablename__ = "delegation"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    institution: Mapped[str] = mapped_column(sa.String(300))
    acronym: Mapped[str | None] = mapped_column(sa.String(50))
    # a subregional mechanism or an international organisation gives a region instead
    country: Mapped[str | None] = mapped_column(sa.String(100))
    region: Mapped[str | None] = mapped_column(sa.String(100))
    kind: Mapped[str] = mapped_column(sa.String(40))
    # who to name as the counterpart in follow-ups; contact details stay in notify
    focal_point_delegate_id: Mapped[str | None] = mapped_column(sa.String(36))
    registered_at = mapped_column(UtcDateTime(), nullable=False)
    workshop_id: Mapped[str | None] = mapped_column(sa.String(36))
    version: Mapped[int] = mapped_column(sa.Integer, default=0)
    withdrawn_version: Mapped[int | None] = mapped_column(sa.Integer)

    @property
    def name(self) -> str:
        return self.acronym or self.institution

    @property
    def place(self) -> str | None:
        """Where it is from: its country, or its region when it has no country."""
        return self.country or self.region

    @property
    def label(self) -> str:
        """How people read it: acronym and country or region ("MDS (Brazil)"),
        since one acronym names ministries of several countries."""
        if not self.place or self.place == self.name:
            return self.name
        return f"{self.name} ({self.place})"


class Program(Base):
    __tablename__ = "program"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    workshop_id: Mapped[str | None] = mapped_column(sa.String(36))
    delegation_id: Mapped[str] = mapped_column(sa.String(36))
    version: Mapped[int] = mapped_column(sa.Integer)
    title: Mapped[str] = mapped_column(sa.String(300))
    country: Mapped[str | None] = mapped_column(sa.String(100))
    topics: Mapped[list] = mapped_column(sa.JSON, default=list)
    # the label of the topic "other" among `topics` (reported under it)
    other_topic: Mapped[str | None] = mapped_column(sa.String(200))


class StaffMember(Base):
    __tablename__ = "staff_member"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    roles: Mapped[list] = mapped_column(sa.JSON, default=list)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    version: Mapped[int] = mapped_column(sa.Integer)
    # es, en, pt or fr: the language of their weekly digest's charts (None: English)
    language: Mapped[str | None] = mapped_column(sa.String(5))


class Expression(Base):
    """The latest version seen of an expression of interest, and whether it
    was withdrawn, so late or repeated deliveries change nothing."""

    __tablename__ = "expression"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    workshop_id: Mapped[str] = mapped_column(sa.String(36))
    version: Mapped[int] = mapped_column(sa.Integer, default=0)
    withdrawn_version: Mapped[int | None] = mapped_column(sa.Integer)


class ScheduleRound(Base):
    __tablename__ = "schedule_round"

    workshop_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    round_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    session: Mapped[int] = mapped_column(sa.Integer)
    table: Mapped[int] = mapped_column(sa.Integer)
    program_id: Mapped[str | None] = mapped_column(sa.String(36))
    starts_at = mapped_column(UtcDateTime())


class Activity(Base):
    __tablename__ = "activity"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    workshop_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    expression_id: Mapped[str | None] = mapped_column(sa.String(36), unique=True)
    title: Mapped[str | None] = mapped_column(sa.String(300))
    demanding_delegation_id: Mapped[str] = mapped_column(sa.String(36))
    # empty: the supplying side is not defined yet
    supplying_delegation_ids: Mapped[list] = mapped_column(sa.JSON, default=list)
    program_id: Mapped[str | None] = mapped_column(sa.String(36))
    topic: Mapped[str | None] = mapped_column(sa.String(100))
    # the free-text label of a topic `other` (reported under it)
    other_topic: Mapped[str | None] = mapped_column(sa.String(200))
    # named / several_not_yet_named / not_yet_defined; null before 0004 (derived then)
    supplier_status: Mapped[str | None] = mapped_column(sa.String(30))
    activity_types: Mapped[list] = mapped_column(sa.JSON, default=list)
    mechanism: Mapped[str | None] = mapped_column(sa.String(40))
    focus: Mapped[str | None] = mapped_column(sa.String(40))
    description: Mapped[str | None] = mapped_column(sa.Text)
    contact_delegate_ids: Mapped[list] = mapped_column(sa.JSON, default=list)
    round_session: Mapped[int | None] = mapped_column(sa.Integer)
    round_table: Mapped[int | None] = mapped_column(sa.Integer)
    state: Mapped[str] = mapped_column(sa.String(20), index=True)
    funding_source: Mapped[str | None] = mapped_column(sa.String(40))
    planned_start: Mapped[date | None] = mapped_column(sa.Date)
    planned_end: Mapped[date | None] = mapped_column(sa.Date)
    terms_of_reference: Mapped[str | None] = mapped_column(sa.Text)
    owner_staff_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    follow_up_on: Mapped[date | None] = mapped_column(sa.Date)
    estimated_cost: Mapped[int | None] = mapped_column(sa.BigInteger)
    currency: Mapped[str | None] = mapped_column(sa.String(3))
    scores: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    proposed_at = mapped_column(UtcDateTime(), nullable=False)
    updated_at = mapped_column(UtcDateTime(), nullable=False)


class ActivityChange(Base):
    """The audit trail: who changed what, when, why and through which channel."""

    __tablename__ = "activity_change"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    activity_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    at = mapped_column(UtcDateTime(), nullable=False)
    kind: Mapped[str] = mapped_column(sa.String(30))
    actor: Mapped[str] = mapped_column(sa.String(100))
    origin: Mapped[str] = mapped_column(sa.String(200))
    from_state: Mapped[str | None] = mapped_column(sa.String(20))
    to_state: Mapped[str | None] = mapped_column(sa.String(20))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)


class CounterpartUpdate(Base):
    __tablename__ = "counterpart_update"
    __table_args__ = (sa.UniqueConstraint("update_id", name="uq_counterpart_update_update_id"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    # the sender's id when the update came as an event: a re-sent update is
    # recorded once even under a new event id (HTTP updates have none)
    update_id: Mapped[str | None] = mapped_column(sa.String(36))
    activity_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    delegation_id: Mapped[str] = mapped_column(sa.String(36))
    delegate_id: Mapped[str | None] = mapped_column(sa.String(36))
    text: Mapped[str] = mapped_column(sa.Text)
    at = mapped_column(UtcDateTime(), nullable=False)


class FollowUpNotice(Base):
    """One row per notice sent: never twice per activity, level and date."""

    __tablename__ = "follow_up_notice"

    activity_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    level: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    follow_up_on: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    detected_at = mapped_column(UtcDateTime(), nullable=False)


class Criterion(Base):
    __tablename__ = "criterion"

    workshop_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(50), primary_key=True)
    label: Mapped[str] = mapped_column(sa.String(200))
    weight: Mapped[int] = mapped_column(sa.Integer)


class FundingSelection(Base):
    __tablename__ = "funding_selection"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    workshop_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    budget: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    funding_source: Mapped[str] = mapped_column(sa.String(40))
    status: Mapped[str] = mapped_column(sa.String(20))
    # [{activity_id, title, score, cost}] as proposed, so confirming publishes what staff saw
    selected: Mapped[list] = mapped_column(sa.JSON, default=list)
    candidate_count: Mapped[int] = mapped_column(sa.Integer)
    total_cost: Mapped[int] = mapped_column(sa.BigInteger)
    total_score: Mapped[int] = mapped_column(sa.Integer)
    proposed_by: Mapped[str] = mapped_column(sa.String(100))
    proposed_at = mapped_column(UtcDateTime(), nullable=False)
    confirmed_by: Mapped[str | None] = mapped_column(sa.String(100))
    confirmed_at = mapped_column(UtcDateTime())


class WeeklyDigest(Base):
    __tablename__ = "weekly_digest"

    owner_staff_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    week_of: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    digest_id: Mapped[str] = mapped_column(sa.String(36))
    prepared_at = mapped_column(UtcDateTime(), nullable=False)
