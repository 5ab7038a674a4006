"""Intake's own tables (the backbone's outbox, inbox, parked and
idempotent_request tables sit beside them)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from rueda_backbone.tables import UtcDateTime


class Base(DeclarativeBase):
    pass


class Workshop(Base):
    __tablename__ = "workshop"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    version: Mapped[int] = mapped_column(sa.Integer)
    # the workshop form as accepted (JSON-safe); republished whole on every change
    form: Mapped[dict] = mapped_column(sa.JSON)
    late_windows: Mapped[list] = mapped_column(sa.JSON)
    # uow.who of the latest revision (every revision is in form_version)
    updated_by: Mapped[str | None] = mapped_column(sa.String(300))
    created_at = mapped_column(UtcDateTime(), nullable=False)
    updated_at = mapped_column(UtcDateTime(), nullable=False)


class Delegation(Base):
    __tablename__ = "delegation"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    # null only for delegations registered before workshops existed (0001)
    workshop_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    status: Mapped[str] = mapped_column(sa.String(20), default="registered")
    # a subregional mechanism or an international organisation gives a region
    # instead of a country: `region` is set and `country` holds its name too
    # (the column stayed NOT NULL; `place` below says which it is)
    country: Mapped[str] = mapped_column(sa.String(100))
    region: Mapped[str | None] = mapped_column(sa.String(100))
    institution: Mapped[str] = mapped_column(sa.String(300))
    acronym: Mapped[str | None] = mapped_column(sa.String(50))
    kind: Mapped[str] = mapped_column(sa.String(40))
    working_languages: Mapped[list] = mapped_column(sa.JSON)
    registered_at = mapped_column(UtcDateTime(), nullable=False)
    updated_at = mapped_column(UtcDateTime())
    withdrawn_at = mapped_column(UtcDateTime())
    delegates: Mapped[list[Delegate]] = relationship(
        back_populates="delegation", order_by="Delegate.position", cascade="all, delete-orphan"
    )

    @property
    def country_of_its_own(self) -> str | None:
        """Its country; None for a delegation that gives a region instead."""
        return None if self.region else self.country


class Delegate(Base):
    __tablename__ = "delegate"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    delegation_id: Mapped[str] = mapped_column(sa.ForeignKey("delegation.id"), index=True)
    position: Mapped[int] = mapped_column(sa.Integer)
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(320))
    role: Mapped[str | None] = mapped_column(sa.String(200))
    language: Mapped[str] = mapped_column(sa.String(2))
    # null: only `language` (registrations before 0004 said no more)
    languages: Mapped[list | None] = mapped_column(sa.JSON)
    # session numbers of the workshop's grid; null = every session
    sessions: Mapped[list | None] = mapped_column(sa.JSON)
    is_focal_point: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    delegation: Mapped[Delegation] = relationship(back_populates="delegates")


class ErasedDelegate(Base):
    """A delegate erased on request: ids only, so a late revision naming the
    same person again is told rather than silently re-creating them."""

    __tablename__ = "erased_delegate"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    delegation_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    erased_at = mapped_column(UtcDateTime(), nullable=False)


class FormRecord(Base):
    """A program profile, interest form or expression of interest: its latest
    submitted revision, its draft and its state."""

    __tablename__ = "form"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(30), index=True)
    workshop_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    delegation_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    status: Mapped[str] = mapped_column(sa.String(20))
    version: Mapped[int] = mapped_column(sa.Integer, default=0)
    title: Mapped[str | None] = mapped_column(sa.String(300))
    data: Mapped[dict | None] = mapped_column(sa.JSON)
    draft: Mapped[dict | None] = mapped_column(sa.JSON)
    review: Mapped[dict | None] = mapped_column(sa.JSON)
    submitted_at = mapped_column(UtcDateTime())
    withdrawn_at = mapped_column(UtcDateTime())
    created_at = mapped_column(UtcDateTime(), nullable=False)
    updated_at = mapped_column(UtcDateTime(), nullable=False)


class FormVersion(Base):
    """Every revision of every form, delegation registrations included, as submitted."""

    __tablename__ = "form_version"
    __table_args__ = (sa.UniqueConstraint("subject_id", "version", "action"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    subject_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    kind: Mapped[str] = mapped_column(sa.String(30))
    version: Mapped[int] = mapped_column(sa.Integer)
    action: Mapped[str] = mapped_column(sa.String(20))
    data: Mapped[dict] = mapped_column(sa.JSON)
    recorded_at = mapped_column(UtcDateTime(), nullable=False)
    # the archive import that made it ("imported"); null for a form sent by its delegation
    import_id: Mapped[str | None] = mapped_column(sa.String(36))
    # uow.who: "staff:<id> (<name>)" when the console acted for a person,
    # else the request's origin ("http:<client>@<address>"); null before 0006
    changed_by: Mapped[str | None] = mapped_column(sa.String(300))


class ArchiveImport(Base):
    """A past workshop's records loaded by the secretariat: who, when, from
    what, and how many of each; deadlines were not applied to them."""

    __tablename__ = "archive_import"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    workshop_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    source: Mapped[str] = mapped_column(sa.String(300))
    # uow.origin of the request: "http:<client>@<address>"
    origin: Mapped[str] = mapped_column(sa.String(300))
    counts: Mapped[dict] = mapped_column(sa.JSON)
    imported_at = mapped_column(UtcDateTime(), nullable=False)


class StaffMember(Base):
    __tablename__ = "staff_member"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    version: Mapped[int] = mapped_column(sa.Integer)
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(320))
    language: Mapped[str] = mapped_column(sa.String(2))
    roles: Mapped[list] = mapped_column(sa.JSON)
    active: Mapped[bool] = mapped_column(sa.Boolean)
    created_at = mapped_column(UtcDateTime(), nullable=False)
    updated_at = mapped_column(UtcDateTime(), nullable=False)
